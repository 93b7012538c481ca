// Real base archives and real delta segments (written by the segment writer) for the window and retention tests.
import type { ChainBase, DeltaEvent } from '../../src/delta/delta-types.ts';
import { openSegment, type ClosedSegment } from '../../src/delta/segment-writer.ts';
import type { Manifest } from '../../src/archive/manifest.ts';
import { fakeManifest, makeArchive } from '../store/archive-fixture.ts';

// The cluster every fixture segment and base belongs to.
export const CLUSTER = 'cdf818194e3a8c32';

// A base at `stamp` (YYYY-MM-DD-HH.MM.SS), revision `revision`, created at the stamp's moment.
export const chainBase = (stamp: string, revision: number): ChainBase => {
  const [date, time] = [stamp.slice(0, 10), stamp.slice(11).replace(/\./g, ':')];
  return { name: `etcd-snapshot-${stamp}.tar.gz`, stamp, revision, created: `${date}T${time}.000Z`, clusterId: CLUSTER };
};

// Writes base's archive (and its sidecar) into dir with a manifest saying its revision and created time.
export const writeBase = async (dir: string, base: ChainBase, extra: Partial<Manifest> = {}): Promise<void> => {
  await makeArchive(dir, base.name, { manifest: fakeManifest({ trigger: 'scheduled', revision: base.revision, created: base.created, clusterId: CLUSTER, ...extra }) });
};

// The time of revision r's event: one second per revision after the base.
export const eventTime = (base: ChainBase, r: number): string => new Date(Date.parse(base.created) + (r - base.revision) * 1000).toISOString();

const put = (base: ChainBase, r: number): DeltaEvent => ({
  revision: r,
  type: 'put',
  key: Buffer.from(`/registry/k${r}`),
  value: Buffer.from(`v${r}`),
  lease: '0',
  createRevision: r,
  version: 1,
  time: eventTime(base, r),
});

// Writes a closed segment of base's chain holding a put per revision first..last, encrypted when recipients are given.
export const writeSegment = async (dir: string, base: ChainBase, first: number, last: number, recipients: string[] = []): Promise<ClosedSegment> => {
  const writer = await openSegment({ dir, base, firstRevision: first, clusterId: CLUSTER, recipients });
  for (let r = first; r <= last; r += 1) await writer.append(put(base, r));
  const closed = await writer.close(new Date(Date.parse(eventTime(base, last)) + 500));
  if (!closed) throw new Error('the fixture segment was empty');
  return closed;
};
