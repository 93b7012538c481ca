import t from 'tap';
import { createReadStream } from 'node:fs';
import { pruneSnapshots } from '../../src/engine/prune-snapshots.ts';
import { s3Store } from '../../src/store/s3-store.ts';
import { unitPrefix } from '../../src/store/stores.ts';
import { startS3 } from '../support/s3/server.ts';
import { tempDir } from '../support/files/dirs.ts';
import { fakeManifest, makeArchive } from './archive-fixture.ts';

const s3 = await startS3({ bucket: 'retention' });
t.teardown(() => s3.stop());

const storeFor = (unit: string) =>
  s3Store({
    endpoint: s3.endpoint,
    bucket: 'retention',
    region: 'us-east-1',
    prefix: unitPrefix('etcd-snapshots', unit),
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    retries: 0,
  });

t.test('remote retention keeps K of this unit\'s scheduled objects and never touches another unit\'s', async (t) => {
  const dir = await tempDir(t, 'remote-retention');
  const mine = storeFor('etcd/0');
  const theirs = storeFor('etcd/1');
  t.equal(mine.location, 's3://retention/etcd-snapshots/etcd/etcd-0');
  const upload = async (store: typeof mine, hour: number, trigger: 'manual' | 'scheduled') => {
    const name = `etcd-snapshot-2026-11-2${hour}-0${hour}.00.00.tar.gz`;
    const archive = await makeArchive(dir, `${store === mine ? 'a' : 'b'}-${name}`, { manifest: fakeManifest({ trigger }) });
    await store.save(name, createReadStream(archive.path), { sha256: archive.sha256 });
    return name;
  };
  const scheduled = [await upload(mine, 1, 'scheduled'), await upload(mine, 2, 'scheduled'), await upload(mine, 3, 'scheduled')];
  const manual = await upload(mine, 4, 'manual');
  const foreign = [await upload(theirs, 1, 'scheduled'), await upload(theirs, 2, 'scheduled')];

  const outcome = await pruneSnapshots(mine, 1);
  t.same(outcome.removed.map((s) => s.name).sort(), scheduled.slice(0, 2).sort(), 'the two older scheduled objects go');
  t.same((await mine.list()).map((s) => s.name).sort(), [scheduled[2], manual].sort(), 'the newest scheduled and the manual one stay');
  t.same((await theirs.list()).map((s) => s.name).sort(), foreign.sort(), "another unit's objects are untouched");
});
