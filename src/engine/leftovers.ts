import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tagAlive } from '../system/process-tag.ts';

// The agent's own hidden scratch and partial names, each carrying the `<pid>-<start ticks>` of the run that made it:
// snapshot and restore scratch dirs (mkdtemp adds six characters), verify scratch, and the partial files of
// atomic writes (archives, sidecars, the schedule state, the restore journal), delta segments being written
// (.etcd-agent-delta-<stamp>-<first>.partial-…) and their sidecars' partials. Nothing else is ever matched.
const PATTERNS: readonly RegExp[] = [
  /^\.etcd-agent-(?:work|restore|verify)-(\d+)-(\d+)-[A-Za-z0-9]{6}$/,
  /^\.(?:etcd-snapshot-\d{4}-\d\d-\d\d-\d\d\.\d\d\.\d\d\.tar(?:\.gz|\.zst)?(?:\.age)?(?:\.sha256|\.json)?|\.etcd-agent-[A-Za-z0-9._-]+)\.partial-(\d+)-(\d+)-\d+$/,
  /^\.(?:etcd-agent-delta-\d{4}-\d\d-\d\d-\d\d\.\d\d\.\d\d-\d+|etcd-delta-\d{4}-\d\d-\d\d-\d\d\.\d\d\.\d\d-\d+-\d+\.jsonl\.gz(?:\.age)?\.sha256)\.partial-(\d+)-(\d+)-\d+$/,
];

// The pid and start ticks a leftover name carries, or undefined when the name is not one of the agent's.
export const leftoverOwner = (name: string): { pid: number; ticks: string } | undefined => {
  for (const pattern of PATTERNS) {
    const match = pattern.exec(name);
    if (match) return { pid: Number(match[1]), ticks: match[2] as string };
  }
  return undefined;
};

// Removes, from dir, the agent's hidden leftovers whose process is gone; returns the paths removed.
// A missing or unreadable dir has none.
export const removeLeftovers = async (dir: string, onRemove?: (path: string) => void): Promise<string[]> => {
  const names = await readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    const owner = leftoverOwner(name);
    if (!owner || tagAlive(owner.pid, owner.ticks)) continue;
    const path = join(dir, name);
    await rm(path, { recursive: true, force: true });
    removed.push(path);
    onRemove?.(path);
  }
  return removed;
};
