import { readdir } from 'node:fs/promises';
import { getPriority, setPriority } from 'node:os';

// Lowers the CPU priority of every thread of this process (Linux nice is per thread; threads started later
// inherit it) by `steps`, and returns how to put it back (which may be refused to a user that is not root:
// then the rest of the run stays gentle). Processes started before keep their own priority.
// The snapshot uses it while etcd streams: etcd and etcdctl come first, compression takes what is left.
export const lowerOwnPriority = async (steps: number): Promise<() => void> => {
  const threads = await readdir('/proc/self/task').catch(() => [] as string[]);
  const lowered: [number, number][] = [];
  for (const name of threads) {
    const tid = Number(name);
    try {
      const before = getPriority(tid);
      setPriority(tid, Math.min(19, before + steps));
      lowered.push([tid, before]);
    } catch {
      // A thread that ended meanwhile.
    }
  }
  return () => {
    for (const [tid, before] of lowered) {
      try {
        setPriority(tid, before);
      } catch {
        // Not allowed (raising priority needs root) or the thread ended.
      }
    }
  };
};
