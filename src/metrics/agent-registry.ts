// prom-client is loaded only with this file: import it dynamically (hooks and most commands never need it).
import { Counter, Gauge, Registry, type Metric } from 'prom-client';
import { DURATION_BUCKETS, type DurationBuckets, type RunCounts } from '../state/schedule-state.ts';
import type { MetricInputs } from './metric-inputs.ts';

// The prefix of every metric the agent exports.
export const METRIC_PREFIX = 'etcd_agent_';

const seconds = (iso: string | undefined): number | undefined => {
  const ms = iso === undefined ? NaN : Date.parse(iso);
  return Number.isFinite(ms) ? ms / 1000 : undefined;
};

// The outcomes a scheduled run is counted under, each always exported (0 until it happens).
const RESULTS = ['ok', 'failed', 'interrupted', 'skipped'] as const;

// A gauge with one value, exported only when the value is known (an absent series, not a made-up 0).
const gauge = (registry: Registry, name: string, help: string, value: number | undefined): void => {
  if (value !== undefined) new Gauge({ name: `${METRIC_PREFIX}${name}`, help, registers: [registry] }).set(value);
};

const counter = (registry: Registry, name: string, help: string, value: number): void => {
  new Counter({ name: `${METRIC_PREFIX}${name}`, help, registers: [registry] }).inc(value);
};

// The histogram series of persisted buckets, in the shape prom-client's text format writes.
const histogramValues = (name: string, durations: RunCounts['durations']) =>
  Object.entries(durations).flatMap(([trigger, h]: [string, DurationBuckets | undefined]) => {
    if (!h) return [];
    let cumulative = 0;
    const buckets = [...DURATION_BUCKETS.map(String), '+Inf'].map((le, i) => {
      cumulative += h.counts[i] ?? 0;
      return { metricName: `${name}_bucket`, labels: { le, trigger }, value: cumulative };
    });
    return [...buckets, { metricName: `${name}_sum`, labels: { trigger }, value: h.sum }, { metricName: `${name}_count`, labels: { trigger }, value: h.count }];
  });

// A histogram whose buckets come from the state file (prom-client's Histogram only counts what this process saw).
const persistedHistogram = (name: string, help: string, durations: RunCounts['durations']): Metric => {
  const shape = { name, help, type: 'histogram', aggregator: 'sum', collect: () => undefined };
  return { ...shape, get: async () => ({ ...shape, values: histogramValues(name, durations) }) } as unknown as Metric;
};

// A fresh registry (never prom-client's global one) holding the agent's metrics as the inputs give them. No
// process metrics: a scrape is about backups, and the unit's node exporter already watches the host.
export const agentRegistry = (inputs: MetricInputs): Registry => {
  const registry = new Registry();
  const { state } = inputs;
  const counts = state.counts ?? { runs: {}, uploadFailures: 0, drillFailures: 0, durations: {} };
  const last = state.lastSuccess;
  gauge(registry, 'snapshot_last_success_timestamp_seconds', 'Unix time the last successful scheduled snapshot finished.', seconds(last?.finished));
  gauge(registry, 'snapshot_last_failure_timestamp_seconds', 'Unix time the last failed scheduled snapshot finished.', seconds(state.lastFailure?.finished));
  registry.registerMetric(persistedHistogram(`${METRIC_PREFIX}snapshot_duration_seconds`, 'Time successful scheduled snapshots took (snapshot, retention and upload), by trigger (scheduled or catch-up).', counts.durations));
  gauge(registry, 'snapshot_size_bytes', 'Size of the last successful scheduled snapshot archive.', last?.bytes);
  gauge(registry, 'snapshot_revision', 'etcd revision the last successful scheduled snapshot holds.', last?.revision);
  const runs = new Counter({ name: `${METRIC_PREFIX}snapshots_total`, help: 'Scheduled snapshot runs, by result (ok, failed, interrupted, skipped).', labelNames: ['result'], registers: [registry] });
  for (const result of RESULTS) runs.inc({ result }, counts.runs[result] ?? 0);
  counter(registry, 'upload_failures_total', 'Scheduled snapshots whose upload to the off-unit store failed.', counts.uploadFailures);
  gauge(registry, 'upload_last_success_timestamp_seconds', 'Unix time of the last upload to the off-unit store that succeeded.', seconds(state.lastUploadSuccess));
  gauge(registry, 'upload_last_failure_timestamp_seconds', 'Unix time of the last upload to the off-unit store that failed.', seconds(state.lastUploadFailure));
  gauge(registry, 'drill_last_success_timestamp_seconds', 'Unix time the last restore drill that passed finished.', seconds(state.lastDrillSuccess?.finished));
  gauge(registry, 'drill_last_failure_timestamp_seconds', 'Unix time the last restore drill that failed finished.', seconds(state.lastDrillFailure?.finished));
  counter(registry, 'drill_failures_total', 'Restore drills that failed.', counts.drillFailures);
  const kept = new Gauge({ name: `${METRIC_PREFIX}snapshots_kept`, help: 'Snapshot archives kept, by location (local: snapshot-dir now; s3: the off-unit store after the last run).', labelNames: ['location'], registers: [registry] });
  kept.set({ location: 'local' }, inputs.localKept);
  if (inputs.remoteKept !== undefined) kept.set({ location: 's3' }, inputs.remoteKept);
  gauge(registry, 'snapshot_schedule_period_seconds', 'Longest gap between two scheduled snapshots of snapshot-schedule.', inputs.periodSeconds);
  gauge(registry, 'recoverable_age_seconds', 'Seconds since the newest point the cluster can be restored to (point-in-time capture); absent when capture is off.', inputs.recoverableAgeSeconds);
  gauge(registry, 'scheduler_up', '1 when the scheduler service is running.', inputs.schedulerUp ? 1 : 0);
  return registry;
};

// The metrics as Prometheus text format, and its content type.
export const renderMetrics = async (inputs: MetricInputs): Promise<{ text: string; contentType: string }> => {
  const registry = agentRegistry(inputs);
  return { text: await registry.metrics(), contentType: registry.contentType };
};
