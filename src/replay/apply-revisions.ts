import type { DeltaEvent } from '../delta/delta-types.ts';
import { headerRevision, type EtcdGateway } from '../etcd/etcd-gateway.ts';
import { AgentError } from '../errors/agent-error.ts';
import type { PointTarget } from './point-target.ts';

// What a replay applied, so far or in all.
export interface AppliedStats {
  // The member's revision: the base's before anything is applied, then each applied original revision's.
  revision: number;
  // The time of the last applied event (undefined while none is).
  time: string | undefined;
  eventsApplied: number;
  revisionsApplied: number;
  // Keys put without the lease they had, because the lease was granted after the base (etcd streams no grants).
  leasesDropped: number;
}

// Applies events, in revision order, one txn per original revision, until the target is passed.
export interface RevisionApplier {
  readonly stats: AppliedStats;
  // Takes the next event; false once the target is passed (the caller stops reading).
  push(event: DeltaEvent): Promise<boolean>;
  // Applies the last revision when it is within the target; returns what was applied.
  finish(): Promise<AppliedStats>;
}

// What the applier works with.
export interface ApplierOptions {
  // The revision the restored base serves.
  baseRevision: number;
  target: PointTarget;
  // Decimal ids of the leases the member has: a put with another lease is applied without one.
  leases: ReadonlySet<string>;
  // The most bytes one txn may carry (the member's --max-request-bytes, less room for framing).
  maxTxnBytes: number;
  maxTxnOps: number;
}

// Per event in a txn request: gRPC and protobuf framing beside key and value.
const OP_OVERHEAD = 32;
// How much of a txn's answer is kept: its header comes first; the per-op responses after it are dropped.
const ANSWER_HEAD_BYTES = 4096;

// One event as a txn op in the JSON of etcd's gateway (base64 needs no escaping): a put (with its lease when the
// member has it) or the delete of exactly its key.
const opFor = (event: DeltaEvent, leases: ReadonlySet<string>): { op: string; dropped: boolean } => {
  const key = event.key.toString('base64');
  if (event.type === 'delete') return { op: `{"request_delete_range":{"key":"${key}"}}`, dropped: false };
  const kept = event.lease !== '0' && leases.has(event.lease);
  const lease = kept ? `,"lease":"${event.lease}"` : '';
  return { op: `{"request_put":{"key":"${key}","value":"${event.value.toString('base64')}"${lease}}}`, dropped: event.lease !== '0' && !kept };
};

// An applier over etcd's JSON gateway of the throwaway member (a plain keep-alive HTTP connection: the gRPC client's
// per-call garbage grew the agent's young generation to over 100 MiB during a long replay). The events of one revision are held until the next
// revision starts (one revision is at most one original request), then sent as one txn, and the revision etcd
// answers is checked to be that original revision: the replayed member walks the original revisions one by one.
export const revisionApplier = (gateway: Pick<EtcdGateway, 'post'>, options: ApplierOptions): RevisionApplier => {
  const stats: AppliedStats = { revision: options.baseRevision, time: undefined, eventsApplied: 0, revisionsApplied: 0, leasesDropped: 0 };
  const { target } = options;
  const limit = target.kind === 'time' ? target.time.getTime() : undefined;
  let pending: DeltaEvent[] = [];
  let pendingBytes = 0;
  let passed = false;

  // Sends the held revision as one txn, or marks the target passed when its events are later than to-time.
  const flush = async (): Promise<void> => {
    const [first] = pending;
    if (first === undefined) return;
    const events = pending;
    pending = [];
    pendingBytes = 0;
    const latest = events.reduce((max, e) => Math.max(max, Date.parse(e.time)), Number.NEGATIVE_INFINITY);
    if (limit !== undefined && !(latest <= limit)) {
      passed = true;
      return;
    }
    if (first.revision !== stats.revision + 1) {
      throw new AgentError(`the events jump from revision ${stats.revision} to ${first.revision}; revisions ${stats.revision + 1} to ${first.revision - 1} are missing from the segments, so no exact point past ${stats.revision} can be replayed`);
    }
    const ops = events.map((e) => opFor(e, options.leases));
    const answer = await gateway.post('/v3/kv/txn', `{"success":[${ops.map((o) => o.op).join(',')}]}`, ANSWER_HEAD_BYTES);
    const reached = headerRevision(answer.text);
    if (reached === undefined) throw new AgentError(`replaying original revision ${first.revision}: the throwaway etcd's answer names no revision (${answer.text.slice(0, 200)}); the replay cannot be checked`);
    if (reached !== first.revision) {
      throw new AgentError(`replaying original revision ${first.revision} took the throwaway etcd to revision ${reached}; something else changed it (a lease expired?), so the replay is not exact: try again`);
    }
    stats.revision = reached;
    stats.time = events.at(-1)?.time;
    stats.eventsApplied += events.length;
    stats.revisionsApplied += 1;
    stats.leasesDropped += ops.filter((o) => o.dropped).length;
  };

  return {
    stats,
    async push(event) {
      if (passed) return false;
      const held = pending[0]?.revision;
      if (event.revision <= stats.revision || (held !== undefined && event.revision < held)) {
        throw new AgentError(`event of revision ${event.revision} came after revision ${held ?? stats.revision}; the segments are out of order`);
      }
      if (held !== undefined && event.revision !== held) await flush();
      if (passed) return false;
      if (target.kind === 'revision' && event.revision > target.revision) {
        passed = true;
        return false;
      }
      pending.push(event);
      pendingBytes += event.key.length + event.value.length + OP_OVERHEAD;
      if (pending.length > options.maxTxnOps || pendingBytes > options.maxTxnBytes) {
        throw new AgentError(`revision ${event.revision} holds more than ${pending.length - 1} events or ${options.maxTxnBytes} bytes, more than one replay txn can carry; it cannot be replayed exactly`);
      }
      return true;
    },
    async finish() {
      if (!passed) await flush();
      return stats;
    },
  };
};
