import t from 'tap';
import { Etcd3 } from 'etcd3';
import { startEtcd } from '../support/etcd/server.ts';
import { tempDir } from '../support/files/dirs.ts';
import { applyEvents, captureState, etcdRevision, keyspaceAt, range, readChain, revisionRun, segmentsIn, spawnCapture, waitCovered } from './capture-support.ts';
import { waitFor } from '../support/juju/agent-process.ts';
import { archiveStamp } from '../../src/delta/segment-name.ts';

const etcd = await startEtcd();
t.teardown(() => etcd.cleanup());
const client = new Etcd3({ hosts: etcd.endpoint });
t.teardown(() => client.close());

// Kubernetes-like changes: creates, updates, deletes, keys under a lease, and multi-key transactions (several events
// in one revision).
const churn = async (prefix: string, rounds: number): Promise<void> => {
  const lease = client.lease(600, { autoKeepAlive: false });
  for (let i = 0; i < rounds; i++) {
    await client.put(`${prefix}/pods/p${i}`).value(`{"spec":${i}}`);
    await client.put(`${prefix}/pods/p${i}`).value(`{"spec":${i},"status":"Running"}`);
    if (i % 3 === 0) await lease.put(`${prefix}/leases/l${i}`).value(`holder-${i}`);
    if (i % 4 === 1) await client.delete().key(`${prefix}/pods/p${i - 1}`);
    if (i % 5 === 2) await client.stm().transact(async (tx) => {
      tx.put(`${prefix}/a/${i}`).value('a');
      tx.put(`${prefix}/b/${i}`).value(Buffer.from([0, 255, 1]));
    });
  }
};

// Checks one chain: every revision from its base + 1 to `to` is in its segments once, in order, and the base's
// keyspace with the events applied is etcd's keyspace at `to`, key by key.
const checkChain = async (t: Tap.Test, dir: string, base: string, to: number): Promise<void> => {
  const stamp = archiveStamp(base)!;
  const { events, manifests, segments } = await readChain(dir, stamp);
  const baseRevision = manifests[0]?.baseRevision ?? 0;
  const upTo = events.filter((e) => e.revision <= to);
  t.strictSame(revisionRun(upTo), range(baseRevision + 1, to), `revisions ${baseRevision + 1}..${to} each once, in order`);
  for (let i = 1; i < segments.length; i++) t.equal(segments[i]!.firstRevision, segments[i - 1]!.lastRevision + 1, `${segments[i]!.name} follows on`);
  t.strictSame(applyEvents(await keyspaceAt(etcd, baseRevision), upTo), await keyspaceAt(etcd, to), 'the base plus the events is etcd\'s keyspace');
};

t.test('every revision from the base on is captured once, contiguous, with keys, values, leases as etcd has them', async (t) => {
  const dir = await tempDir(t, 'capture');
  await churn('/registry/before', 5);
  const agent = spawnCapture(etcd, dir);
  t.teardown(() => void agent.kill('SIGKILL'));
  const started = await waitFor('the capture to start a chain', async () => ((await captureState(dir))?.base ? captureState(dir) : undefined));
  await churn('/registry/during', 30);
  const last = await etcdRevision(etcd);
  const covered = await waitCovered(dir, last);
  agent.kill('SIGTERM');
  const result = await agent;
  t.equal(result.exitCode, 0, result.all);
  t.equal(covered.state, 'running');
  t.strictSame(covered.gaps, []);
  await checkChain(t, dir, covered.base, last);
  const stopped = await captureState(dir);
  t.equal(stopped?.state, 'stopped');
  t.equal(stopped?.base, started?.base);
  t.ok((await segmentsIn(dir)).length > 0, 'segments were written');
});

t.test('a full snapshot the scheduler takes starts a new chain at exactly its revision + 1; the old chain reaches it', async (t) => {
  const dir = await tempDir(t, 'capture-chains');
  const agent = spawnCapture(etcd, dir, ['--snapshot-schedule', '*/3 * * * * *']);
  t.teardown(() => void agent.kill('SIGKILL'));
  let writing = true;
  const writer = (async () => {
    for (let i = 0; writing; i++) await churn(`/registry/chains/${i}`, 3);
  })();
  const bases = await waitFor('three chains', async () => {
    const names = [...new Set((await segmentsIn(dir)).map((s) => s.stamp))];
    return names.length >= 3 ? names : undefined;
  });
  writing = false;
  await writer;
  const last = await etcdRevision(etcd);
  const covered = await waitCovered(dir, last);
  agent.kill('SIGTERM');
  t.equal((await agent).exitCode, 0);
  const stamps = [...new Set((await segmentsIn(dir)).map((s) => s.stamp))];
  t.ok(stamps.length >= bases.length);
  const chains = await Promise.all(stamps.map((stamp) => readChain(dir, stamp)));
  for (let i = 0; i < chains.length; i++) {
    const { manifests, segments, events } = chains[i]!;
    const base = manifests[0]!;
    t.equal(segments[0]!.firstRevision, base.baseRevision + 1, `chain ${base.base} starts at its revision + 1`);
    const to = i === chains.length - 1 ? last : segments.at(-1)!.lastRevision;
    t.strictSame(revisionRun(events.filter((e) => e.revision <= to)), range(base.baseRevision + 1, to), `chain ${base.base}: every revision once`);
    const next = chains[i + 1]?.manifests[0];
    if (next) t.ok(segments.at(-1)!.lastRevision >= next.baseRevision, `chain ${base.base} reaches the next base's revision ${next.baseRevision}`);
  }
  t.equal(covered.base, chains.at(-1)!.manifests[0]!.base, 'the status names the newest chain');
});
