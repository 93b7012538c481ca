import t from 'tap';
import { AgentError } from '../../src/errors/agent-error.ts';
import { archiveStamp, parseSegmentName, segmentName } from '../../src/delta/segment-name.ts';

const STAMP = '2026-12-01-14.00.00';

t.test('names a segment by its base stamp and revisions', async (t) => {
  t.equal(segmentName(STAMP, 101, 250, false), 'etcd-delta-2026-12-01-14.00.00-101-250.jsonl.gz');
  t.equal(segmentName(STAMP, 7, 7, true), 'etcd-delta-2026-12-01-14.00.00-7-7.jsonl.gz.age');
  t.equal(segmentName(STAMP, 1, Number.MAX_SAFE_INTEGER, false), `etcd-delta-2026-12-01-14.00.00-1-${Number.MAX_SAFE_INTEGER}.jsonl.gz`);
});

t.test('refuses to name a segment after a bad stamp or bad revisions', async (t) => {
  t.throws(() => segmentName('2026-13-01-14.00.00', 1, 2, false), new AgentError('cannot name a delta segment after base stamp "2026-13-01-14.00.00": it is not YYYY-MM-DD-HH.MM.SS'));
  t.throws(() => segmentName('etcd-snapshot-2026-12-01-14.00.00', 1, 2, false), AgentError);
  for (const [first, last] of [[0, 2], [3, 2], [1.5, 2], [1, Number.MAX_SAFE_INTEGER + 1], [-1, 2], [Number.NaN, 2]] as const) {
    t.throws(() => segmentName(STAMP, first, last, false), new AgentError(`cannot name a delta segment for revisions ${first}..${last}: they must be whole numbers with 1 <= first <= last`), `${first}..${last}`);
  }
});

t.test('parses the exact pattern', async (t) => {
  t.strictSame(parseSegmentName('etcd-delta-2026-12-01-14.00.00-101-250.jsonl.gz'), {
    name: 'etcd-delta-2026-12-01-14.00.00-101-250.jsonl.gz',
    stamp: STAMP,
    firstRevision: 101,
    lastRevision: 250,
    encrypted: false,
  });
  t.strictSame(parseSegmentName('etcd-delta-2026-12-01-14.00.00-9-9.jsonl.gz.age'), {
    name: 'etcd-delta-2026-12-01-14.00.00-9-9.jsonl.gz.age',
    stamp: STAMP,
    firstRevision: 9,
    lastRevision: 9,
    encrypted: true,
  });
  const name = segmentName(STAMP, 42, 4242, true);
  t.equal(parseSegmentName(name)?.name, name);
});

t.test('refuses every other name', async (t) => {
  for (const other of [
    'etcd-delta-2026-12-01-14.00.00-101-250.jsonl.gz.sha256',
    'etcd-delta-2026-12-01-14.00.00-101-250.jsonl.gz.age.sha256',
    'etcd-delta-2026-12-01-14.00.00-101-250.jsonl',
    'etcd-delta-2026-12-01-14.00.00-101-250.json.gz',
    'etcd-delta-2026-12-01-14.00.00-0101-250.jsonl.gz',
    'etcd-delta-2026-12-01-14.00.00-101-0250.jsonl.gz',
    'etcd-delta-2026-12-01-14.00.00-0-250.jsonl.gz',
    'etcd-delta-2026-12-01-14.00.00-251-250.jsonl.gz',
    'etcd-delta-2026-12-01-14.00.00-1-9007199254740992.jsonl.gz',
    'etcd-delta-2026-12-01-14.00.00--1-250.jsonl.gz',
    'etcd-delta-2026-12-01-14.00.00-101.jsonl.gz',
    'etcd-delta-2026-13-01-14.00.00-101-250.jsonl.gz',
    'etcd-delta-2026-12-01-24.00.00-101-250.jsonl.gz',
    'etcd-delta-2026-12-01-14.00-101-250.jsonl.gz',
    'xetcd-delta-2026-12-01-14.00.00-101-250.jsonl.gz',
    '.etcd-delta-2026-12-01-14.00.00-101-250.jsonl.gz',
    '.etcd-agent-delta-2026-12-01-14.00.00-101.partial-1-2-1',
    'etcd-delta-2026-12-01-14.00.00-101-250.jsonl.gz.age.age',
    'etcd-delta-2026-12-01-14.00.00-1e3-2e3.jsonl.gz',
    'etcd-snapshot-2026-12-01-14.00.00.tar.gz',
  ]) {
    t.equal(parseSegmentName(other), undefined, other);
  }
});

t.test('reads the stamp of an archive name', async (t) => {
  for (const ext of ['tar.gz', 'tar.gz.age', 'tar.zst', 'tar.zst.age', 'tar', 'tar.age']) {
    t.equal(archiveStamp(`etcd-snapshot-2026-12-01-14.00.00.${ext}`), STAMP, ext);
  }
  for (const other of ['etcd-snapshot-2026-12-01-14.00.00.tar.gz.sha256', 'etcd-snapshot-2026-13-01-14.00.00.tar.gz', 'etcd-delta-2026-12-01-14.00.00-1-2.jsonl.gz', 'etcd-snapshot-2026-12-01-14.00.00.tar.bz2']) {
    t.equal(archiveStamp(other), undefined, other);
  }
});
