import t from 'tap';
import { execa } from 'execa';
import { startEtcd } from '../support/etcd/server.ts';
import { tempDir } from '../support/files/dirs.ts';
import { readState, spawnAgent, waitFor } from '../support/juju/agent-process.ts';
import { freePort } from '../support/net/ports.ts';
import { startS3 } from '../support/s3/server.ts';

const etcd = await startEtcd();
t.teardown(() => etcd.cleanup());
await etcd.put('/registry/namespaces/default', '{}');
const s3 = await startS3({ bucket: 'etcd-backups' });
t.teardown(() => s3.stop());

// The value of one sample line of a scrape, or undefined when the series is absent.
const sample = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};
const seconds = (iso: unknown): number => Date.parse(String(iso)) / 1000;

type State = { lastSuccess?: { finished: string }; lastFailure?: { finished: string }; lastUploadSuccess?: string; lastUploadFailure?: string; lastDrillSuccess?: { finished: string }; counts?: { runs: Record<string, number>; uploadFailures: number } };

t.test('a scrape shows the right values after snapshots, uploads, a drill, and uploads that fail', async (t) => {
  const dir = await tempDir(t, 'lifecycle');
  const port = await freePort();
  const agent = spawnAgent([
    'schedule', '--etcd-endpoints', etcd.endpoint, '--etcdctl-path', '/usr/bin/etcdctl', '--snapshot-dir', dir,
    '--snapshot-schedule', '*/2 * * * * *', '--snapshot-retention', '2', '--verify-schedule', '*/3 * * * * *', '--etcd-path', '/usr/bin/etcd',
    '--metrics-address', `127.0.0.1:${port}`,
    '--s3-endpoint', s3.endpoint, '--s3-bucket', 'etcd-backups', '--s3-force-path-style', '--s3-access-key', s3.accessKeyId,
    '--s3-secret-key', s3.secretAccessKey, '--s3-retries', '0', '--s3-allow-unencrypted',
  ]);
  t.teardown(() => void agent.kill('SIGKILL'));
  const scrape = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  // A scrape and the state file it was drawn from, once they agree (a run may land between the two reads).
  const consistent = async (ready: (s: State) => boolean) =>
    waitFor('a scrape matching the state file', async () => {
      const before = JSON.stringify(await readState(dir));
      const text = await scrape();
      const state = (await readState(dir)) as State;
      return ready(state) && JSON.stringify(state) === before ? { text, state } : undefined;
    }, 60_000);

  const good = await consistent((s) => (s.counts?.runs.ok ?? 0) >= 3 && s.lastDrillSuccess !== undefined && s.lastUploadSuccess !== undefined);
  t.equal(sample(good.text, 'etcd_agent_snapshot_last_success_timestamp_seconds'), seconds(good.state.lastSuccess?.finished));
  t.equal(sample(good.text, 'etcd_agent_upload_last_success_timestamp_seconds'), seconds(good.state.lastUploadSuccess));
  t.equal(sample(good.text, 'etcd_agent_drill_last_success_timestamp_seconds'), seconds(good.state.lastDrillSuccess?.finished));
  t.equal(sample(good.text, 'etcd_agent_snapshots_total{result="ok"}'), good.state.counts?.runs.ok);
  t.equal(sample(good.text, 'etcd_agent_upload_failures_total'), 0);
  t.equal(sample(good.text, 'etcd_agent_snapshots_kept{location="local"}'), 2, 'retention keeps 2 on the unit');
  t.equal(sample(good.text, 'etcd_agent_snapshots_kept{location="s3"}'), 2, 'and 2 in the bucket');
  t.equal(sample(good.text, 'etcd_agent_snapshot_schedule_period_seconds'), 2);
  t.equal(sample(good.text, 'etcd_agent_scheduler_up'), 1);

  await s3.kill();
  const failing = await consistent((s) => (s.counts?.uploadFailures ?? 0) >= 1);
  t.equal(sample(failing.text, 'etcd_agent_upload_failures_total'), failing.state.counts?.uploadFailures);
  t.equal(sample(failing.text, 'etcd_agent_upload_last_failure_timestamp_seconds'), seconds(failing.state.lastUploadFailure));
  t.equal(sample(failing.text, 'etcd_agent_snapshot_last_failure_timestamp_seconds'), seconds(failing.state.lastFailure?.finished));
  t.equal(sample(failing.text, 'etcd_agent_snapshots_total{result="failed"}'), failing.state.counts?.runs.failed);
  t.ok(seconds(failing.state.lastUploadFailure) > seconds(failing.state.lastUploadSuccess), 'the newest upload failed (what EtcdBackupUploadsFailing looks at)');
  const check = await execa('promtool', ['check', 'metrics'], { input: failing.text, reject: false, all: true });
  t.equal(check.exitCode, 0, check.all);
  await s3.start();

  agent.kill('SIGTERM');
  const result = await agent;
  t.equal(result.exitCode, 0, result.all);
});
