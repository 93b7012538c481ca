import { rm } from 'node:fs/promises';
import type { Clock } from '../clock/clock.ts';
import type { DeltaEvent } from '../delta/delta-types.ts';
import type { EtcdClient } from '../etcd/etcd-client.ts';
import { headerRevision, openGateway } from '../etcd/etcd-gateway.ts';
import { AgentError } from '../errors/agent-error.ts';
import type { CommandRunner } from '../process/command-runner.ts';
import { launchThrowawayEtcd, type ThrowawayEtcd } from '../engine/throwaway-etcd.ts';
import { revisionApplier, type AppliedStats } from './apply-revisions.ts';
import { keepLeasesAlive } from './lease-keeper.ts';
import type { PointTarget } from './point-target.ts';

// The largest request the replay member takes: one original revision is one txn, and a revision can hold many
// events (a delete of a whole prefix, a lease revoked with its keys).
export const REPLAY_MAX_REQUEST_BYTES = 64 * 1024 ** 2;
// The most ops in one replay txn (etcd's default is 128).
export const REPLAY_MAX_TXN_OPS = 1_000_000;

// The bound of a whole replay (each request to the member keeps its own, shorter timeout).
export const REPLAY_TIMEOUT_MS = 6 * 3600_000;

// The replay member's flags beside the throwaway ones: the limits above, and etcd's largest quota so a base near the
// source's quota still takes the events.
export const REPLAY_MEMBER_ARGS: readonly string[] = [
  `--max-request-bytes=${REPLAY_MAX_REQUEST_BYTES}`,
  `--max-txn-ops=${REPLAY_MAX_TXN_OPS}`,
  `--quota-backend-bytes=${8 * 1024 ** 3}`,
];

// What the replay member needs: snapshot restore and save, a way to start etcd, the clock.
export interface ReplayMemberDeps {
  etcd: Pick<EtcdClient, 'restore' | 'saveFrom'>;
  runner: Pick<CommandRunner, 'start'>;
  clock: Clock;
  progress(message: string): Promise<void>;
}

// A base db to serve, the events to replay into it, and where the result goes.
export interface ReplayMemberRequest {
  binary: string;
  db: string;
  skipHashCheck: boolean;
  baseRevision: number;
  target: PointTarget;
  // Calls push with every event in revision order until it returns false (or there are none left).
  events(push: (event: DeltaEvent) => Promise<boolean>): Promise<void>;
  // A private directory the member's data dir goes in (removed once it is saved).
  scratch: string;
  // Where the replayed member is saved (a db file that does not exist yet).
  saveTo: string;
  startTimeoutMs: number;
  requestTimeoutMs: number;
  // The bound for the whole replay (each request keeps requestTimeoutMs).
  replayTimeoutMs: number;
}

// The db the replayed member was saved to, and what was applied.
export interface ReplayedDb extends AppliedStats {
  dbPath: string;
}

// Runs the replay, bounded by ms as a whole (each request keeps its own, shorter timeout).
const withinReplayBound = async <T>(ms: number, endpoint: string, work: () => Promise<T>): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AgentError(`the replay into the throwaway etcd on ${endpoint} took longer than ${ms / 1000}s; nothing was restored`)), ms);
  });
  try {
    return await Promise.race([work(), bound]);
  } finally {
    clearTimeout(timer);
  }
};

// Restores the base into a throwaway etcd on loopback, replays the events into it one txn per original revision with
// its leases kept alive, checks it reached exactly the revision of the last applied event, and saves it to a db.
export const replayIntoMember = async (deps: ReplayMemberDeps, request: ReplayMemberRequest): Promise<ReplayedDb> => {
  let member: ThrowawayEtcd | undefined;
  try {
    member = await launchThrowawayEtcd(deps, {
      binary: request.binary, db: request.db, skipHashCheck: request.skipHashCheck, scratch: request.scratch,
      startTimeoutMs: request.startTimeoutMs, extraArgs: REPLAY_MEMBER_ARGS,
    });
    const endpoint = member.endpoint;
    if (member.info.revision !== request.baseRevision) {
      throw new AgentError(`the base came up at revision ${member.info.revision} in the throwaway etcd, its manifest records ${request.baseRevision}; the base is not usable`);
    }
    await deps.progress(`throwaway etcd on ${endpoint} serves the base at revision ${request.baseRevision}; replaying events`);
    const gateway = openGateway(endpoint, { timeoutMs: request.requestTimeoutMs, maxAnswerBytes: 64 * 1024 ** 2 });
    const stats = await withinReplayBound(request.replayTimeoutMs, endpoint, async () => {
      const keeper = await keepLeasesAlive(gateway, deps.clock);
      try {
        const applier = revisionApplier(gateway, {
          baseRevision: request.baseRevision, target: request.target, leases: keeper.leases,
          maxTxnBytes: REPLAY_MAX_REQUEST_BYTES - 1024 ** 2, maxTxnOps: REPLAY_MAX_TXN_OPS,
        });
        await request.events((event) => applier.push(event));
        const applied = await applier.finish();
        const reached = headerRevision((await gateway.post('/v3/maintenance/status', '{}', 4096)).text);
        if (reached !== applied.revision) {
          throw new AgentError(`the throwaway etcd is at revision ${reached} after the replay, the last applied event was revision ${applied.revision}${keeper.failure ? ` (keeping its leases alive failed: ${keeper.failure})` : ''}; the replay is not exact: try again`);
        }
        return applied;
      } finally {
        await keeper.stop();
      }
    }).finally(() => gateway.close());
    await deps.progress(`replayed ${stats.eventsApplied} events (${stats.revisionsApplied} revisions) up to revision ${stats.revision}; saving it`);
    await deps.etcd.saveFrom(endpoint, request.saveTo);
    return { ...stats, dbPath: request.saveTo };
  } finally {
    await member?.stop().catch(() => undefined);
    if (member) await rm(member.dataDir, { recursive: true, force: true });
  }
};
