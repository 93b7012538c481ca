import cron from 'node-cron';
import type { AgentConfig } from '../config/agent-config.ts';
import { prepareDir } from '../engine/prepare-dir.ts';
import { AgentError, oneLine } from '../errors/agent-error.ts';
import { validateSchedule } from '../policy/cron.ts';
import { runScheduledSnapshot, scheduledGuard } from './run-scheduled.ts';
import { recoverInterruptedRestore } from '../engine/unit-guard.ts';
import { removeLeftovers } from '../engine/leftovers.ts';
import { dirname } from 'node:path';
import { runDrill, type DrillDeps } from './run-drill.ts';
import { readScheduleState, recordDrill, recordRun, updateScheduleState } from '../state/schedule-state.ts';
import { startSchedulerMetrics } from '../metrics/scheduler-metrics.ts';
import { schedulePeriodMs } from '../policy/cron.ts';
import { snapshotStale } from '../policy/describe-status.ts';
import { takeCatchUpRequest } from '../state/catch-up-request.ts';
import { startCapture, type Capture } from '../capture/start-capture.ts';
import type { RunRecord } from '../state/schedule-state.ts';

// How the scheduler hears that update-status left a catch-up request (SIGUSR2 from the hook); returns how to stop
// listening.
export interface CatchUpSignal {
  subscribe(listener: () => void): () => void;
}

// At start: settles a restore a dead run left unfinished, and removes what dead runs left in the snapshot dir and
// beside the data dir.
const startClean = async (deps: DrillDeps, config: AgentConfig): Promise<void> => {
  const report = await recoverInterruptedRestore(scheduledGuard(deps, config));
  if (report.kind === 'settled') deps.log.warn(report.message);
  if (report.kind === 'blocked') deps.log.error(report.message);
  for (const dir of new Set([config.snapshotDir, dirname(config.etcdDataDir)])) {
    for (const path of await removeLeftovers(dir)) deps.log.info(`removed ${path}, left by a run that died`);
  }
};

// Runs scheduled snapshots until signal aborts; a run never overlaps the previous one, and an abort
// interrupts a running snapshot, which removes what it wrote.
// A catch-up snapshot runs here, in the scheduler, never in a hook: at start when the last good snapshot is older
// than two periods or a request is pending, and whenever catchUps fires with a request pending.
export const runScheduler = async (deps: DrillDeps, config: AgentConfig, signal: AbortSignal, catchUps?: CatchUpSignal): Promise<void> => {
  if (!config.snapshotSchedule) throw new AgentError('snapshot-schedule is empty, so there is nothing to schedule; set it to a cron expression such as "0 */6 * * *"');
  validateSchedule(config.snapshotSchedule, config.snapshotTimezone);
  if (config.verifySchedule) validateSchedule(config.verifySchedule, config.snapshotTimezone, 'verify-schedule');
  await prepareDir(config.snapshotDir, 'snapshot-dir');
  const dir = config.snapshotDir;
  await startClean(deps, config);
  const periodMs = schedulePeriodMs(config.snapshotSchedule, config.snapshotTimezone, deps.clock.now());
  const staleAtStart = snapshotStale(await readScheduleState(dir), periodMs, deps.clock.now());
  const metrics = await startSchedulerMetrics(config, deps);
  let writes: Promise<unknown> = updateScheduleState(dir, (state) => {
    Object.assign(state, { schedule: config.snapshotSchedule, timezone: config.snapshotTimezone, pid: process.pid, started: deps.clock.now().toISOString(), skippedOverlaps: 0 });
  });
  const write = (work: () => Promise<unknown>): void => {
    writes = writes.then(work).catch((e: unknown) => deps.log.error(`cannot write the schedule state in ${dir}: ${oneLine(e)}`));
  };
  // Scheduled runs and catch-ups take turns, so a catch-up sees the state the run before it recorded.
  let queue: Promise<unknown> = Promise.resolve();
  const inTurn = <T>(work: () => Promise<T>): Promise<T> => {
    const turn = queue.then(work);
    queue = turn.catch(() => undefined);
    return turn;
  };
  // Point-in-time capture (delta-interval > 0) hears of every full snapshot the scheduler writes.
  let capture: Capture | undefined;
  let written = 0;
  const wrote = (record: RunRecord): void => {
    if (record.outcome === 'skipped' || record.outcome === 'interrupted') return;
    if (record.outcome === 'ok') written += 1;
    // A run that failed after writing its archive (its upload) leaves a base too: the capture looks for it.
    capture?.newSnapshot(record.outcome === 'ok' ? record.archive : undefined);
  };
  let running: Promise<unknown> = Promise.resolve();
  const task = cron.schedule(
    config.snapshotSchedule,
    () => {
      running = inTurn(() => runScheduledSnapshot(deps, config, { signal })).then((record) => {
        write(() => recordRun(dir, record));
        wrote(record);
      });
      return running;
    },
    { timezone: config.snapshotTimezone, noOverlap: true, name: 'etcd-snapshot', suppressMissedWarning: true },
  );
  task.on('execution:overlap', () => {
    deps.log.warn('a scheduled snapshot is due but the previous one is still running; this run is skipped');
    write(() => updateScheduleState(dir, (state) => void (state.skippedOverlaps = (state.skippedOverlaps ?? 0) + 1)));
  });
  let drilling: Promise<unknown> = Promise.resolve();
  const drills = config.verifySchedule
    ? cron.schedule(
        config.verifySchedule,
        () => {
          drilling = runDrill(deps, config).then((record) => write(() => recordDrill(dir, record)));
          return drilling;
        },
        { timezone: config.snapshotTimezone, noOverlap: true, name: 'etcd-drill', suppressMissedWarning: true },
      )
    : undefined;
  // due: the snapshot is stale already (at start); otherwise only a pending request that is still stale runs.
  const catchUp = (due: boolean): Promise<void> =>
    inTurn(async () => {
      if (signal.aborted) return;
      const request = await takeCatchUpRequest(dir);
      if (!due && request === undefined) return;
      await writes;
      const stale = snapshotStale(await readScheduleState(dir), periodMs, deps.clock.now());
      const asked = request ? ` (requested by ${request.by} at ${request.requested})` : '';
      if (!due && !stale) {
        deps.log.info(`catch-up snapshot${asked} not needed: the last good snapshot is recent`);
        return;
      }
      deps.log.info(`the last good scheduled snapshot is older than two periods; taking a catch-up snapshot${asked}`);
      const record = await runScheduledSnapshot(deps, config, { signal });
      if (record.outcome !== 'skipped') write(() => recordRun(dir, { ...record, catchUp: true }));
      wrote(record);
      await writes;
    });
  let catchingUp = catchUp(staleAtStart);
  if (config.deltaIntervalSeconds > 0) {
    // A snapshot the capture asks for (no chain yet, or etcd compacted past it) takes its turn like any run, and is
    // not taken when one was written meanwhile.
    const snapshot = (reason: string): Promise<boolean> => {
      const seen = written;
      return inTurn(async () => {
        if (written > seen || signal.aborted) return written > seen;
        deps.log.info(`taking a full snapshot for point-in-time capture: ${reason}`);
        const record = await runScheduledSnapshot(deps, config, { signal });
        if (record.outcome !== 'skipped') write(() => recordRun(dir, record));
        wrote(record);
        return record.outcome === 'ok';
      });
    };
    capture = startCapture(deps, config, { write: (change) => write(() => updateScheduleState(dir, change)), snapshot }, signal);
  }
  const unsubscribe = catchUps?.subscribe(() => {
    if (!signal.aborted) catchingUp = catchUp(false);
  });
  deps.log.info(`scheduler started: "${config.snapshotSchedule}" (${config.snapshotTimezone}), snapshots in ${dir}, keeping ${config.snapshotRetention}${config.verifySchedule ? `, restore drills "${config.verifySchedule}"` : ''}`);
  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  unsubscribe?.();
  await task.stop();
  await task.destroy();
  await drills?.stop();
  await drills?.destroy();
  await running;
  await catchingUp;
  await drilling;
  await capture?.stop();
  await writes;
  await metrics.close();
  deps.log.info('scheduler stopped');
};
