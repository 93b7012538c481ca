// Samples the resident memory (VmRSS from /proc) of one process and of each of its descendants, every few tens of
// milliseconds, until stopped: what a chart of memory over time needs. Descendants are found by walking the parent
// pids of /proc/*/stat at each sample, so a child that starts and ends between two samples is missed, not guessed.
import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

// One sample: seconds since sampling started, the process's RSS, and the summed RSS of its descendants by command
// name (the comm of /proc/<pid>/stat, e.g. "etcdctl"). The *AnonMiB twins count anonymous memory alone (RssAnon):
// RSS also counts the pages of files a process maps, as bbolt (`etcdctl snapshot status`) maps the whole db.
export interface RssSample {
  seconds: number;
  selfMiB: number;
  selfAnonMiB: number;
  descendantsMiB: Record<string, number>;
  descendantsAnonMiB: Record<string, number>;
}

// A running sampler: stop() ends it and hands back the samples, oldest first.
export interface RssSampler {
  stop(): Promise<RssSample[]>;
}

// [RSS, anonymous RSS] in MiB, or undefined once the process is gone (or a zombie).
const rssMiB = async (pid: number): Promise<[number, number] | undefined> => {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const rss = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  const anon = /RssAnon:\s+(\d+) kB/.exec(status)?.[1];
  return rss === undefined || anon === undefined ? undefined : [Number(rss) / 1024, Number(anon) / 1024];
};

// pid → [parent pid, command name] of every process there now.
const processTable = async (): Promise<Map<number, [number, string]>> => {
  const table = new Map<number, [number, string]>();
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  await Promise.all(pids.map(async (pid) => {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    const close = stat.lastIndexOf(')');
    if (close < 0) return;
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const ppid = Number(stat.slice(close + 2).split(' ')[1]);
    table.set(Number(pid), [ppid, comm]);
  }));
  return table;
};

const descendants = (table: Map<number, [number, string]>, root: number): [number, string][] => {
  const found: [number, string][] = [];
  for (const [pid, [, comm]] of table) {
    for (let up = table.get(pid)?.[0]; up !== undefined && up > 1; up = table.get(up)?.[0]) {
      if (up === root) {
        found.push([pid, comm]);
        break;
      }
    }
  }
  return found;
};

const sampleOnce = async (pid: number, seconds: number): Promise<RssSample | undefined> => {
  const [self, table] = await Promise.all([rssMiB(pid), processTable()]);
  if (self === undefined) return undefined;
  const descendantsMiB: Record<string, number> = {};
  const descendantsAnonMiB: Record<string, number> = {};
  for (const [child, comm] of descendants(table, pid)) {
    const mib = await rssMiB(child);
    if (mib === undefined) continue;
    descendantsMiB[comm] = (descendantsMiB[comm] ?? 0) + mib[0];
    descendantsAnonMiB[comm] = (descendantsAnonMiB[comm] ?? 0) + mib[1];
  }
  return { seconds, selfMiB: self[0], selfAnonMiB: self[1], descendantsMiB, descendantsAnonMiB };
};

// Starts sampling pid every everyMs (one sample at a time: a slow /proc scan delays the next, never overlaps it).
export const startRssSampler = (pid: number, everyMs = 50): RssSampler => {
  const started = performance.now();
  const samples: RssSample[] = [];
  let running = true;
  const loop = (async (): Promise<void> => {
    while (running) {
      const sample = await sampleOnce(pid, (performance.now() - started) / 1000);
      if (sample) samples.push(sample);
      if (running) await sleep(everyMs);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return samples;
    },
  };
};
