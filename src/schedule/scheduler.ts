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
import { recordDrill, recordRun, updateScheduleState } from '../state/schedule-state.ts';
import { startSchedulerMetrics } from '../metrics/scheduler-metrics.ts';

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
export const runScheduler = async (deps: DrillDeps, config: AgentConfig, signal: AbortSignal): Promise<void> => {
  if (!config.snapshotSchedule) throw new AgentError('snapshot-schedule is empty, so there is nothing to schedule; set it to a cron expression such as "0 */6 * * *"');
  validateSchedule(config.snapshotSchedule, config.snapshotTimezone);
  if (config.verifySchedule) validateSchedule(config.verifySchedule, config.snapshotTimezone, 'verify-schedule');
  await prepareDir(config.snapshotDir, 'snapshot-dir');
  const dir = config.snapshotDir;
  await startClean(deps, config);
  const metrics = await startSchedulerMetrics(config, deps);
  let writes: Promise<unknown> = updateScheduleState(dir, (state) => {
    Object.assign(state, { schedule: config.snapshotSchedule, timezone: config.snapshotTimezone, pid: process.pid, started: deps.clock.now().toISOString(), skippedOverlaps: 0 });
  });
  const write = (work: () => Promise<unknown>): void => {
    writes = writes.then(work).catch((e: unknown) => deps.log.error(`cannot write the schedule state in ${dir}: ${oneLine(e)}`));
  };
  let running: Promise<unknown> = Promise.resolve();
  const task = cron.schedule(
    config.snapshotSchedule,
    () => {
      running = runScheduledSnapshot(deps, config, { signal }).then((record) => write(() => recordRun(dir, record)));
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
  deps.log.info(`scheduler started: "${config.snapshotSchedule}" (${config.snapshotTimezone}), snapshots in ${dir}, keeping ${config.snapshotRetention}${config.verifySchedule ? `, restore drills "${config.verifySchedule}"` : ''}`);
  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await task.stop();
  await task.destroy();
  await drills?.stop();
  await drills?.destroy();
  await running;
  await drilling;
  await writes;
  await metrics.close();
  deps.log.info('scheduler stopped');
};
