import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../clock/clock.ts';
import { tlsFor, type AgentConfig } from '../config/agent-config.ts';
import type { CaptureStatus, ChainBase } from '../delta/delta-types.ts';
import { parseSegmentName } from '../delta/segment-name.ts';
import type { ClosedSegment } from '../delta/segment-writer.ts';
import { gatewayWatchSource, type WatchSource } from '../etcd/gateway-watch.ts';
import { oneLine } from '../errors/agent-error.ts';
import type { Logger } from '../log/logger.ts';
import { readSidecar } from '../store/checksum-sidecar.ts';
import type { DeltaUploadStore } from '../store/delta-store.ts';
import type { Stores } from '../store/stores.ts';
import { readScheduleState } from '../state/schedule-state.ts';
import { CaptureStatusKeeper, type StateWriter } from './capture-status.ts';
import { baseNamed, chainLastRevision, newestBase } from './find-base.ts';
import { WatchFollower } from './follow-watch.ts';
import { chainStart, SegmentChain, type ChainOptions } from './segment-chain.ts';
import { SegmentUploader } from './segment-uploader.ts';
import { collectGarbage } from '../process/collect-garbage.ts';

// What the capture needs from the scheduler's deps.
export interface CaptureDeps {
  clock: Clock;
  log: Logger;
  stores: Stores;
  // The watch to follow; by default the configured endpoints through etcd's JSON gateway.
  watch?: WatchSource;
}

// What the scheduler lends the capture: its serialized state writer, and full snapshots in its turn and lock.
export interface CaptureHooks {
  write: StateWriter;
  // Takes a full snapshot (recorded like a run, its archive handed back through newSnapshot); resolves to whether one
  // was written.
  snapshot(reason: string): Promise<boolean>;
}

// A running capture.
export interface Capture {
  // The scheduler wrote a full snapshot (archive path or name): a new chain starts after its revision. Without a
  // name (a run that failed after writing its archive), the newest archive in snapshot-dir is taken when it is newer.
  newSnapshot(archive: string | undefined): void;
  // Stops the capture (the open segment is closed with what it has) and waits until it has.
  stop(): Promise<void>;
}

// Closed segments in dir not yet in the remote store, oldest first (uploaded when a run died before it could).
const notUploaded = async (dir: string, remote: DeltaUploadStore): Promise<{ name: string; path: string; sha256: string }[]> => {
  const there = new Set((await remote.listSegments()).map((s) => s.name));
  const missing = [];
  for (const name of (await readdir(dir)).sort()) {
    if (!parseSegmentName(name) || there.has(name)) continue;
    const sha256 = await readSidecar(join(dir, `${name}.sha256`), name);
    if (sha256) missing.push({ name, path: join(dir, name), sha256 });
  }
  return missing;
};

// Starts point-in-time capture beside the scheduler (delta-interval > 0): follows etcd's watch from the newest full
// snapshot in snapshot-dir into delta segments there, uploads closed ones when S3 is set, and keeps its status in the
// state file. Stops when signal aborts or stop() is called.
export const startCapture = (deps: CaptureDeps, config: AgentConfig, hooks: CaptureHooks, signal: AbortSignal): Capture => {
  const dir = config.snapshotDir;
  const intervalMs = config.deltaIntervalSeconds * 1000;
  const stopping = new AbortController();
  const stopSignal = AbortSignal.any([signal, stopping.signal]);
  const source = deps.watch ?? gatewayWatchSource(config.etcdEndpoints, tlsFor(config, config.etcdEndpoints[0] ?? ''), config.etcdTimeoutMs);
  const store = deps.stores.local(dir);
  let follower: WatchFollower | undefined;
  const early: string[] = [];

  const run = async (): Promise<void> => {
    const previous = (await readScheduleState(dir)).capture;
    const newest = await newestBase(store);
    // An empty store's snapshot (revision 0) starts no chain.
    const base = newest && newest.revision >= 1 ? newest : undefined;
    const last = base ? await chainLastRevision(dir, base) : 0;
    const same = previous !== undefined && base !== undefined && previous.base === base.name && previous.coveredRevision === last;
    const initial: CaptureStatus = {
      state: 'running',
      base: base?.name ?? '',
      coveredRevision: last,
      coveredAt: same ? previous.coveredAt : (base?.created ?? deps.clock.now().toISOString()),
      gaps: previous?.gaps ?? [],
      intervalSeconds: config.deltaIntervalSeconds,
    };
    const status = new CaptureStatusKeeper(hooks.write, initial);
    status.update(() => undefined);
    const remote = await deps.stores.remoteDeltas();
    const uploader = remote
      ? new SegmentUploader(remote, deps.log, `every ${config.deltaIntervalSeconds}s`, (r) => status.update((s) => Object.assign(s, { uploads: r })), stopSignal)
      : undefined;
    const retries = uploader ? setInterval(() => void uploader.kick(), intervalMs) : undefined;
    if (remote && uploader) {
      notUploaded(dir, remote).then(
        (missing) => missing.forEach((m) => uploader.add(m)),
        (error: unknown) => deps.log.warn(`capture: cannot tell which delta segments ${remote.location} lacks (${oneLine(error)}); uploading new ones only`),
      );
    }
    const chainOptions: ChainOptions = {
      dir,
      recipients: config.encryptionRecipients,
      maxBytes: config.deltaMaxBytes,
      maxAgeMs: 2 * intervalMs,
      onClosed: async (segment: ClosedSegment, of: ChainBase) => {
        // Queued for upload before it counts as covered: the status never shows it covered with nothing pending.
        uploader?.add({ name: segment.name, path: segment.path, sha256: segment.sha256 });
        if (of.name === status.current.base) status.cover(segment.manifest.lastRevision, segment.manifest.lastEventTime);
        collectGarbage();
      },
      onSwitch: (to: ChainBase) => status.chain(to.name, chainStart(to), to.created),
    };
    follower = new WatchFollower(
      { source, clock: deps.clock, log: deps.log, status, chain: chainOptions, intervalMs, baseOf: (name) => baseNamed(store, name), newest: () => newestBase(store), snapshot: hooks.snapshot },
      stopSignal,
    );
    for (const name of early.splice(0)) follower.newSnapshot(name);
    deps.log.info(`capture: following etcd's watch into delta segments in ${dir} every ${config.deltaIntervalSeconds}s${base ? `, from ${base.name} at revision ${last + 1}` : ''}`);
    try {
      await follower.run(base ? new SegmentChain(chainOptions, base, last) : undefined, base ? undefined : 'there is no full snapshot in snapshot-dir to start from');
    } finally {
      clearInterval(retries);
      status.state('stopped');
      deps.log.info(`capture stopped; covered to revision ${status.current.coveredRevision}`);
    }
  };

  const done = run().catch((error: unknown) => {
    deps.log.error(`capture failed: ${oneLine(error)}`);
    hooks.write((state) => {
      if (state.capture) Object.assign(state.capture, { state: 'failed', error: oneLine(error) });
    });
  });
  return {
    newSnapshot: (archive) => {
      if (archive === undefined) {
        void newestBase(store).then(
          (newest) => newest && (follower ? follower.newSnapshot(newest.name) : early.push(newest.name)),
          () => undefined,
        );
        return;
      }
      const name = archive.split('/').pop() ?? archive;
      if (follower) follower.newSnapshot(name);
      else early.push(name);
    },
    stop: async () => {
      stopping.abort();
      await done;
    },
  };
};
