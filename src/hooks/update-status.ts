import { unencryptedUploadProblem, type AgentConfig } from '../config/agent-config.ts';
import { normalizeConfig } from '../config/normalize-config.ts';
import { UsageError, oneLine } from '../errors/agent-error.ts';
import { schedulePeriodMs } from '../policy/cron.ts';
import { describeStatus } from '../policy/describe-status.ts';
import { runScheduledSnapshot } from '../schedule/run-scheduled.ts';
import { readScheduleState, recordRun } from '../state/schedule-state.ts';
import type { HookContext } from './hook-context.ts';
import { schedulerFiles } from './scheduler-unit.ts';
import { setWorkloadVersion } from './workload-version.ts';

// What is wrong with etcd itself, if anything: its service not active, or no answer from it.
const etcdProblem = async (context: HookContext, config: AgentConfig): Promise<string | undefined> => {
  if (!(await context.service.isActive(config.etcdService).catch(() => false))) return `etcd-service ${config.etcdService} is not active`;
  try {
    await context.makeEtcd(config).health();
    return undefined;
  } catch (error) {
    return `etcd does not answer: ${oneLine(error)}`;
  }
};

// Sets the unit's status from etcd's health and the scheduler's state; restarts a scheduler that is not running
// and, when asked, takes a catch-up snapshot if the last good one is older than two periods. Never active while
// etcd is down.
export const reportStatus = async (context: HookContext, config: AgentConfig, options: { catchUp: boolean }): Promise<void> => {
  const { name } = schedulerFiles(context);
  const problem = await etcdProblem(context, config);
  if (problem === undefined) await setWorkloadVersion(context, config);
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
  if (options.catchUp && result.catchUp && problem === undefined) {
    context.log.info('the last good scheduled snapshot is older than two periods; taking a catch-up snapshot');
    await context.tools.statusSet('maintenance', 'taking a catch-up snapshot');
    const stores = context.makeStores(config, context.tools, context.unit, (m) => context.log.warn(m));
    const parts = { etcd: context.makeEtcd(config), lock: await context.makeLock(config), service: context.service };
    const record = await runScheduledSnapshot({ ...parts, clock: context.clock, log: context.log, unit: context.unit, stores }, config, { lockWaitMs: 0 });
    if (record.outcome !== 'skipped') await recordRun(config.snapshotDir, { ...record, catchUp: true });
    result = await verdict();
  }
  // S3 with no recipients blocks the unit until the operator encrypts or says unencrypted copies are fine.
  const policy = unencryptedUploadProblem(config);
  const inClear = config.s3?.allowUnencrypted === true && config.encryptionRecipients.length === 0 ? 'off-site copies are not encrypted (s3-allow-unencrypted=true)' : undefined;
  const notes = [context.recovered, problem, policy, result.message, inClear].filter((part) => part !== undefined);
  await context.tools.statusSet(problem === undefined && policy === undefined ? result.status : 'blocked', notes.join('; '));
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
