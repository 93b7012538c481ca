import t from 'tap';
import { Readable } from 'node:stream';
import { makeStores } from '../../src/cli/make-stores.ts';
import type { AgentConfig, S3Config } from '../../src/config/agent-config.ts';
import { startS3 } from '../support/s3/server.ts';
import { tempDir } from '../support/files/dirs.ts';
import { sha256Of } from '../store/delta-store-contract.ts';

const noSecrets = { secretGet: () => Promise.reject(new Error('no secrets here')) };
// makeStores reads only the s3 part of the config.
const configWith = (s3: S3Config | undefined): AgentConfig => ({ s3 }) as AgentConfig;

t.test('without s3-bucket there are local delta stores and no remote one', async (t) => {
  const stores = makeStores(configWith(undefined), noSecrets, 'etcd/0');
  const dir = await tempDir(t, 'make-stores');
  const local = stores.localDeltas(dir);
  t.equal(local.dir, dir);
  t.equal(local.location, 'local');
  t.strictSame(await local.listSegments(), []);
  t.equal(await stores.remoteDeltas(), undefined);
  t.equal(await stores.remote(), undefined);
});

t.test('with s3-bucket the delta store sits beside the archives, made once', async (t) => {
  const s3 = await startS3({ bucket: 'b' });
  t.teardown(() => s3.stop());
  const config = configWith({
    endpoint: s3.endpoint,
    bucket: 'b',
    region: 'us-east-1',
    prefix: 'etcd-snapshots',
    forcePathStyle: true,
    accessKey: s3.accessKeyId,
    secretKey: s3.secretAccessKey,
    credentialsSecret: '',
    ca: '',
    retries: 1,
    allowUnencrypted: true,
    allowHttp: false,
  });
  const stores = makeStores(config, noSecrets, 'etcd/3');
  const deltas = await stores.remoteDeltas();
  const archives = await stores.remote();
  t.equal(deltas?.location, 's3://b/etcd-snapshots/etcd/etcd-3');
  t.equal(archives?.location, deltas?.location);
  t.equal(stores.remoteDeltas(), stores.remoteDeltas());
  const bytes = Buffer.from('segment bytes');
  const name = 'etcd-delta-2026-12-01-14.00.00-101-102.jsonl.gz';
  await deltas?.saveSegment(name, Readable.from([bytes]), { sha256: sha256Of(bytes) });
  t.strictSame((await deltas?.listSegments())?.map((s) => s.name), [name]);
  t.strictSame(await archives?.list(), []);
  t.strictSame((await s3.keys()).sort(), [`etcd-snapshots/etcd/etcd-3/${name}`, `etcd-snapshots/etcd/etcd-3/${name}.sha256`]);
});

t.test('the archive store is named before S3 is asked anything; a credentials secret that cannot be read fails remote() itself', async (t) => {
  const down = {
    endpoint: 'http://127.0.0.1:9',
    bucket: 'b',
    region: 'us-east-1',
    prefix: 'etcd-snapshots',
    forcePathStyle: true,
    accessKey: 'AKIAEXAMPLE',
    secretKey: 'not-a-real-secret',
    credentialsSecret: '',
    ca: '',
    retries: 0,
    allowUnencrypted: true,
    allowHttp: false,
  };
  const archives = await makeStores(configWith(down), noSecrets, 'etcd/3').remote();
  t.equal(archives?.location, 's3://b/etcd-snapshots/etcd/etcd-3');
  await t.rejects(async () => {
    await archives?.list();
  }, {
    message: 'listing snapshots in store s3://b/etcd-snapshots/etcd/etcd-3 failed: S3 at http://127.0.0.1:9 did not answer (ECONNREFUSED)',
  });
  await t.rejects(makeStores(configWith({ ...down, credentialsSecret: 'secret:d4k2' }), noSecrets, 'etcd/3').remote(), new Error('no secrets here'));
  // The scheduler makes its stores once: a secret not readable at first is read again on the next use.
  let reads = 0;
  const later = { secretGet: async () => (++reads === 1 ? Promise.reject(new Error('secret not granted yet')) : { 'access-key': 'AKIAEXAMPLE', 'secret-key': 'x' }) };
  const stores = makeStores(configWith({ ...down, credentialsSecret: 'secret:d4k2' }), later, 'etcd/3');
  await t.rejects(stores.remote(), new Error('secret not granted yet'));
  t.equal((await stores.remote())?.location, 's3://b/etcd-snapshots/etcd/etcd-3');
  t.equal(reads, 2);
});
