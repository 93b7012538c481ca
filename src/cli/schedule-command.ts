import { hostname } from 'node:os';
import type { CharmFiles } from '../charm/charm-files.ts';
import { normalizeConfig } from '../config/normalize-config.ts';
import { UsageError, oneLine } from '../errors/agent-error.ts';
import { createLogger, stderrSink } from '../log/logger.ts';
import { runScheduler } from '../schedule/scheduler.ts';
import type { LocalDeps } from './local-main.ts';

// `etcd-agent schedule`: takes scheduled snapshots in the foreground until SIGTERM or SIGINT; returns the exit code.
export const runScheduleCommand = async (config: Record<string, unknown>, charm: CharmFiles, deps: LocalDeps, unit: string | undefined): Promise<number> => {
  const log = createLogger(stderrSink, 'info');
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    log.info(`${signal} received; stopping (a running snapshot is interrupted and removed)`);
    stop.abort();
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  try {
    const normalized = normalizeConfig(config, charm.options);
    await runScheduler({ etcd: deps.makeEtcd(normalized), clock: deps.clock, log, unit: unit ?? hostname() }, normalized, stop.signal);
    return 0;
  } catch (error) {
    log.error(oneLine(error));
    return error instanceof UsageError ? 2 : 1;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    await log.flush();
  }
};
