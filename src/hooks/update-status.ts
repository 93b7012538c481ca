import type { AgentConfig } from '../config/agent-config.ts';
import { normalizeConfig } from '../config/normalize-config.ts';
import { UsageError } from '../errors/agent-error.ts';
import { schedulePeriodMs } from '../schedule/cron.ts';
import { describeStatus } from '../schedule/describe-status.ts';
import { runScheduledSnapshot } from '../schedule/run-scheduled.ts';
import { readScheduleState, recordRun } from '../schedule/schedule-state.ts';
import type { HookContext } from './hook-context.ts';
import { remoteStoreFor } from '../store/remote-store.ts';
import { schedulerFiles } from './scheduler-unit.ts';

// Sets the unit's status from the scheduler's state; restarts a scheduler that is not running and,
// when asked, takes a catch-up snapshot if the last good one is older than two periods.
export const reportStatus = async (context: HookContext, config: AgentConfig, options: { catchUp: boolean }): Promise<void> => {
  const { name } = schedulerFiles(context);
  let schedulerActive = true;
  let schedulerRestarted = false;
  if (config.snapshotSchedule) {
    schedulerActive = await context.service.isActive(name);
    if (!schedulerActive) {
      context.log.warn(`scheduler service ${name} is not running; restarting it`);
      schedulerRestarted = await context.service.enable(name).then(() => true, () => false);
    }
  }
  const verdict = () =>
    readScheduleState(config.snapshotDir).then((state) =>
      describeStatus({
        schedule: config.snapshotSchedule,
        state,
        schedulerActive,
        schedulerRestarted,
        now: context.clock.now(),
        periodMs: config.snapshotSchedule ? schedulePeriodMs(config.snapshotSchedule, config.snapshotTimezone, context.clock.now()) : 0,
      }),
    );
  let result = await verdict();
  if (options.catchUp && result.catchUp) {
    context.log.info('the last good scheduled snapshot is older than two periods; taking a catch-up snapshot');
    await context.tools.statusSet('maintenance', 'taking a catch-up snapshot');
    const remote = await remoteStoreFor(config, context.tools, context.unit, (m) => context.log.warn(m));
    const record = await runScheduledSnapshot({ etcd: context.makeEtcd(config), clock: context.clock, log: context.log, unit: context.unit, remote }, config);
    await recordRun(config.snapshotDir, { ...record, catchUp: true });
    result = await verdict();
  }
  await context.tools.statusSet(result.status, result.message);
};

// update-status: the periodic health report.
export const updateStatus = async (context: HookContext): Promise<void> => {
  let config;
  try {
    config = normalizeConfig(await context.tools.configGet(), context.charm.options);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    await context.tools.statusSet('blocked', `${error.message}; fix it with juju config`);
    return;
  }
  await reportStatus(context, config, { catchUp: true });
};
