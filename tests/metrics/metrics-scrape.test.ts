import t from 'tap';
import { createServer } from 'node:net';
import { execa } from 'execa';
import { startEtcd } from '../support/etcd/server.ts';
import { tempDir } from '../support/files/dirs.ts';
import { readState, spawnAgent, waitFor } from '../support/juju/agent-process.ts';
import { freePort } from '../support/net/ports.ts';
import { tcpOpen } from '../support/net/tcp-open.ts';
import { startPrometheus } from '../support/prometheus/prometheus.ts';

const etcd = await startEtcd();
t.teardown(() => etcd.cleanup());
await etcd.put('/registry/namespaces/default', '{}');

// A six-field cron expression firing once a minute, a few seconds from now: one run, then a quiet minute.
const onceSoon = (): string => `${(new Date().getUTCSeconds() + 3) % 60} * * * * *`;

const scheduler = (dir: string, address: string, schedule: string) =>
  // No point-in-time capture: its own first snapshot would be the run these tests wait for.
  spawnAgent(['schedule', '--etcd-endpoints', etcd.endpoint, '--etcdctl-path', '/usr/bin/etcdctl', '--snapshot-dir', dir, '--snapshot-schedule', schedule, '--metrics-address', address, '--delta-interval', '0']);

const lastSuccess = (dir: string) => async () => {
  const finished = (await readState(dir))?.lastSuccess?.finished;
  return typeof finished === 'string' ? Date.parse(finished) / 1000 : undefined;
};

t.test('the scheduler serves /metrics (promtool accepts it, other paths 404) and a real Prometheus scraping it answers PromQL with the state file\'s value', async (t) => {
  const dir = await tempDir(t, 'scrape');
  const port = await freePort();
  const agent = scheduler(dir, `127.0.0.1:${port}`, onceSoon());
  t.teardown(() => void agent.kill('SIGKILL'));
  const prometheus = await startPrometheus(await tempDir(t, 'prometheus'), [`127.0.0.1:${port}`]);
  t.teardown(() => prometheus.stop());
  const expected = await waitFor('a good scheduled run', lastSuccess(dir));
  const scrape = await fetch(`http://127.0.0.1:${port}/metrics`);
  t.equal(scrape.status, 200);
  t.equal(scrape.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  const text = await scrape.text();
  t.match(text, `\netcd_agent_snapshot_last_success_timestamp_seconds ${expected}\n`);
  t.match(text, '\netcd_agent_scheduler_up 1\n');
  t.match(text, '\netcd_agent_snapshots_total{result="ok"} 1\n');
  t.match(text, '\netcd_agent_snapshots_kept{location="local"} 1\n');
  t.match(text, '\netcd_agent_snapshot_duration_seconds_count{trigger="scheduled"} 1\n');
  const check = await execa('promtool', ['check', 'metrics'], { input: text, reject: false, all: true });
  t.equal(check.exitCode, 0, check.all);
  t.equal(check.all, '');
  const other = await fetch(`http://127.0.0.1:${port}/`);
  t.equal(other.status, 404);
  t.equal(await other.text(), 'not found; metrics are at /metrics\n');
  const queried = await waitFor('Prometheus to have scraped the run', async () => {
    const value = await prometheus.queryOne('etcd_agent_snapshot_last_success_timestamp_seconds');
    return value === expected ? value : undefined;
  });
  t.equal(queried, expected, 'PromQL answers the last-success time the state file holds');
  t.equal(await prometheus.queryOne('up{job="etcd-agent"}'), 1);
  agent.kill('SIGTERM');
  const result = await agent;
  t.equal(result.exitCode, 0, result.all);
  t.match(result.all, `metrics served at http://127.0.0.1:${port}/metrics`);
  t.equal(await tcpOpen('127.0.0.1', port), false, 'the endpoint is closed once the scheduler stopped');
});

t.test('a metrics-address whose port is taken is one clear log line, and scheduled snapshots go on', async (t) => {
  const dir = await tempDir(t, 'scrape-busy');
  const holder = createServer();
  const port = await freePort();
  await new Promise<void>((resolve) => holder.listen({ host: '127.0.0.1', port }, resolve));
  t.teardown(() => new Promise((resolve) => holder.close(resolve)));
  const agent = scheduler(dir, `127.0.0.1:${port}`, '* * * * * *');
  t.teardown(() => void agent.kill('SIGKILL'));
  await waitFor('a good scheduled run', lastSuccess(dir));
  agent.kill('SIGTERM');
  const result = await agent;
  t.equal(result.exitCode, 0, result.all);
  const lines = String(result.all).split('\n').filter((l) => l.includes('metrics-address'));
  t.equal(lines.length, 1, result.all);
  t.match(lines[0], `metrics-address 127.0.0.1:${port} cannot be served (the port is in use); scheduled snapshots go on without a metrics endpoint: free the port or set metrics-address to another host:port (empty turns it off)`);
});

t.test('values survive a restart of the scheduler: a new one serves the totals the state file holds', async (t) => {
  const dir = await tempDir(t, 'scrape-restart');
  const first = scheduler(dir, '', '* * * * * *');
  t.teardown(() => void first.kill('SIGKILL'));
  await waitFor('two good runs', async () => ((((await readState(dir))?.counts as { runs?: { ok?: number } } | undefined)?.runs?.ok ?? 0) >= 2 ? true : undefined));
  first.kill('SIGTERM');
  t.equal((await first).exitCode, 0);
  const state = (await readState(dir)) as { counts: { runs: { ok: number } }; lastSuccess: { finished: string } };
  const port = await freePort();
  // A schedule that does not fire during the test: what is served is what the state file held.
  const second = scheduler(dir, `127.0.0.1:${port}`, '0 0 1 1 *');
  t.teardown(() => void second.kill('SIGKILL'));
  const text = await waitFor('the endpoint', async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
  t.match(text, `\netcd_agent_snapshots_total{result="ok"} ${state.counts.runs.ok}\n`);
  t.match(text, `\netcd_agent_snapshot_last_success_timestamp_seconds ${Date.parse(state.lastSuccess.finished) / 1000}\n`);
  t.match(text, `\netcd_agent_snapshot_duration_seconds_count{trigger="scheduled"} ${state.counts.runs.ok}\n`);
  second.kill('SIGTERM');
  t.equal((await second).exitCode, 0);
});
