import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DeltaEvent, SegmentManifest, SegmentName } from '../../src/delta/delta-types.ts';
import { parseSegmentName } from '../../src/delta/segment-name.ts';
import { readSegment } from '../../src/delta/segment-reader.ts';
import type { EtcdServer } from '../support/etcd/server.ts';
import { readState, spawnAgent, waitFor } from '../support/juju/agent-process.ts';

// A scheduler that only captures: its cron schedule is far away (1 January), so every full snapshot it takes is one
// the capture asked for (or a test's).
export const captureFlags = (etcd: EtcdServer, dir: string, extra: string[] = []): string[] => [
  'schedule',
  '--etcd-endpoints', etcd.endpoint,
  '--etcdctl-path', '/usr/bin/etcdctl',
  '--snapshot-dir', dir,
  // The unit lock is keyed by the data dir: etcd's own, so no other test's run (default data dir) holds it.
  '--etcd-data-dir', etcd.dataDir,
  '--metrics-address', '',
  '--snapshot-schedule', '0 0 1 1 *',
  '--delta-interval', '1',
  ...extra,
];

// Starts `etcd-agent schedule` as a real child process.
export const spawnCapture = (etcd: EtcdServer, dir: string, extra: string[] = [], env: Record<string, string> = {}) => spawnAgent(captureFlags(etcd, dir, extra), env);

// The capture status the state file holds.
export interface CaptureState {
  state: string;
  base: string;
  coveredRevision: number;
  coveredAt: string;
  gaps: { time: string; fromRevision: number; toRevision: number; reason: string }[];
  intervalSeconds: number;
  error?: string;
  uploads?: { uploaded: number; failures: number; pending: number };
}

// The capture status in dir's state file, or undefined.
export const captureState = async (dir: string): Promise<CaptureState | undefined> => (await readState(dir))?.capture as CaptureState | undefined;

// etcd's current revision.
export const etcdRevision = async (etcd: EtcdServer): Promise<number> => Number(JSON.parse(await etcd.etcdctl(['get', '-w', 'json', '--', 'no-such-key'])).header.revision);

// Waits until the capture covers revision (closed segments up to it) and returns its status.
export const waitCovered = (dir: string, revision: number, timeoutMs = 60_000): Promise<CaptureState> =>
  waitFor(`the capture to cover revision ${revision}`, async () => {
    const capture = await captureState(dir);
    return capture && capture.coveredRevision >= revision ? capture : undefined;
  }, timeoutMs);

// The closed segments in dir, by base stamp then first revision.
export const segmentsIn = async (dir: string): Promise<SegmentName[]> =>
  (await readdir(dir))
    .map((n) => parseSegmentName(n))
    .filter((s): s is SegmentName => s !== undefined)
    .sort((a, b) => (a.stamp === b.stamp ? a.firstRevision - b.firstRevision : a.stamp < b.stamp ? -1 : 1));

// Every event of a chain's segments (read back with the segment reader, every check on), and their trailers.
export const readChain = async (dir: string, stamp: string): Promise<{ events: DeltaEvent[]; manifests: SegmentManifest[]; segments: SegmentName[] }> => {
  const segments = (await segmentsIn(dir)).filter((s) => s.stamp === stamp);
  const events: DeltaEvent[] = [];
  const manifests: SegmentManifest[] = [];
  for (const segment of segments) manifests.push(await readSegment(join(dir, segment.name), (e) => void events.push(e)));
  return { events, manifests, segments };
};

// The distinct revisions of events, in order, and whether they run from first to last with none missing or twice.
export const revisionRun = (events: DeltaEvent[]): number[] => {
  const revisions: number[] = [];
  for (const e of events) if (revisions.at(-1) !== e.revision) revisions.push(e.revision);
  return revisions;
};

// first..last inclusive.
export const range = (first: number, last: number): number[] => Array.from({ length: Math.max(0, last - first + 1) }, (_, i) => first + i);

// One key as etcd keeps it.
export interface KeyState {
  value: string;
  createRevision: number;
  modRevision: number;
  version: number;
  lease: string;
}

interface JsonKv {
  key: string;
  value?: string;
  create_revision: number;
  mod_revision: number;
  version: number;
  lease?: number | string;
}

// The whole keyspace at a revision, as `etcdctl get --prefix "" --rev=N -w json` has it (key base64 -> state).
export const keyspaceAt = async (etcd: EtcdServer, revision: number): Promise<Map<string, KeyState>> => {
  // etcdctl's JSON prints int64 lease ids as numbers, beyond what a double holds: they are read as strings.
  const text = await etcd.etcdctl(['get', '--prefix', '-w', 'json', `--rev=${revision}`, '--', '']);
  const out = JSON.parse(text.replace(/"lease":(\d+)/g, '"lease":"$1"')) as { kvs?: JsonKv[] };
  return new Map((out.kvs ?? []).map((kv) => [kv.key, { value: kv.value ?? '', createRevision: kv.create_revision, modRevision: kv.mod_revision, version: kv.version, lease: String(kv.lease ?? 0) }]));
};

// The keyspace at the base applied with events, for comparison with keyspaceAt.
export const applyEvents = (base: Map<string, KeyState>, events: DeltaEvent[]): Map<string, KeyState> => {
  const keys = new Map(base);
  for (const e of events) {
    const key = e.key.toString('base64');
    if (e.type === 'delete') keys.delete(key);
    else keys.set(key, { value: e.value.toString('base64'), createRevision: e.createRevision, modRevision: e.revision, version: e.version, lease: e.lease });
  }
  return keys;
};

// The state file's JSON text.
export const stateText = (dir: string): Promise<string> => readFile(join(dir, '.etcd-agent-schedule.json'), 'utf8');

// Waits until the capture has a chain; on a timeout the agent is stopped and its log is part of the error.
export const waitChain = async (agent: ReturnType<typeof spawnCapture>, dir: string): Promise<CaptureState> => {
  try {
    return await waitFor('the capture to start a chain', async () => {
      const capture = await captureState(dir);
      return capture?.base ? capture : undefined;
    });
  } catch (error) {
    agent.kill('SIGTERM');
    throw new Error(`${(error as Error).message}; the scheduler said:\n${String((await agent).all)}`, { cause: error });
  }
};
