import type { CharmFiles } from '../charm/charm-files.ts';
import type { Clock } from '../clock/clock.ts';
import type { Naming } from '../config/naming.ts';
import { normalizeConfig } from '../config/normalize-config.ts';
import { UsageError, oneLine } from '../errors/agent-error.ts';
import { readMetricInputs, recordedSchedulerAlive } from '../metrics/metric-inputs.ts';
import { inputSource, renderInputs } from '../metrics/scheduler-metrics.ts';

// `etcd-agent metrics`: prints the metrics once in Prometheus text format (for node-exporter's textfile
// collector), from the state file in snapshot-dir; scheduler_up says whether the pid it records is alive.
export const runMetricsCommand = async (config: Record<string, unknown>, charm: CharmFiles, clock: Clock, naming?: Naming): Promise<number> => {
  try {
    const normalized = normalizeConfig(config, charm.options, naming);
    const { text } = await renderInputs(await readMetricInputs(inputSource(normalized), clock.now(), recordedSchedulerAlive));
    process.stdout.write(text);
    return 0;
  } catch (error) {
    process.stderr.write(`error: ${oneLine(error)}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
};
