import t from 'tap';
import { Readable } from 'node:stream';
import { SegmentUploader, type UploadReport } from '../../src/capture/segment-uploader.ts';
import { createLogger } from '../../src/log/logger.ts';
import type { DeltaUploadStore, StoredSegment } from '../../src/store/delta-store.ts';

// The uploader's reports: a queued segment counts as pending at once (before its upload has even started), so a
// status written after it never says nothing waits; a failure keeps it queued for the next kick.

const NAME = 'etcd-delta-2026-12-01-14.00.00-101-102.jsonl.gz';
const SHA = 'a'.repeat(64);

// A store whose saves wait until released, failing the first `failures` times.
const gatedStore = (failures: number) => {
  let release: (() => void) | undefined;
  let left = failures;
  const saved: string[] = [];
  const store = {
    location: 's3://bucket/prefix',
    async saveSegment(name: string, source: Readable) {
      source.destroy();
      await new Promise<void>((resolve) => (release = resolve));
      if (left-- > 0) throw new Error('S3 is down');
      saved.push(name);
      return { name } as unknown as StoredSegment;
    },
  } as unknown as DeltaUploadStore;
  return { store, saved, release: () => release?.() };
};

// An uploader over gatedStore(failures), with every report and log line it makes.
const uploaderOver = (failures: number) => {
  const gated = gatedStore(failures);
  const reports: UploadReport[] = [];
  const lines: string[] = [];
  const uploader = new SegmentUploader(gated.store, createLogger(async (_l, m) => void lines.push(m)), 'every 1s', (r) => reports.push({ ...r }), new AbortController().signal);
  return { ...gated, uploader, reports, lines };
};

t.test('a queued segment is reported pending before its upload starts; done, it is reported uploaded', async (t) => {
  const { uploader, reports, lines, saved, release } = uploaderOver(0);
  uploader.add({ name: NAME, path: '/dev/null', sha256: SHA });
  t.strictSame(reports, [{ uploaded: 0, failures: 0, pending: 1 }], 'pending at once');
  uploader.add({ name: NAME, path: '/dev/null', sha256: SHA });
  t.strictSame(reports.length, 1, 'the same segment is queued once');
  await new Promise((r) => setImmediate(r));
  release();
  await uploader.kick();
  t.strictSame(reports.at(-1), { uploaded: 1, failures: 0, pending: 0 });
  t.strictSame(saved, [NAME]);
  t.strictSame(lines, []);
});

t.test('a failed upload stays queued and is counted; the next kick uploads it', async (t) => {
  const { uploader, reports, lines, saved, release } = uploaderOver(1);
  uploader.add({ name: NAME, path: '/dev/null', sha256: SHA });
  await new Promise((r) => setImmediate(r));
  release();
  await uploader.kick();
  t.strictSame(reports.at(-1), { uploaded: 0, failures: 1, pending: 1 });
  t.strictSame(lines, [`capture: upload of ${NAME} to s3://bucket/prefix failed (S3 is down); 1 segment(s) waiting, retried every 1s`]);
  const again = uploader.kick();
  await new Promise((r) => setImmediate(r));
  release();
  await again;
  t.strictSame(reports.at(-1), { uploaded: 1, failures: 1, pending: 0 });
  t.strictSame(saved, [NAME]);
});
