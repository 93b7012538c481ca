import t, { type Test } from 'tap';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { startEtcd } from '../support/etcd/server.ts';
import { startS3 } from '../support/s3/server.ts';
import { tempDir } from '../support/files/dirs.ts';
import { waitFor } from '../support/juju/agent-process.ts';
import { loadCharmFiles } from '../../src/charm/charm-files.ts';
import { makeStores } from '../../src/cli/make-stores.ts';
import { normalizeConfig } from '../../src/config/normalize-config.ts';
import { captureState, etcdRevision, segmentsIn, spawnCapture, waitChain, waitCovered } from './capture-support.ts';

const etcd = await startEtcd();
t.teardown(() => etcd.cleanup());
await etcd.put('/registry/namespaces/default', '{}');
const s3 = await startS3({ bucket: 'etcd-backups' });
t.teardown(() => s3.stop());
// The CLI names the unit after the host.
const UNIT = hostname();
const s3Flags = ['--s3-endpoint', s3.endpoint, '--s3-bucket', 'etcd-backups', '--s3-force-path-style', '--s3-access-key', s3.accessKeyId, '--s3-secret-key', s3.secretAccessKey, '--s3-retries', '0', '--s3-allow-unencrypted'];

// The bucket's segments, read back through the agent's own S3 delta store, as name -> SHA-256 of the bytes; each
// listed sidecar is checked against the bytes (t given: asserted once, not on every poll).
const remoteSegments = async (t?: Test): Promise<Map<string, string>> => {
  const { options } = await loadCharmFiles();
  const config = normalizeConfig({ 's3-endpoint': s3.endpoint, 's3-bucket': 'etcd-backups', 's3-force-path-style': true, 's3-access-key': s3.accessKeyId, 's3-secret-key': s3.secretAccessKey, 's3-allow-unencrypted': true }, options);
  const remote = (await makeStores(config, { secretGet: async () => ({}) }, UNIT).remoteDeltas())!;
  const found = new Map<string, string>();
  for (const segment of await remote.listSegments()) {
    const hash = createHash('sha256');
    for await (const chunk of await remote.fetchSegment(segment.name)) hash.update(chunk as Buffer);
    found.set(segment.name, hash.digest('hex'));
    if (t) t.equal(segment.sha256, found.get(segment.name), `${segment.name}: its sidecar in the bucket matches its bytes`);
    else if (segment.sha256 !== found.get(segment.name)) throw new Error(`${segment.name}: sidecar ${segment.sha256} is not its bytes' ${found.get(segment.name)}`);
  }
  return found;
};

// The snapshot dir's segments as name -> SHA-256 of the file.
const localSegments = async (dir: string): Promise<Map<string, string>> =>
  new Map(await Promise.all((await segmentsIn(dir)).map(async (s) => [s.name, createHash('sha256').update(await readFile(join(dir, s.name))).digest('hex')] as [string, string])));

t.test('closed segments are uploaded to S3 with their sidecars; while S3 is down they wait, are retried, and the capture goes on', async (t) => {
  const dir = await tempDir(t, 'capture-s3');
  const agent = spawnCapture(etcd, dir, s3Flags);
  t.teardown(() => void agent.kill('SIGKILL'));
  await waitChain(agent, dir);
  for (let i = 0; i < 20; i++) await etcd.put(`/registry/s3/up/${i}`, `v${i}`);
  await waitCovered(dir, await etcdRevision(etcd));
  await waitFor('the first segments uploaded', async () => ((await captureState(dir))?.uploads?.uploaded ?? 0) >= 1 ? true : undefined);

  await s3.kill();
  for (let i = 0; i < 20; i++) await etcd.put(`/registry/s3/down/${i}`, `v${i}`);
  const whileDown = await etcdRevision(etcd);
  await waitCovered(dir, whileDown);
  const failing = await waitFor('a failed upload counted', async () => {
    const c = await captureState(dir);
    return (c?.uploads?.failures ?? 0) >= 1 && (c?.uploads?.pending ?? 0) >= 1 ? c : undefined;
  });
  t.equal(failing.state, 'running', 'the capture goes on while S3 is down');
  await s3.start();
  for (let i = 0; i < 5; i++) await etcd.put(`/registry/s3/back/${i}`, `v${i}`);
  const last = await etcdRevision(etcd);
  await waitCovered(dir, last);
  await waitFor('every segment uploaded', async () => ((await captureState(dir))?.uploads?.pending === 0 ? true : undefined));
  agent.kill('SIGTERM');
  const result = await agent;
  t.equal(result.exitCode, 0, result.all);
  const local = await localSegments(dir);
  t.strictSame(await remoteSegments(t), local, 'the bucket holds every closed segment, byte for byte');
  const failures = String(result.all).split('\n').filter((l) => l.includes('capture: upload of'));
  t.ok(failures.length >= 1, 'a failed upload is logged');
  t.equal(failures.every((l) => /^warning: capture: upload of etcd-delta-\S+ to s3:\/\/etcd-backups\/\S+ failed \(.+\); \d+ segment\(s\) waiting, retried every 1s$/.test(l)), true, failures.join('\n'));
  t.equal(String(result.all).includes(s3.secretAccessKey + ' '), false);
});

t.test('segments closed while an earlier run could not upload them are uploaded by the next run', async (t) => {
  const dir = await tempDir(t, 'capture-s3-resume');
  await s3.kill();
  const first = spawnCapture(etcd, dir, s3Flags);
  t.teardown(() => void first.kill('SIGKILL'));
  await waitChain(first, dir);
  for (let i = 0; i < 10; i++) await etcd.put(`/registry/s3/later/${i}`, `v${i}`);
  await waitCovered(dir, await etcdRevision(etcd));
  first.kill('SIGTERM');
  await first;
  await s3.start();
  const pending = await localSegments(dir);
  t.ok(pending.size >= 1);
  const second = spawnCapture(etcd, dir, s3Flags);
  t.teardown(() => void second.kill('SIGKILL'));
  await waitFor('the earlier segments uploaded', async () => {
    const remote = await remoteSegments();
    return [...pending.keys()].every((name) => remote.get(name) === pending.get(name)) ? true : undefined;
  });
  const remote = await remoteSegments(t);
  t.strictSame(new Map([...pending.keys()].map((name) => [name, remote.get(name)])), pending, 'each earlier segment is in the bucket, byte for byte');
  second.kill('SIGTERM');
  t.equal((await second).exitCode, 0);
});
