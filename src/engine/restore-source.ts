import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AgentError } from '../errors/agent-error.ts';
import { replayToPoint, type PointOutcome } from '../replay/replay-to-point.ts';
import { MAX_DB_BYTES } from './inspect-snapshot.ts';
import { unpackLimitIn } from './free-space.ts';
import { resolveSource, type ResolvedSource } from './resolve-source.ts';
import type { RestoreDeps, RestoreRequest } from './restore-snapshot.ts';

// The file a restore restores, and the replay that made it when the restore is to a point.
export interface RestoreSource {
  source: ResolvedSource;
  point: PointOutcome | undefined;
}

// Finds what to restore: the source param as always (resource, path, name, s3:// URL), or, with request.point, the
// base and segments of the snapshot dir replayed to the target in a throwaway etcd under scratch (every check and
// refusal of the replay comes before it starts, and before the running etcd is touched).
export const restoreSource = async (deps: RestoreDeps, request: RestoreRequest, scratch: string): Promise<RestoreSource> => {
  if (!request.point) {
    const source = await resolveSource(request.source, deps.tools, { searchDirs: request.searchDirs, remote: request.remote, downloadDir: join(scratch, 'download') });
    return { source, point: undefined };
  }
  if (!deps.runner) throw new AgentError('a restore to a point needs a way to start etcd (runner), and none was given');
  const work = join(scratch, 'point');
  await mkdir(work, { mode: 0o700 });
  const point = await replayToPoint({ etcd: deps.etcd, runner: deps.runner, clock: deps.clock, progress: deps.progress }, {
    ...request.point, source: request.source, sha256: request.sha256, identity: request.identity, scratch: work,
    unpackLimit: request.point.unpackLimit ?? await unpackLimitIn(dirname(request.dataDir), work, MAX_DB_BYTES),
  });
  return { source: { path: point.dbPath, label: `${point.base} replayed to revision ${point.toRevision}` }, point };
};
