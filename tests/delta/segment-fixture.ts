// Events, a base and crafted segment files for the delta segment tests.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { ChainBase, DeltaEvent, SegmentManifest } from '../../src/delta/delta-types.ts';

// The stamp of BASE's archive name.
export const STAMP = '2026-12-01-14.00.00';

// A full snapshot at revision 100 for segments to follow.
export const BASE: ChainBase = { name: `etcd-snapshot-${STAMP}.tar.gz`, stamp: STAMP, revision: 100, created: '2026-12-01T14:00:00.000Z', clusterId: 'cdf818194e3a8c32' };

// A put at revision r (create revision r, version 1), key /registry/k<r>, value of `value` or a few bytes of r.
export const put = (r: number, value: Buffer = Buffer.from(`v${r}`)): DeltaEvent => ({
  revision: r,
  type: 'put',
  key: Buffer.from(`/registry/k${r}`),
  value,
  lease: '0',
  createRevision: r,
  version: 1,
  time: new Date(Date.UTC(2026, 11, 1, 14, 0, 1) + r).toISOString(),
});

// A delete of key at revision r.
export const del = (r: number, key: Buffer): DeltaEvent => ({ revision: r, type: 'delete', key, value: Buffer.alloc(0), lease: '0', createRevision: 0, version: 0, time: put(r).time });

// The JSON line of an event, written by hand (not by the codec under test).
export const lineOf = (e: DeltaEvent): string =>
  JSON.stringify({ r: e.revision, t: e.type, k: e.key.toString('base64'), v: e.value.toString('base64'), l: e.lease, c: e.createRevision, ver: e.version, ts: e.time });

// The trailer a writer would give events.
export const manifestOf = (events: DeltaEvent[], closedAt = '2026-12-01T14:05:00.000Z'): SegmentManifest => ({
  kind: 'etcd-agent-delta',
  format: 1,
  base: BASE.name,
  baseRevision: BASE.revision,
  clusterId: BASE.clusterId as string,
  firstRevision: events[0]!.revision,
  lastRevision: events.at(-1)!.revision,
  firstEventTime: events[0]!.time,
  lastEventTime: events.at(-1)!.time,
  count: events.length,
  closedAt,
});

// Writes a crafted segment file named name in dir: the lines gzipped as one member (then any trailer lines as a
// second member); returns its path.
export const craft = async (dir: string, name: string, lines: string[], trailer: string[] = []): Promise<string> => {
  const path = join(dir, name);
  const members = [gzipSync(lines.map((l) => `${l}\n`).join(''))];
  if (trailer.length > 0) members.push(gzipSync(trailer.map((l) => `${l}\n`).join('')));
  await writeFile(path, Buffer.concat(members));
  return path;
};
