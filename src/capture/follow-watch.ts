import { setTimeout as delay } from 'node:timers/promises';
import type { Clock } from '../clock/clock.ts';
import type { ChainBase, CaptureGap } from '../delta/delta-types.ts';
import type { WatchResponse, WatchSession, WatchSource } from '../etcd/gateway-watch.ts';
import { oneLine } from '../errors/agent-error.ts';
import type { Logger } from '../log/logger.ts';
import type { CaptureStatusKeeper } from './capture-status.ts';
import { chainStart, RevisionGapError, SegmentChain, type ChainOptions } from './segment-chain.ts';
import { SegmentWriteError, writing, type SessionEnd } from './session-end.ts';
import { clusterIdHex, toDeltaEvent } from './to-delta-event.ts';

const MAX_BACKOFF_MS = 30_000;
const EMPTY_WAIT_MS = 60_000;
const MAX_SNAPSHOT_RETRY_MS = 300_000;

// What the follower needs.
export interface FollowDeps {
  source: WatchSource;
  clock: Clock;
  log: Logger;
  status: CaptureStatusKeeper;
  chain: ChainOptions;
  intervalMs: number;
  // Looks a new archive up in the snapshot dir (undefined when it is gone or has no readable manifest).
  baseOf(name: string): Promise<ChainBase | undefined>;
  // The newest archive in the snapshot dir with a readable manifest.
  newest(): Promise<ChainBase | undefined>;
  // A full snapshot through the scheduler's turn and lock, recorded like a run; its archive comes back through
  // newSnapshot (so one path handles every new base). Resolves to whether it was written.
  snapshot(reason: string): Promise<boolean>;
}

// Follows etcd's watch into delta segments until signal aborts: one chain at a time, a new one from every full
// snapshot the scheduler writes, reconnecting (with backoff, one log line per outage) at the last appended revision
// + 1, and on a compaction past that point recording the gap and starting over from a new full snapshot.
export class WatchFollower {
  private readonly arrived: string[] = [];
  private session: WatchSession | undefined;
  private wake = new AbortController();
  private chain: SegmentChain | undefined;
  // Why a new base must replace the chain (not extend it), and the gap it closes.
  private restart: { reason: string; gap?: CaptureGap } | undefined;
  private outage: { since: number } | undefined;
  private backoffMs = 1_000;
  private lastEventTime: string | undefined;
  // The chain was started from a snapshot taken because etcd had compacted, and has no event yet.
  private fresh = false;
  // The last full snapshot was of an empty store.
  private empty = false;
  private snapshotRetryMs = 0;

  private readonly deps: FollowDeps;
  private readonly signal: AbortSignal;

  constructor(deps: FollowDeps, signal: AbortSignal) {
    this.deps = deps;
    this.signal = signal;
    signal.addEventListener('abort', () => this.interrupt(), { once: true });
  }

  // The scheduler wrote a full snapshot: its archive becomes the next chain's base.
  newSnapshot(archiveName: string): void {
    this.arrived.push(archiveName);
    this.interrupt();
  }

  // Runs until the signal aborts; the open segment is closed with what it holds.
  async run(initial: SegmentChain | undefined, needBase: string | undefined): Promise<void> {
    this.chain = initial;
    if (needBase) this.restart = { reason: needBase };
    try {
      while (!this.signal.aborted) {
        this.wake = new AbortController();
        await this.applyArrived();
        if (!this.chain || this.restart) {
          await this.takeBase();
          continue;
        }
        const end = await this.follow(this.chain);
        if (!this.signal.aborted) await this.handle(end, this.chain);
      }
    } finally {
      // A full snapshot written as the capture stopped (its news may not have come in yet) becomes the chain's base
      // when the capture has reached its revision, so the stopped status names the chain the next start continues.
      const newest = await this.deps.newest().catch(() => undefined);
      if (newest && this.chain && newest.name !== this.chain.base.name) this.arrived.push(newest.name);
      await this.applyArrived().catch((error: unknown) => this.deps.log.warn(`capture: cannot take up the newest full snapshot while stopping: ${oneLine(error)}`));
      await this.chain?.close(this.deps.clock.now()).catch((error: unknown) => this.deps.log.error(`capture: cannot close the open delta segment: ${oneLine(error)}`));
      if (this.chain) this.deps.status.cover(this.chain.closedLast, this.lastEventTime ?? this.deps.status.current.coveredAt);
    }
  }

  private interrupt(): void {
    this.wake.abort();
    this.session?.close();
  }

  private async applyArrived(): Promise<void> {
    while (this.arrived.length > 0) {
      const base = await this.deps.baseOf(this.arrived.shift()!);
      if (!base) continue;
      if (base.revision < 1) {
        // An empty store's snapshot (revision 0) cannot start a chain; one is taken again a while later.
        if (!this.chain) this.empty = true;
        continue;
      }
      const now = this.deps.clock.now();
      if (!this.chain || this.restart) {
        await this.chain?.close(now);
        this.chain = new SegmentChain(this.deps.chain, base, chainStart(base));
        this.fresh = this.restart?.gap !== undefined;
        const gap = this.restart?.gap;
        if (gap) this.deps.status.gap({ ...gap, toRevision: Math.max(gap.toRevision, base.revision - 1) });
        if (this.restart) this.deps.log.info(`capture: a new chain starts at ${base.name} (revision ${base.revision})`);
        this.restart = undefined;
        this.deps.status.chain(base.name, chainStart(base), base.created);
      } else if (base.name !== this.chain.base.name && base.created > this.chain.base.created && base.revision >= this.chain.base.revision) {
        await this.chain.switchTo(base, now);
      }
    }
  }

  private async takeBase(): Promise<void> {
    if (this.empty) {
      this.deps.log.info('capture: etcd holds no key yet, so there is no chain to start; taking a full snapshot again in a minute');
      await this.pause(EMPTY_WAIT_MS);
      this.empty = false;
      if (this.arrived.length > 0 || this.signal.aborted) return;
    }
    const reason = this.restart?.reason ?? 'there is no full snapshot to start from';
    this.deps.log.info(`capture: taking a full snapshot to start a chain from (${reason})`);
    const asked = this.deps.clock.now().toISOString();
    const written = await this.deps.snapshot(reason);
    if (written || this.signal.aborted || this.arrived.length > 0) {
      this.snapshotRetryMs = 0;
      return;
    }
    // A run that failed after its archive was written (its upload) still leaves a base in the snapshot dir.
    const newest = await this.deps.newest().catch(() => undefined);
    if (newest && newest.created >= asked) {
      this.arrived.push(newest.name);
      return;
    }
    this.snapshotRetryMs = Math.min(Math.max(this.snapshotRetryMs * 2, this.deps.intervalMs, 5_000), MAX_SNAPSHOT_RETRY_MS);
    this.deps.status.state('failed', `no chain: the full snapshot to start one from was not written (${reason}); retrying in ${this.snapshotRetryMs / 1000}s`);
    await this.pause(this.snapshotRetryMs);
  }

  // Waits ms, or less when a snapshot arrives or the capture stops.
  private async pause(ms: number): Promise<void> {
    await delay(ms, undefined, { signal: AbortSignal.any([this.signal, this.wake.signal]) }).catch(() => undefined);
  }

  private async handle(end: SessionEnd, chain: SegmentChain): Promise<void> {
    const { log, status } = this.deps;
    const now = this.deps.clock.now();
    if (end.kind === 'woken') return;
    if (end.kind === 'write') {
      // The open segment is dropped; the watch resumes after the last closed one (etcd still has the events).
      await chain.abort().catch(() => undefined);
      if (!this.outage) {
        this.outage = { since: now.getTime() };
        log.error(`capture: cannot write delta segments in ${this.deps.chain.dir} (${oneLine(end.error)}); retrying, to resume at revision ${chain.last + 1}`);
      }
      status.state('failed', `cannot write delta segments: ${oneLine(end.error)}`);
      await this.pause(this.backoffMs);
      this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
      return;
    }
    if (end.kind === 'broken') {
      const message = oneLine(end.error);
      if (!this.outage) {
        this.outage = { since: now.getTime() };
        log.warn(`capture: the watch on ${this.deps.source.endpoints.join(',')} broke (${message}); reconnecting, to resume at revision ${chain.last + 1}`);
        status.state('running', `reconnecting the watch: ${message}`);
      }
      await this.pause(this.backoffMs);
      this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
      return;
    }
    await chain.close(now);
    if (end.kind === 'compacted' && this.fresh && chain.closedLast === chainStart(chain.base) && end.compactRevision - 1 > chain.last) {
      // A snapshot taken after the compaction, whose revision is still before it: the revisions between left no key
      // behind (deletes whose tombstones the compaction removed), so the chain starts at the compaction.
      log.warn(`capture: ${chain.base.name} is at revision ${chain.base.revision}, before etcd's compaction at ${end.compactRevision}; its chain starts at revision ${end.compactRevision}`);
      chain.last = end.compactRevision - 1;
      chain.closedLast = chain.last;
      this.fresh = false;
      return;
    }
    this.fresh = false;
    if (end.kind === 'history') {
      log.warn(`capture: ${end.why}; starting a new chain from a new full snapshot`);
      this.restart = { reason: end.why };
      return;
    }
    const from = chain.last + 1;
    const to = end.kind === 'compacted' ? end.compactRevision - 1 : end.error.got - 1;
    const reason = end.kind === 'compacted' ? `etcd compacted revisions up to ${end.compactRevision - 1} before the watch could resume at revision ${from}` : end.error.message;
    log.warn(`capture: revisions ${from}..${to} are lost: ${reason}; taking a full snapshot now and starting a new chain`);
    this.restart = { reason, gap: { time: now.toISOString(), fromRevision: from, toRevision: to, reason } };
  }

  // One watch session from the chain's next revision; returns why it ended.
  private async follow(chain: SegmentChain): Promise<SessionEnd> {
    const { clock } = this.deps;
    let session: WatchSession;
    try {
      session = await this.deps.source.open(chain.last + 1);
    } catch (error) {
      return { kind: 'broken', error };
    }
    this.session = session;
    if (this.signal.aborted || this.wake.signal.aborted) session.close();
    const sent: string[] = [];
    const progress = setInterval(() => {
      sent.push(clock.now().toISOString());
      session.progress();
    }, this.deps.intervalMs);
    try {
      for await (const response of session.responses) {
        const end = await this.take(response, chain, sent);
        if (end) return end;
        if (this.arrived.length > 0) return { kind: 'woken' };
      }
      return this.signal.aborted || this.wake.signal.aborted ? { kind: 'woken' } : { kind: 'broken', error: new Error('the watch stream ended') };
    } catch (error) {
      if (error instanceof RevisionGapError) return { kind: 'gap', error };
      if (error instanceof SegmentWriteError) return { kind: 'write', error: error.cause };
      if (this.signal.aborted || this.wake.signal.aborted) return { kind: 'woken' };
      if (/compact/i.test(oneLine(error))) return { kind: 'compacted', compactRevision: chain.last + 2 };
      return { kind: 'broken', error };
    } finally {
      clearInterval(progress);
      session.close();
      this.session = undefined;
    }
  }

  // Handles one response; returns why the session must end, if it must.
  private async take(response: WatchResponse, chain: SegmentChain, sent: string[]): Promise<SessionEnd | undefined> {
    const { clock, log, status } = this.deps;
    const compactRevision = Number(response.compact_revision);
    if (compactRevision > 0) return { kind: 'compacted', compactRevision };
    if (response.canceled) return { kind: 'broken', error: new Error(`etcd canceled the watch: ${response.cancel_reason || 'no reason given'}`) };
    const clusterId = clusterIdHex(response.header.cluster_id);
    const revision = Number(response.header.revision);
    if (response.created) {
      if (chain.base.clusterId && chain.base.clusterId !== clusterId) return { kind: 'history', why: `etcd's cluster id is ${clusterId}, not ${chain.base.clusterId} as at ${chain.base.name} (the cluster was restored or replaced)` };
      if (revision < chain.last) return { kind: 'history', why: `etcd is at revision ${revision}, behind the ${chain.last} already captured (the cluster was restored)` };
      if (this.outage) log.info(`capture: the watch resumed at revision ${chain.last + 1} after ${Math.round((clock.now().getTime() - this.outage.since) / 1000)}s`);
      this.outage = undefined;
      this.backoffMs = 1_000;
      status.state('running');
      return undefined;
    }
    const now = clock.now();
    if (response.events.length === 0) {
      // A progress answer: etcd's revision when it was asked. Everything received is appended, so the open segment
      // closes; covered as of the request when nothing newer is in flight, else as of the last event.
      const askedAt = sent.shift() ?? now.toISOString();
      await writing(() => chain.close(now));
      status.cover(chain.closedLast, revision <= chain.closedLast ? askedAt : (this.lastEventTime ?? status.current.coveredAt));
      return undefined;
    }
    const time = now.toISOString();
    await writing(() => chain.appendResponse(response.events.map((e) => toDeltaEvent(e, time)), clusterId, now));
    this.lastEventTime = time;
    return undefined;
  }
}
