import { readFileSync } from 'node:fs';

// When a process started, in clock ticks since boot (field 22 of /proc/<pid>/stat); undefined when it is gone.
export const processStartTicks = (pid: number): string | undefined => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state), so field 22 is fields[19].
    if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
    return fields[19];
  } catch {
    return undefined;
  }
};

// This process's pid and start time, as carried in the names of its scratch and partial files: `<pid>-<ticks>`.
export const RUN_TAG = `${process.pid}-${processStartTicks(process.pid) ?? '0'}`;

// True while the process that a `<pid>-<ticks>` tag names still runs (the same process, not a reused pid).
export const tagAlive = (pid: number, ticks: string): boolean => processStartTicks(pid) === ticks;
