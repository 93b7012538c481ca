import { readdir } from 'node:fs/promises';
import type { ChainBase } from '../delta/delta-types.ts';
import { archiveStamp, parseSegmentName } from '../delta/segment-name.ts';
import type { StoredSnapshot } from '../store/snapshot-store.ts';
import type { LocalStore } from '../store/local-store.ts';

// The chain base a stored archive stands for; undefined when its manifest cannot be read (legacy, or unreadable).
export const chainBaseOf = (snapshot: StoredSnapshot): ChainBase | undefined => {
  const stamp = archiveStamp(snapshot.name);
  const manifest = snapshot.manifest;
  if (stamp === undefined || manifest === undefined) return undefined;
  return { name: snapshot.name, stamp, revision: manifest.revision, created: manifest.created, clusterId: manifest.clusterId };
};

// The newest archive in the snapshot dir whose manifest is readable, as a chain base.
export const newestBase = async (store: LocalStore): Promise<ChainBase | undefined> => {
  for (const snapshot of await store.list()) {
    const base = chainBaseOf(snapshot);
    if (base) return base;
  }
  return undefined;
};

// The base of the archive of that name in the snapshot dir, when it is there with a readable manifest.
export const baseNamed = async (store: LocalStore, name: string): Promise<ChainBase | undefined> => {
  const found = (await store.list()).find((s) => s.name === name);
  return found ? chainBaseOf(found) : undefined;
};

// The last revision the closed segments of base's chain in dir reach; the base's own revision when there are none.
export const chainLastRevision = async (dir: string, base: ChainBase): Promise<number> => {
  let last = Math.max(base.revision, 1);
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const segment = parseSegmentName(name);
    if (segment && segment.stamp === base.stamp && segment.lastRevision > last) last = segment.lastRevision;
  }
  return last;
};
