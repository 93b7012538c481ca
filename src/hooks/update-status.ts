import { unencryptedUploadProblem, type AgentConfig } from '../config/agent-config.ts';
import { normalizeConfig } from '../config/normalize-config.ts';
import { UsageError, oneLine } from '../errors/agent-error.ts';
import { readLocalWindow } from '../delta/read-window.ts';
import { describeStatus } from '../policy/describe-status.ts';
import { requestCatchUp } from '../state/catch-up-request.ts';
import { readScheduleState } from '../state/schedule-state.ts';
import type { EtcdClient } from '../etcd/etcd-client.ts';
import type { HookContext } from './hook-context.ts';
import { schedulerFiles } from './scheduler-unit.ts';
import { setWorkloadVersion } from './workload-version.ts';
import { schedulePeriod } from './schedule-period.ts';

// What is wrong with etcd itself, if anything: its service not active, or no answer from it.
const etcdProblem = async (context: HookContext, config: AgentConfig, etcd: EtcdClient): Promise<string | undefined> => {
  if (!(await context.service.isActive(config.etcdService).catch(() => false))) return `etcd-service ${config.etcdService} is not active`;
  try {
    await etcd.health();
    return undefined;
  } catch (error) {
    return `etcd does not answer: ${oneLine(error)}`;
  }
};

// Leaves a catch-up request for the scheduler; false (and a warning) when the snapshot dir cannot take it.
const leaveRequest = (context: HookContext, dir: string): Promise<boolean> =>
  requestCatchUp(dir, { requested: context.clock.now().toISOString(), by: `update-status of ${context.unit}` }).then(
    () => true,
    (error: unknown) => {
      context.log.warn(`cannot leave a catch-up request in ${dir}: ${oneLine(error)}`);
      return false;
    },
  );

// Sets the unit's status from etcd's health and the scheduler's state; restarts a scheduler that is not running.
// With requestCatchUp, when the last good snapshot is older than two periods, it asks the scheduler for a catch-up
// snapshot (a request file, then SIGUSR2; a restarted scheduler reads the request as it starts) and never takes
// one itself: Juju runs one hook at a time, and a snapshot may take minutes. Never active while etcd is down.
export const reportStatus = async (context: HookContext, config: AgentConfig, options: { requestCatchUp: boolean; notes?: string[] }): Promise<void> => {
  const { name } = schedulerFiles(context);
  const etcd = context.makeEtcd(config);
  // Asked for beside the health check (two etcdctl runs at once), so the hook takes no longer for it.
  const version = etcd.serverVersion();
  version.catch(() => undefined);
  const problem = await etcdProblem(context, config, etcd);
  if (problem === undefined) await setWorkloadVersion(context, version);
  const now = context.clock.now();
  const periodMs = config.snapshotSchedule ? await schedulePeriod(context.paths.stateDir, config.snapshotSchedule, config.snapshotTimezone, now, context.log) : 0;
  const state = await readScheduleState(config.snapshotDir);
  const captureOn = config.snapshotSchedule !== '' && config.deltaIntervalSeconds > 0;
  // The window from snapshot-dir alone (names, manifests and the capture status; never S3 from a hook).
  const stores = captureOn ? context.makeStores(config, context.tools, context.unit) : undefined;
  const window = stores ? await readLocalWindow(stores.local(config.snapshotDir), stores.localDeltas(config.snapshotDir), state.capture) : undefined;
  const capture = captureOn ? { capture: { intervalSeconds: config.deltaIntervalSeconds, window, schedulerUnit: name } } : {};
  const verdict = (schedulerActive: boolean, schedulerRestarted: boolean) =>
    describeStatus({
      schedule: config.snapshotSchedule,
      state,
      schedulerActive,
      schedulerRestarted,
      now,
      periodMs,
      ...capture,
    });
  const wanted = options.requestCatchUp && config.snapshotSchedule !== '' && problem === undefined && verdict(true, false).catchUp;
  // The request is left before a restart, so the new scheduler finds it when it starts.
  let requested = wanted && (await leaveRequest(context, config.snapshotDir));
  let schedulerActive = true;
  let schedulerRestarted = false;
  if (config.snapshotSchedule) {
    schedulerActive = await context.service.isActive(name);
    if (!schedulerActive) {
      context.log.warn(`scheduler service ${name} is not running; restarting it`);
      schedulerRestarted = await context.service.enable(name).then(() => true, () => false);
      // Nobody takes the request while the scheduler cannot start.
      requested = requested && schedulerRestarted;
    } else if (requested) {
      requested = await context.service.signal(name, 'SIGUSR2').then(
        () => true,
        (error: unknown) => {
          context.log.warn(`cannot ask ${name} for a catch-up snapshot: ${oneLine(error)}`);
          return false;
        },
      );
    }
  }
  if (requested) context.log.info(`the last good scheduled snapshot is older than two periods; asked ${name} for a catch-up snapshot`);
  const result = verdict(schedulerActive, schedulerRestarted);
  const asked = requested ? 'catch-up snapshot requested' : undefined;
  // S3 with no recipients blocks the unit until the operator encrypts or says unencrypted copies are fine.
  const policy = unencryptedUploadProblem(config);
  const inClear = config.s3?.allowUnencrypted === true && config.encryptionRecipients.length === 0 ? 'off-site copies are not encrypted (s3-allow-unencrypted=true)' : undefined;
  const notes = [context.recovered, ...(options.notes ?? []), problem, policy, result.message, asked, inClear].filter((part) => part !== undefined);
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
  await reportStatus(context, config, { requestCatchUp: true });
};
