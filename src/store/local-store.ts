import { createReadStream } from 'node:fs';
import { lstat, open, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { syncDir } from '../fs/atomic-file.ts';
import { parseSnapshotName } from '../archive/snapshot-name.ts';
import { AgentError } from '../errors/agent-error.ts';
import { readSidecar } from './checksum-sidecar.ts';
import { SIDECAR_SUFFIX, checkSnapshotName, newestFirst } from './snapshot-names.ts';
import type { SnapshotStore, StoredSnapshot } from './snapshot-store.ts';

// The location every local store reports.
export const LOCAL_LOCATION = 'local';

// The unit's snapshot directory as a store; `dir` is where its archives live.
export interface LocalStore extends SnapshotStore {
  readonly dir: string;
}

const codeOf = (error: unknown): string | undefined => (error as NodeJS.ErrnoException).code;

const why = (error: unknown): string => {
  const code = codeOf(error);
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOTDIR') return 'not a directory';
  if (code === 'ENOSPC') return 'no space left on the device';
  return error instanceof Error ? error.message : String(error);
};

// A store over one directory on the unit: archives as files, `<archive>.sha256` beside each.
export const localStore = (dir: string): LocalStore => {
  const where = `${LOCAL_LOCATION} (${dir})`;
  const pathOf = (name: string): string => join(dir, name);

  // What listing says about one name; undefined when it is not a regular file (or has just gone).
  const describe = async (name: string, created: Date): Promise<StoredSnapshot | undefined> => {
    const path = pathOf(name);
    const info = await lstat(path).catch((error: unknown) => {
      if (codeOf(error) === 'ENOENT') return undefined;
      throw new AgentError(`cannot read ${path} in store ${where} (${why(error)})`, { cause: error });
    });
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
      let names: string[];
      try {
        names = await readdir(dir);
      } catch (error) {
        if (codeOf(error) === 'ENOENT') return [];
        throw new AgentError(`cannot list snapshots in store ${where} (${why(error)})`, { cause: error });
      }
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
      const path = pathOf(name);
      const handle = await open(path, 'r').catch((error: unknown) => {
        if (codeOf(error) === 'ENOENT') throw new AgentError(`no snapshot named ${name} in store ${where}; run list-snapshots to see what is there`);
        throw new AgentError(`cannot read ${path} in store ${where} (${why(error)})`, { cause: error });
      });
      if (!(await handle.stat()).isFile()) {
        await handle.close();
        throw new AgentError(`${path} in store ${where} is not a regular file`);
      }
      return createReadStream(path, { fd: handle, highWaterMark: 1 << 20, ...(options.signal ? { signal: options.signal } : {}) });
    },

    async delete(name) {
      checkSnapshotName(name, where);
      for (const path of [pathOf(name), `${pathOf(name)}${SIDECAR_SUFFIX}`, `${pathOf(name)}.json`]) {
        try {
          await unlink(path);
        } catch (error) {
          if (codeOf(error) === 'ENOENT') continue;
          throw new AgentError(`cannot remove ${path} from store ${where} (${why(error)})`, { cause: error });
        }
      }
      await syncDir(dir).catch(() => undefined);
    },
  };
};
