import t from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import { k8sWriter } from '../support/etcd/k8s-writer.ts';
import { keyspaceAt, revisionOf, type KeyState } from '../support/etcd/keyspace.ts';
import { waitFor } from '../support/juju/agent-process.ts';
import { restoreUnit } from '../support/juju/restore-unit.ts';
import { captureState, readChain, spawnCapture, waitCovered } from '../capture/capture-support.ts';
import { archiveStamp } from '../../src/delta/segment-name.ts';

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
// One second before the delete as capture timed it (when it received the events), and the revision of then.
const { events } = await readChain(unit.snapshotDir, archiveStamp(covered.base)!);
const wipedAt = events.find((e) => e.revision === wipe.revision)!.time;
const before = new Date(Date.parse(wipedAt) - 1000).toISOString();
const beforeRevision = Math.max(...events.filter((e) => e.time <= before).map((e) => e.revision));
const oracle = new Map<number, KeyState[]>();
for (const rev of [beforeRevision, mid, last]) oracle.set(rev, await keyspaceAt(unit.etcd.endpoint, rev));

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

t.test('one second before a namespace was deleted: the keyspace of then, the namespace in it', async (t) => {
  t.ok(beforeRevision < wipe.revision, `revision ${beforeRevision}, before the delete at ${wipe.revision}`);
  const run = await unit.run('restore', { 'to-time': before, target: unit.backupDir, 'skip-backup': true });
  t.equal(run.status, 'completed', run.message ?? '');
  t.equal((run.results as Results).restore['to-revision'], String(beforeRevision));
  const restored = await keyspaceAt(unit.etcd.endpoint);
  t.strictSame(restored, oracle.get(beforeRevision));
  t.ok(keys > 1, `${keys} keys in the namespace at the delete`);
  t.ok(restored.some((k) => k.key.split('/').at(-2) === 'ns-2' && !k.key.startsWith('/registry/events/')), 'the namespace\'s objects are back');
});
