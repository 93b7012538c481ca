import t from 'tap';
import { AgentError } from '../../src/errors/agent-error.ts';
import { lazyUploadStore } from '../../src/store/lazy-store.ts';
import { localStore } from '../../src/store/local-store.ts';
import type { UploadStore } from '../../src/store/snapshot-store.ts';
import { tempDir } from '../support/files/dirs.ts';

t.test('the store is made on its first call, once; a failure to make it is tried again on the next call', async (t) => {
  const dir = await tempDir(t, 'lazy-store');
  const made: string[] = [];
  const real = localStore(dir) as unknown as UploadStore;
  let fail = true;
  const store = lazyUploadStore('s3://b/p', async () => {
    made.push(fail ? 'failed' : 'made');
    if (fail) throw new AgentError('cannot read the CA file /nowhere/ca.pem (s3-ca)');
    return real;
  });
  t.equal(store.location, 's3://b/p');
  t.strictSame(made, [], 'naming the store made nothing');
  await t.rejects(store.list(), new AgentError('cannot read the CA file /nowhere/ca.pem (s3-ca)'));
  fail = false;
  t.strictSame(await store.list(), []);
  t.strictSame(await store.list(), []);
  t.strictSame(made, ['failed', 'made'], 'made again after the failure, then kept');
});
