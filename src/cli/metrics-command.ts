import type { Argv } from 'yargs';
import type { CharmFiles } from '../charm/charm-files.ts';
import type { Clock } from '../clock/clock.ts';
import { normalizeConfig } from '../config/normalize-config.ts';
import { UsageError, oneLine } from '../errors/agent-error.ts';
import { readMetricInputs, recordedSchedulerAlive } from '../metrics/metric-inputs.ts';
import { inputSource, renderInputs } from '../metrics/scheduler-metrics.ts';

// `etcd-agent metrics`: prints the metrics once in Prometheus text format (for node-exporter's textfile
// collector), from the state file in snapshot-dir; scheduler_up says whether the pid it records is alive.
export const runMetricsCommand = async (config: Record<string, unknown>, charm: CharmFiles, clock: Clock): Promise<number> => {
  try {
    const normalized = normalizeConfig(config, charm.options);
    const { text } = await renderInputs(await readMetricInputs(inputSource(normalized), clock.now(), recordedSchedulerAlive));
    process.stdout.write(text);
    return 0;
  } catch (error) {
    process.stderr.write(`error: ${oneLine(error)}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
};

// Adds the `metrics` command to the CLI; run() reads the config (file and flags) and sets the exit code.
export const addMetricsCommand = (cli: Argv, charm: CharmFiles, clock: Clock, readConfig: (argv: Record<string, unknown>) => Promise<Record<string, unknown>>, exit: (code: number) => void): void => {
  cli.command(
    'metrics',
    'Print the metrics once in Prometheus text format (from the state file in snapshot-dir), e.g. for the textfile collector',
    (y) => y,
    async (argv: Record<string, unknown>) => exit(await runMetricsCommand(await readConfig(argv), charm, clock)),
  );
};
