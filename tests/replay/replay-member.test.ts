import t from 'tap';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Etcd3 } from 'etcd3';
import { loadCharmFiles } from '../../src/charm/charm-files.ts';
import { systemClock } from '../../src/clock/clock.ts';
import { normalizeConfig } from '../../src/config/normalize-config.ts';
import type { DeltaEvent } from '../../src/delta/delta-types.ts';
import { resolveEtcdServer } from '../../src/etcd/etcd-binaries.ts';
import { etcdctlClient } from '../../src/etcd/etcdctl-client.ts';
import { launchThrowawayEtcd } from '../../src/engine/throwaway-etcd.ts';
import { execaRunner } from '../../src/process/execa-runner.ts';
import type { PointTarget } from '../../src/replay/point-target.ts';
import { replayIntoMember } from '../../src/replay/replay-member.ts';
import { startEtcd } from '../support/etcd/server.ts';
import { k8sWriter } from '../support/etcd/k8s-writer.ts';
import { keyspaceAt, leasesAt, revisionOf, watchEvents } from '../support/etcd/keyspace.ts';
import { tempDir } from '../support/files/dirs.ts';
import { CHARM_DIR, configFor } from '../support/juju/charm-run.ts';

// replayIntoMember on its own, with etcd as the oracle: a base db saved mid-run, the watch's events after it, a
// replay to several revisions, each compared key by key with `etcdctl get --rev` of the source.

const source = await startEtcd();
t.teardown(() => source.cleanup());
const work = await tempDir(t, 'replay-member');
const writer = await k8sWriter(source.endpoint, { seed: 7, namespaces: 3 });
t.teardown(() => writer.close());
await writer.run(60);
const base = join(work, 'base.db');
await source.etcdctl(['snapshot', 'save', base]);
const baseRevision = await revisionOf(source.endpoint);
const watch = await watchEvents(source.endpoint, baseRevision + 1);
t.teardown(() => watch.close());
// Writes with the lease granted before the base (it is in the base: kept), then with one granted after (dropped).
await writer.run(20);
const laterLease = await writer.rotateLease();
await writer.run(120);
const doomed = writer.keysIn('ns-1').length;
const wipe = await writer.deleteNamespace('ns-1');
await writer.run(40);
const last = await revisionOf(source.endpoint);
await watch.until(last);

const charm = await loadCharmFiles(CHARM_DIR);
const config = normalizeConfig(configFor(source, { 'snapshot-dir': work, 'etcd-data-dir': source.dataDir }), charm.options);
const PATH = process.env.PATH ?? '';
const client = etcdctlClient(config, execaRunner, PATH);
const binary = resolveEtcdServer(config, PATH);
const deps = { etcd: client, runner: execaRunner, clock: systemClock, progress: async () => undefined };

const replay = async (target: PointTarget, events: readonly DeltaEvent[] = watch.events) => {
  const scratch = await tempDir(t, 'replay-scratch');
  const replayed = await replayIntoMember(deps, {
    binary, db: base, skipHashCheck: false, baseRevision, target, scratch, saveTo: join(scratch, 'replayed.db'), startTimeoutMs: 20_000, requestTimeoutMs: 10_000, replayTimeoutMs: 120_000,
    events: async (push) => {
      for (const event of events) if (!(await push(event))) return;
    },
  });
  const served = await launchThrowawayEtcd(deps, { binary, db: replayed.dbPath, skipHashCheck: false, scratch: join(scratch, 'check'), startTimeoutMs: 20_000 });
  try {
    return { replayed, keys: await keyspaceAt(served.endpoint), revision: await revisionOf(served.endpoint), leases: await leasesAt(served.endpoint) };
  } finally {
    await served.stop();
  }
};

t.test('to several revisions: the keyspace equals etcd\'s own at that revision, key by key', async (t) => {
  t.ok(doomed > 1, `the namespace held ${doomed} keys`);
  for (const rev of [baseRevision + 1, wipe.revision - 1, wipe.revision, Math.floor((wipe.revision + last) / 2), last]) {
    const { replayed, keys, revision } = await replay({ kind: 'revision', revision: rev, given: String(rev), param: 'to-revision' });
    t.equal(revision, rev, `the member is at revision ${rev}`);
    t.equal(replayed.revision, rev);
    t.strictSame(keys, await keyspaceAt(source.endpoint, rev), `keyspace at ${rev}`);
    t.equal(replayed.eventsApplied, watch.events.filter((e) => e.revision <= rev).length);
    t.equal(replayed.revisionsApplied, rev - baseRevision);
  }
});

t.test('the whole namespace delete is one revision of many events, replayed as one txn', async (t) => {
  const atWipe = watch.events.filter((e) => e.revision === wipe.revision);
  t.equal(atWipe.length, doomed);
  t.strictSame(new Set(atWipe.map((e) => e.type)), new Set(['delete']));
  const { keys } = await replay({ kind: 'revision', revision: wipe.revision, given: String(wipe.revision), param: 'to-revision' });
  t.strictSame(keys.filter((k) => k.key.split('/').at(-2) === 'ns-1').map((k) => k.key).filter((k) => !k.startsWith('/registry/events/')), []);
});

t.test('to a time between two events: the last revision at or before it, and its time', async (t) => {
  const revisions = [...new Set(watch.events.map((e) => e.revision))];
  // Two consecutive revisions whose events arrived at different milliseconds.
  const at = revisions.findIndex((r, i) => i > 10 && watch.events.find((e) => e.revision === revisions[i + 1])!.time > watch.events.find((e) => e.revision === r)!.time);
  const before = watch.events.filter((e) => e.revision === revisions[at]).at(-1)!;
  const after = watch.events.find((e) => e.revision === revisions[at + 1])!;
  const between = new Date(Math.floor((Date.parse(before.time) + Date.parse(after.time)) / 2));
  const { replayed, keys, revision } = await replay({ kind: 'time', time: between, given: between.toISOString(), param: 'to-time' });
  const expected = Math.max(...watch.events.filter((e) => Date.parse(e.time) <= between.getTime()).map((e) => e.revision));
  t.equal(revision, expected);
  t.equal(replayed.time, watch.events.filter((e) => e.revision === expected).at(-1)!.time);
  t.strictSame(keys, await keyspaceAt(source.endpoint, expected));
});

t.test('a time before the first event: the base itself, nothing applied', async (t) => {
  const early = new Date(Date.parse(watch.events[0]!.time) - 1);
  const { replayed, revision } = await replay({ kind: 'time', time: early, given: early.toISOString(), param: 'to-time' });
  t.equal(revision, baseRevision);
  t.equal(replayed.eventsApplied, 0);
  t.equal(replayed.time, undefined);
});

t.test('leases: keys put with a lease granted after the base come back without one, and are counted', async (t) => {
  const { replayed, leases } = await replay({ kind: 'revision', revision: last, given: String(last), param: 'to-revision' });
  const dropped = watch.events.filter((e) => e.type === 'put' && e.lease === laterLease).length;
  const kept = watch.events.filter((e) => e.type === 'put' && e.lease !== '0' && e.lease !== laterLease);
  t.ok(dropped > 0 && kept.length > 0, `${dropped} puts with the later lease, ${kept.length} with the earlier one`);
  t.equal(replayed.leasesDropped, dropped);
  const live = await leasesAt(source.endpoint, last);
  for (const [key, lease] of leases) {
    t.equal(lease, live.get(key) === laterLease ? '0' : live.get(key), `${key}: lease ${lease}`);
  }
  t.ok([...leases.values()].some((l) => l !== '0'), 'some keys kept their lease');
});

t.test('a missing revision in the events is refused, naming the hole', async (t) => {
  const hole = baseRevision + 5;
  await t.rejects(replay({ kind: 'revision', revision: last, given: String(last), param: 'to-revision' }, watch.events.filter((e) => e.revision !== hole)), {
    message: `the events jump from revision ${hole - 1} to ${hole + 1}; revisions ${hole} to ${hole} are missing from the segments, so no exact point past ${hole - 1} can be replayed`,
  });
});

t.test('a lease in the base outlives a replay longer than its TTL (kept alive), so no expiry shifts the revisions', async (t) => {
  const client3 = new Etcd3({ hosts: [source.endpoint] });
  t.teardown(() => client3.close());
  const lease = client3.lease(2);
  await lease.put('/registry/masterleases/10.0.0.1').value('{"ip":"10.0.0.1"}');
  const short = join(work, 'short-lease.db');
  await source.etcdctl(['snapshot', 'save', short]);
  const at = await revisionOf(source.endpoint);
  await lease.revoke();
  const put = (revision: number): DeltaEvent => ({ revision, type: 'put', key: Buffer.from(`/registry/pods/ns-0/slow-${revision}`), value: Buffer.from('{}'), lease: '0', createRevision: revision, version: 1, time: new Date().toISOString() });
  const scratch = await tempDir(t, 'replay-slow');
  const replayed = await replayIntoMember(deps, {
    binary, db: short, skipHashCheck: false, baseRevision: at, target: { kind: 'revision', revision: at + 2, given: String(at + 2), param: 'to-revision' },
    scratch, saveTo: join(scratch, 'replayed.db'), startTimeoutMs: 20_000, requestTimeoutMs: 10_000, replayTimeoutMs: 120_000,
    events: async (push) => {
      await push(put(at + 1));
      // Longer than the lease's 2 s TTL.
      await sleep(4_000);
      await push(put(at + 2));
    },
  });
  t.equal(replayed.revision, at + 2, 'exactly the target: the lease never expired');
  t.equal(replayed.eventsApplied, 2);
});
