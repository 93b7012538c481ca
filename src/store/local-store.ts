import { join } from 'node:path';
import { parseSnapshotName } from '../archive/snapshot-name.ts';
import { readSidecar } from './checksum-sidecar.ts';
import { namesIn, readFileIn, removeIn, statIn } from './local-files.ts';
import { SIDECAR_SUFFIX, checkSnapshotName, newestFirst } from './snapshot-names.ts';
import type { SnapshotStore, StoredSnapshot } from './snapshot-store.ts';

// The location every local store reports.
export const LOCAL_LOCATION = 'local';

// The unit's snapshot directory as a store; `dir` is where its archives live.
export interface LocalStore extends SnapshotStore {
  readonly dir: string;
}

// A store over one directory on the unit: archives as files, `<archive>.sha256` beside each.
export const localStore = (dir: string): LocalStore => {
  const where = `${LOCAL_LOCATION} (${dir})`;
  const pathOf = (name: string): string => join(dir, name);

  // What listing says about one name; undefined when it is not a regular file (or has just gone).
  const describe = async (name: string, created: Date): Promise<StoredSnapshot | undefined> => {
    const path = pathOf(name);
    const info = await statIn(path, where);
    if (!info?.isFile()) return undefined;
    // The archive readers (tar, zlib) load only once there is an archive to read: a start that lists an empty dir, or
    // makes stores it never uses, never pays for them.
    const { readManifest } = await import('../archive/read-manifest.ts');
    const manifest = await readManifest(path);
    return {
      name,
      location: LOCAL_LOCATION,
      bytes: info.size,
      diskBytes: info.blocks * 512,
      sha256: await readSidecar(`${path}${SIDECAR_SUFFIX}`, name),
      created,
      manifest,
      trigger: manifest?.trigger,
    };
  };

  return {
    location: LOCAL_LOCATION,
    dir,

    async list(options = {}) {
      const names = await namesIn(dir, where, 'snapshots');
      const found: StoredSnapshot[] = [];
      for (const name of names) {
        options.signal?.throwIfAborted();
        const created = parseSnapshotName(name);
        const snapshot = created && (await describe(name, created));
        if (snapshot) found.push(snapshot);
      }
      return found.sort(newestFirst);
    },

    async fetch(name, options = {}) {
      checkSnapshotName(name, where);
      return readFileIn(pathOf(name), where, `no snapshot named ${name} in store ${where}; run list-snapshots to see what is there`, options.signal);
    },

    async delete(name) {
      checkSnapshotName(name, where);
      await removeIn(dir, [pathOf(name), `${pathOf(name)}${SIDECAR_SUFFIX}`, `${pathOf(name)}.json`], where);
    },
  };
};
