import t from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import { k8sWriter } from '../support/etcd/k8s-writer.ts';
import { keyspaceAt, revisionOf, type KeyState } from '../support/etcd/keyspace.ts';
import { waitFor } from '../support/juju/agent-process.ts';
import { restoreUnit } from '../support/juju/restore-unit.ts';
import { captureState, spawnCapture, waitCovered } from '../capture/capture-support.ts';

// End to end: the scheduler's capture (etcd-agent schedule) follows a Kubernetes-like writer, then restore to a
// revision and to a time, compared with etcd's own history (get --rev) read before the first restore.

type Results = { restore: Record<string, string> };

const unit = await restoreUnit(t, 10);
const agent = spawnCapture(unit.etcd, unit.snapshotDir);
t.teardown(() => void agent.kill('SIGKILL'));
const started = await waitFor('the capture to start a chain', async () => ((await captureState(unit.snapshotDir))?.base ? captureState(unit.snapshotDir) : undefined), 60_000);
const writer = await k8sWriter(unit.etcd.endpoint, { seed: 23, namespaces: 3 });
t.teardown(() => writer.close());
await writer.run(80);
await sleep(1200);
const keys = writer.keysIn('ns-2').length;
const wipe = await writer.deleteNamespace('ns-2');
await sleep(300);
await writer.run(40);
const last = await revisionOf(unit.etcd.endpoint);
const covered = await waitCovered(unit.snapshotDir, last);
agent.kill('SIGTERM');
await agent;
const mid = Math.floor((wipe.revision + last) / 2);
const oracle = new Map<number, KeyState[]>();
for (const rev of [wipe.revision - 1, mid, last]) oracle.set(rev, await keyspaceAt(unit.etcd.endpoint, rev));

t.test('an idle cluster stays recoverable up to when capture last confirmed nothing newer (coveredAt)', async (t) => {
  const stopped = await captureState(unit.snapshotDir);
  t.ok(stopped && Date.parse(stopped.coveredAt) >= Date.parse(covered.coveredAt), `covered at ${stopped?.coveredAt}`);
  const run = await unit.run('verify-snapshot', { 'to-time': stopped!.coveredAt });
  t.equal(run.status, 'completed', run.message ?? '');
  t.equal((run.results as { verify: Record<string, string> }).verify['to-revision'], String(last), 'every change up to then');
});

t.test('what capture wrote restores to a revision: etcd\'s own keyspace at it, key by key', async (t) => {
  t.equal(covered.base, started?.base);
  t.strictSame(covered.gaps, []);
  for (const rev of [mid, last]) {
    const run = await unit.run('restore', { 'to-revision': rev, target: unit.backupDir, 'skip-backup': true });
    t.equal(run.status, 'completed', run.message ?? '');
    t.equal((run.results as Results).restore['to-revision'], String(rev));
    t.equal((run.results as Results).restore.base, covered.base);
    t.strictSame(await keyspaceAt(unit.etcd.endpoint), oracle.get(rev), `keyspace at ${rev}`);
  }
});

t.test('one second before a namespace was deleted: every key of it is back', async (t) => {
  const before = new Date(Date.parse(wipe.time) - 1000).toISOString();
  const run = await unit.run('restore', { 'to-time': before, target: unit.backupDir, 'skip-backup': true });
  t.equal(run.status, 'completed', run.message ?? '');
  t.equal((run.results as Results).restore['to-revision'], String(wipe.revision - 1));
  const restored = await keyspaceAt(unit.etcd.endpoint);
  t.strictSame(restored, oracle.get(wipe.revision - 1));
  t.ok(keys > 1, `${keys} keys in the namespace`);
  t.equal(restored.filter((k) => k.key.split('/').at(-2) === 'ns-2' && !k.key.startsWith('/registry/events/')).length, keys, 'the namespace\'s objects are back');
});
