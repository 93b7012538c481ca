import type { Clock } from '../clock/clock.ts';
import type { AgentConfig } from '../config/agent-config.ts';
import type { Logger } from '../log/logger.ts';
import { readMetricInputs, type InputSource, type MetricInputs } from './metric-inputs.ts';
import { serveMetrics, type MetricsServer } from './metrics-server.ts';

// Where a config's metrics come from.
export const inputSource = (config: AgentConfig): InputSource => ({
  snapshotDir: config.snapshotDir,
  snapshotSchedule: config.snapshotSchedule,
  snapshotTimezone: config.snapshotTimezone,
  remoteConfigured: config.s3 !== undefined,
  captureOn: config.snapshotSchedule !== '' && config.deltaIntervalSeconds > 0,
});

// Renders the metrics of some inputs; prom-client is loaded here, on first use, never at start.
export const renderInputs = async (inputs: MetricInputs): Promise<{ text: string; contentType: string }> => (await import('./agent-registry.ts')).renderMetrics(inputs);

// The scheduler's metrics endpoint on metrics-address (nothing when it is empty). Every scrape reads the state file
// afresh, so it shows each run as soon as it is recorded; scheduler_up is 1 because this process is the scheduler.
export const startSchedulerMetrics = async (config: AgentConfig, deps: { log: Logger; clock: Clock }): Promise<MetricsServer> => {
  if (!config.metricsAddress) return { port: undefined, close: async () => undefined };
  const source = inputSource(config);
  return serveMetrics(config.metricsAddress, async () => renderInputs(await readMetricInputs(source, deps.clock.now(), () => true)), deps.log);
};
