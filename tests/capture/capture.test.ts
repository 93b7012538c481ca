import t, { type Test } from 'tap';
import { Etcd3 } from 'etcd3';
import { startEtcd } from '../support/etcd/server.ts';
import { listDir, tempDir } from '../support/files/dirs.ts';
import { join } from 'node:path';
import { applyEvents, captureState, etcdRevision, keyspaceAt, range, readChain, revisionRun, segmentsIn, spawnCapture, waitCovered } from './capture-support.ts';
import { waitFor } from '../support/juju/agent-process.ts';
import { archiveStamp } from '../../src/delta/segment-name.ts';
import { SCHEDULER_NODE_FLAGS } from '../../src/hooks/scheduler-unit.ts';
import { readFile } from 'node:fs/promises';

const etcd = await startEtcd();
t.teardown(() => etcd.cleanup());
const client = new Etcd3({ hosts: etcd.endpoint });
t.teardown(() => client.close());
// A snapshot of an empty store (revision 0) starts no chain: etcd holds a key before any capture starts.
await etcd.put('/registry/namespaces/default', '{}');

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
const checkChain = async (t: Test, dir: string, base: string, to: number): Promise<void> => {
  const stamp = archiveStamp(base)!;
  const { events, manifests, segments } = await readChain(dir, stamp);
  // An empty store's snapshot says revision 0; etcd's first event is at revision 2.
  const baseRevision = Math.max(manifests[0]?.baseRevision ?? 0, 1);
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
  // bin/etcd-agent runs the scheduler's Node with the flags its systemd unit gives it.
  const argv = (await readFile(`/proc/${agent.pid}/cmdline`, 'utf8')).split('\0');
  t.strictSame(argv.slice(1, 1 + SCHEDULER_NODE_FLAGS.length), SCHEDULER_NODE_FLAGS, 'the scheduler\'s node flags');
  await churn('/registry/during', 30);
  const last = await etcdRevision(etcd);
  const covered = await waitCovered(dir, last);
  // With nothing written, etcd's progress answers keep confirming the same revision at later times.
  const idleFrom = new Date().toISOString();
  const idle = await waitFor('an idle confirmation', async () => {
    const c = await captureState(dir);
    return c && c.coveredAt > idleFrom ? c : undefined;
  });
  t.equal(idle.coveredRevision, last, 'an idle cluster stays covered at its revision, as of later times');
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
  await waitCovered(dir, last);
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
  // The scheduler may take one more snapshot after the last write (every 3 s): with nothing after it, that chain has
  // no segment yet, and the status names it all the same. So the stopped status names the newest archive there is.
  const archives = (await listDir(dir)).filter((name) => archiveStamp(name) !== undefined).sort();
  t.equal((await captureState(dir))?.base, archives.at(-1), 'the status names the newest chain');
});

// Writes until stop() and returns how many rounds ran.
const background = (prefix: string) => {
  let writing = true;
  let rounds = 0;
  const done = (async () => {
    for (; writing; rounds++) await churn(`${prefix}/${rounds}`, 2).catch(() => new Promise((r) => setTimeout(r, 100)));
  })();
  return {
    stop: async () => {
      writing = false;
      await done;
      return rounds;
    },
  };
};

t.test('the scheduler killed (SIGKILL) mid-capture and started again: no gap, no duplicate', async (t) => {
  const dir = await tempDir(t, 'capture-kill');
  const first = spawnCapture(etcd, dir);
  t.teardown(() => void first.kill('SIGKILL'));
  const started = await waitFor('a chain', async () => ((await captureState(dir))?.base ? captureState(dir) : undefined));
  const writer = background('/registry/kill');
  await waitFor('a few closed segments', async () => ((await segmentsIn(dir)).length >= 3 ? true : undefined)).catch(async (e) => {
    first.kill('SIGTERM');
    console.error(String((await first).all), await captureState(dir));
    throw e;
  });
  await waitFor('an open segment', async () => ((await listDir(dir)).some((n) => n.startsWith('.etcd-agent-delta-')) ? true : undefined));
  first.kill('SIGKILL');
  await first;
  // What the dead run left: its open segment, unless it closed that in the last instant.
  const left = (await listDir(dir)).filter((n) => n.startsWith('.etcd-agent-delta-'));
  // The next run resumes after the last segment closed on disk: one may have closed in the instant before the kill,
  // after the state file last said how far it covered.
  const killedAt = Math.max((await captureState(dir))!.coveredRevision, ...(await segmentsIn(dir)).map((s) => s.lastRevision));
  const second = spawnCapture(etcd, dir);
  t.teardown(() => void second.kill('SIGKILL'));
  await waitFor('the capture to move past the kill', async () => ((await captureState(dir))!.coveredRevision > killedAt + 20 ? true : undefined));
  await writer.stop();
  const last = await etcdRevision(etcd);
  const covered = await waitCovered(dir, last);
  second.kill('SIGTERM');
  const result = await second;
  t.equal(result.exitCode, 0, result.all);
  t.equal(covered.base, started!.base, 'the same chain goes on');
  t.strictSame(covered.gaps, []);
  await checkChain(t, dir, covered.base, last);
  t.match(result.all, new RegExp(`from ${covered.base.replace(/\./g, '\\.')} at revision ${killedAt + 1}\\b`), 'resumed after the last closed segment');
  for (const name of left) t.match(result.all, `removed ${join(dir, name)}, left by a run that died`, 'the dead run\'s open segment was removed');
  t.strictSame((await listDir(dir)).filter((n) => left.includes(n)), [], 'nothing of the dead run is left');
});

t.test('etcd restarted mid-capture: the watch reconnects and resumes with no gap', async (t) => {
  const own = await startEtcd();
  t.teardown(() => own.cleanup());
  await own.put('/registry/namespaces/default', '{}');
  const dir = await tempDir(t, 'capture-etcd-restart');
  const agent = spawnCapture(own, dir);
  t.teardown(() => void agent.kill('SIGKILL'));
  await waitFor('a chain', async () => ((await captureState(dir))?.base ? true : undefined));
  for (let i = 0; i < 20; i++) await own.put(`/registry/restart/before/${i}`, `v${i}`);
  await waitCovered(dir, await etcdRevision(own));
  await own.stop();
  await new Promise((r) => setTimeout(r, 3_000));
  await own.start();
  for (let i = 0; i < 20; i++) await own.put(`/registry/restart/after/${i}`, `v${i}`);
  const last = await etcdRevision(own);
  const covered = await waitCovered(dir, last);
  agent.kill('SIGTERM');
  const result = await agent;
  t.equal(result.exitCode, 0, result.all);
  const { events, manifests } = await readChain(dir, archiveStamp(covered.base)!);
  t.strictSame(revisionRun(events), range(manifests[0]!.baseRevision + 1, last), 'every revision once across the restart');
  const lines = String(result.all).split('\n');
  t.equal(lines.filter((l) => l.includes('capture: the watch on')).length, 1, 'one line for the outage, not one per retry');
  t.equal(lines.filter((l) => /capture: the watch resumed at revision \d+ after \d+s/.test(l)).length, 1);
});
