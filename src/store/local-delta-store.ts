import { createReadStream } from 'node:fs';
import { lstat, open, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { parseSegmentName } from '../delta/segment-name.ts';
import { AgentError } from '../errors/agent-error.ts';
import { syncDir } from '../fs/atomic-file.ts';
import { readSidecar } from './checksum-sidecar.ts';
import type { DeltaStore, StoredSegment } from './delta-store.ts';
import { LOCAL_LOCATION } from './local-store.ts';
import { checkSegmentName, segmentOrder } from './segment-names.ts';
import { SIDECAR_SUFFIX } from './snapshot-names.ts';

// The unit's snapshot directory as a store of delta segments; pathOf gives a segment's file there.
export interface LocalDeltaStore extends DeltaStore {
  readonly dir: string;
  pathOf(name: string): string;
}

const codeOf = (error: unknown): string | undefined => (error as NodeJS.ErrnoException).code;

const why = (error: unknown): string => {
  const code = codeOf(error);
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOTDIR') return 'not a directory';
  return error instanceof Error ? error.message : String(error);
};

// The delta segments in one directory on the unit: `etcd-delta-…` files, each with its `.sha256` beside it.
export const localDeltaStore = (dir: string): LocalDeltaStore => {
  const where = `${LOCAL_LOCATION} (${dir})`;
  const pathOf = (name: string): string => join(dir, name);

  return {
    location: LOCAL_LOCATION,
    dir,
    pathOf: (name) => pathOf(checkSegmentName(name, where).name),

    async listSegments(options = {}) {
      let names: string[];
      try {
        names = await readdir(dir);
      } catch (error) {
        if (codeOf(error) === 'ENOENT') return [];
        throw new AgentError(`cannot list delta segments in store ${where} (${why(error)})`, { cause: error });
      }
      const found: StoredSegment[] = [];
      for (const name of names) {
        options.signal?.throwIfAborted();
        const parsed = parseSegmentName(name);
        if (!parsed) continue;
        const path = pathOf(name);
        const info = await lstat(path).catch((error: unknown) => {
          if (codeOf(error) === 'ENOENT') return undefined;
          throw new AgentError(`cannot read ${path} in store ${where} (${why(error)})`, { cause: error });
        });
        if (!info?.isFile()) continue;
        found.push({ ...parsed, location: LOCAL_LOCATION, bytes: info.size, sha256: await readSidecar(`${path}${SIDECAR_SUFFIX}`, name) });
      }
      return found.sort(segmentOrder);
    },

    async fetchSegment(name, options = {}) {
      checkSegmentName(name, where);
      const path = pathOf(name);
      const handle = await open(path, 'r').catch((error: unknown) => {
        if (codeOf(error) === 'ENOENT') throw new AgentError(`no delta segment named ${name} in store ${where}; it was removed (retention) or never written`);
        throw new AgentError(`cannot read ${path} in store ${where} (${why(error)})`, { cause: error });
      });
      if (!(await handle.stat()).isFile()) {
        await handle.close();
        throw new AgentError(`${path} in store ${where} is not a regular file`);
      }
      return createReadStream(path, { fd: handle, highWaterMark: 1 << 20, ...(options.signal ? { signal: options.signal } : {}) });
    },

    async deleteSegment(name) {
      checkSegmentName(name, where);
      for (const path of [pathOf(name), `${pathOf(name)}${SIDECAR_SUFFIX}`]) {
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
