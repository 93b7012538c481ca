// One unit with history to restore into: a real etcd under the systemctl stand-in, a Kubernetes-like writer run
// around a base snapshot taken by the snapshot action, the watch's events after it written as delta segments with
// the agent's segment writer, and etcd's own keyspace at chosen revisions (the oracle), read before any restore.
import type { Test } from 'tap';
import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readManifest } from '../../src/archive/read-manifest.ts';
import type { ChainBase, DeltaEvent } from '../../src/delta/delta-types.ts';
import { archiveStamp } from '../../src/delta/segment-name.ts';
import type { ClosedSegment } from '../../src/delta/segment-writer.ts';
import { k8sWriter } from '../support/etcd/k8s-writer.ts';
import { keyspaceAt, revisionOf, watchEvents, type KeyState } from '../support/etcd/keyspace.ts';
import { writeSegments } from '../support/etcd/write-segments.ts';
import { restoreUnit, snapshotPath, type RestoreUnit } from '../support/juju/restore-unit.ts';

// The history of a point fixture.
export interface PointFixture {
  unit: RestoreUnit;
  base: ChainBase;
  basePath: string;
  events: DeltaEvent[];
  segments: ClosedSegment[];
  // The revision of the one-txn delete of namespace ns-1, and how many keys it deleted.
  wipe: { revision: number; keys: number; time: string };
  last: number;
  // The lease granted after the base: keys put with it come back without one.
  laterLease: string;
  // One second before the delete's events arrived, and the last revision at or before then (as the events' times say:
  // under load the writes before the delete may arrive later than they were made).
  oneSecondBefore: { time: string; revision: number };
  // Two consecutive revisions whose events arrived at different milliseconds, and a time between them.
  between: { time: string; before: number; after: number };
  // etcd's own keyspace at each revision of `revisions` (and between.before), read before anything was restored.
  oracle: Map<number, KeyState[]>;
}

// The revision an event list's events of rev were last received at.
const timeOf = (events: readonly DeltaEvent[], rev: number): string => events.filter((e) => e.revision === rev).at(-1)!.time;

// Builds the fixture: ~steps writes before the base, then steps more (with a namespace deleted in the middle), in
// segments of perSegment events; base and segments encrypted to recipients when given.
export const pointFixture = async (
  t: Test,
  options: { steps?: number; perSegment?: number; revisions?: (f: Omit<PointFixture, 'oracle' | 'unit'>) => number[]; recipients?: string[] } = {},
): Promise<PointFixture> => {
  const steps = options.steps ?? 120;
  const unit = await restoreUnit(t, 10);
  const writer = await k8sWriter(unit.etcd.endpoint, { seed: 11, namespaces: 3 });
  t.teardown(() => writer.close());
  await writer.run(Math.floor(steps / 3));
  const recipients = options.recipients ?? [];
  const snap = await unit.run('snapshot', { target: unit.snapshotDir }, recipients.length ? { config: { ...unit.config, 'encryption-recipients': recipients.join(',') } } : {});
  if (snap.status !== 'completed') throw new Error(`snapshot failed: ${snap.message ?? ''}`);
  const basePath = snapshotPath(snap);
  const manifest = (await readManifest(basePath))!;
  const name = basename(basePath);
  const base: ChainBase = { name, stamp: archiveStamp(name)!, revision: manifest.revision, created: manifest.created, clusterId: manifest.clusterId };
  const watch = await watchEvents(unit.etcd.endpoint, base.revision + 1);
  await writer.run(10);
  const laterLease = await writer.rotateLease();
  await writer.run(Math.floor(steps / 2));
  // Over a second after the writes before it (the worked example restores to one second before it).
  await sleep(1200);
  const keys = writer.keysIn('ns-1').length;
  const wiped = await writer.deleteNamespace('ns-1');
  await sleep(50);
  await writer.run(Math.floor(steps / 2));
  const last = await revisionOf(unit.etcd.endpoint);
  await watch.until(last);
  await watch.close();
  const events = [...watch.events];
  const segments = await writeSegments(unit.snapshotDir, base, events, options.perSegment ?? 60, recipients);
  const revisions = [...new Set(events.map((e) => e.revision))];
  const at = revisions.findIndex((r, i) => i > 5 && revisions[i + 1] !== undefined && timeOf(events, revisions[i + 1]!) > timeOf(events, r));
  const before = revisions[at]!;
  const after = revisions[at + 1]!;
  const mid = new Date(Math.floor((Date.parse(timeOf(events, before)) + Date.parse(events.find((e) => e.revision === after)!.time)) / 2)).toISOString();
  const early = new Date(Date.parse(timeOf(events, wiped.revision)) - 1000).toISOString();
  const oneSecondBefore = { time: early, revision: Math.max(base.revision, ...events.filter((e) => e.time <= early).map((e) => e.revision)) };
  const partial = { base, basePath, events, segments, laterLease, oneSecondBefore, wipe: { revision: wiped.revision, keys, time: timeOf(events, wiped.revision) }, last, between: { time: mid, before, after } };
  const oracle = new Map<number, KeyState[]>();
  for (const rev of new Set([...(options.revisions?.(partial) ?? []), before, base.revision, oneSecondBefore.revision, wiped.revision - 1, wiped.revision, last])) {
    oracle.set(rev, await keyspaceAt(unit.etcd.endpoint, rev));
  }
  return { unit, ...partial, oracle };
};
