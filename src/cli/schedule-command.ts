import { hostname } from 'node:os';
import type { CharmFiles } from '../charm/charm-files.ts';
import { normalizeConfig } from '../config/normalize-config.ts';
import { UsageError, oneLine } from '../errors/agent-error.ts';
import { createLogger, stderrSink } from '../log/logger.ts';
import { runScheduler, type CatchUpSignal } from '../schedule/scheduler.ts';
import { validateSchedule } from '../policy/cron.ts';

// Outside a hook there is no secret-get: the charm writes resolved credentials into the 0600 config file.
const noSecrets = async (id: string): Promise<Record<string, string>> => {
  throw new UsageError(`s3-credentials-secret ${id} can only be read inside Juju; give s3-access-key and s3-secret-key in the config file`);
};
import type { ActionDeps } from '../actions/run-action.ts';
import type { Naming } from '../config/naming.ts';

// What the scheduler command needs from the composition root.
type SchedulerDeps = Omit<ActionDeps, 'tools' | 'log' | 'place' | 'charm' | 'naming'>;

// `etcd-agent schedule`: takes scheduled snapshots in the foreground until SIGTERM or SIGINT; returns the exit code.
// naming: how option messages name options (the CLI's words).
export const runScheduleCommand = async (config: Record<string, unknown>, charm: CharmFiles, deps: SchedulerDeps, unit: string | undefined, naming?: Naming): Promise<number> => {
  const log = createLogger(stderrSink, 'info');
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    log.info(`${signal} received; stopping (a running snapshot is interrupted and removed)`);
    stop.abort();
  };
  // process.on, not once: execa's signal-exit re-sends a signal nobody listens to, and a once-listener has already
  // removed itself when signal-exit counts the listeners, so the agent would be killed mid-snapshot.
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  // SIGUSR2: update-status left a catch-up request (SIGUSR1 would open Node's inspector). Listening from the start
  // keeps its default action, which ends the process, from firing; one that comes before the scheduler listens is
  // covered by the scheduler reading the request at start.
  let onCatchUp: (() => void) | undefined;
  const onRequest = (): void => {
    log.info('SIGUSR2 received: looking for a catch-up request');
    onCatchUp?.();
  };
  process.on('SIGUSR2', onRequest);
  const catchUps: CatchUpSignal = {
    subscribe(listener) {
      onCatchUp = listener;
      return () => void (onCatchUp = undefined);
    },
  };
  try {
    const normalized = normalizeConfig(config, charm.options, naming);
    // The scheduler checks its schedules too, in Juju's words; checked here first, they are refused in the CLI's.
    if (normalized.snapshotSchedule) validateSchedule(normalized.snapshotSchedule, normalized.snapshotTimezone, 'snapshot-schedule', naming);
    if (normalized.verifySchedule) validateSchedule(normalized.verifySchedule, normalized.snapshotTimezone, 'verify-schedule', naming);
    const name = unit ?? hostname();
    const stores = deps.makeStores(normalized, { secretGet: noSecrets }, name, (m) => log.warn(m));
    const parts = { etcd: deps.makeEtcd(normalized), lock: await deps.makeLock(normalized), service: deps.service };
    await runScheduler({ ...parts, clock: deps.clock, log, unit: name, stores, runner: deps.runner, codecs: deps.codecs }, normalized, stop.signal, catchUps);
    return 0;
  } catch (error) {
    log.error(oneLine(error));
    return error instanceof UsageError ? 2 : 1;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    process.off('SIGUSR2', onRequest);
    await log.flush();
  }
};
