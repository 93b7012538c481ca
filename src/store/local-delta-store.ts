import { join } from 'node:path';
import { parseSegmentName } from '../delta/segment-name.ts';
import { readSidecar } from './checksum-sidecar.ts';
import { namesIn, readFileIn, removeIn, statIn } from './local-files.ts';
import type { DeltaStore, StoredSegment } from './delta-store.ts';
import { LOCAL_LOCATION } from './local-store.ts';
import { checkSegmentName, segmentOrder } from './segment-names.ts';
import { SIDECAR_SUFFIX } from './snapshot-names.ts';

// The unit's snapshot directory as a store of delta segments; pathOf gives a segment's file there.
export interface LocalDeltaStore extends DeltaStore {
  readonly dir: string;
  pathOf(name: string): string;
}

// The delta segments in one directory on the unit: `etcd-delta-…` files, each with its `.sha256` beside it.
export const localDeltaStore = (dir: string): LocalDeltaStore => {
  const where = `${LOCAL_LOCATION} (${dir})`;
  const pathOf = (name: string): string => join(dir, name);

  return {
    location: LOCAL_LOCATION,
    dir,
    pathOf: (name) => pathOf(checkSegmentName(name, where).name),

    async listSegments(options = {}) {
      const names = await namesIn(dir, where, 'delta segments');
      const found: StoredSegment[] = [];
      for (const name of names) {
        options.signal?.throwIfAborted();
        const parsed = parseSegmentName(name);
        if (!parsed) continue;
        const path = pathOf(name);
        const info = await statIn(path, where);
        if (!info?.isFile()) continue;
        found.push({ ...parsed, location: LOCAL_LOCATION, bytes: info.size, sha256: await readSidecar(`${path}${SIDECAR_SUFFIX}`, name) });
      }
      return found.sort(segmentOrder);
    },

    async fetchSegment(name, options = {}) {
      checkSegmentName(name, where);
      return readFileIn(pathOf(name), where, `no delta segment named ${name} in store ${where}; it was removed (retention) or never written`, options.signal);
    },

    async deleteSegment(name) {
      checkSegmentName(name, where);
      await removeIn(dir, [pathOf(name), `${pathOf(name)}${SIDECAR_SUFFIX}`], where);
    },
  };
};
