import t from 'tap';
import { recoverableResults } from '../../src/actions/recoverable-results.ts';
import type { RecoverableWindow } from '../../src/delta/delta-types.ts';
import { parseSegmentName, segmentName } from '../../src/delta/segment-name.ts';
import type { StoredSegment } from '../../src/store/delta-store.ts';
import type { StoredSnapshot } from '../../src/store/snapshot-store.ts';

const STAMP = '2026-12-01-14.00.00';
const S3 = 's3://etcd-backups/etcd-snapshots/etcd/etcd-0';
const segment = (first: number, last: number, location: string): StoredSegment => ({ ...parseSegmentName(segmentName(STAMP, first, last, false))!, location, bytes: 10, sha256: undefined });
const snapshot = (location: string): StoredSnapshot => ({
  name: `etcd-snapshot-${STAMP}.tar.gz`, location, bytes: 1, diskBytes: 4096, sha256: undefined, created: new Date('2026-12-01T14:00:00Z'), manifest: undefined, trigger: undefined,
});
const window: RecoverableWindow = { from: { time: '2026-12-01T14:00:00.000Z', revision: 100 }, to: { time: '2026-12-01T14:05:00.000Z', revision: 300 }, gaps: 0, chains: [] };

t.test('each snapshot counts the segments of its chain in its own store; the total counts a name once', async (t) => {
  const segments = [segment(101, 200, 'local'), segment(101, 200, S3), segment(201, 300, S3)];
  t.strictSame(recoverableResults(window, [snapshot('local'), snapshot(`${S3}/etcd-snapshot-${STAMP}.tar.gz`)], segments), {
    'recoverable.from-time': '2026-12-01T14:00:00.000Z',
    'recoverable.from-revision': '100',
    'recoverable.to-time': '2026-12-01T14:05:00.000Z',
    'recoverable.to-revision': '300',
    'recoverable.gaps': '0',
    'recoverable.segments': '2',
    'snapshots.1.segments': '1',
    'snapshots.2.segments': '2',
  });
});

t.test('no window: no key at all', async (t) => {
  t.strictSame(recoverableResults(undefined, [snapshot('local')], []), {});
});
