import t, { type Test } from 'tap';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { startEtcd } from '../support/etcd/server.ts';
import { SYSTEMCTL_DIR } from '../support/etcd/service.ts';
import { createJujuSim, runDispatch, type SimSetup } from '../support/juju/sim.ts';
import { CHARM_DIR, configFor } from '../support/juju/charm-run.ts';
import { tempDir } from '../support/files/dirs.ts';
import { cosAgentData, prometheusScrapeData, type ObservabilityInputs } from '../../src/observability/relation-data.ts';
import type { AlertRuleGroups } from '../../src/observability/alert-rules.ts';

const etcd = await startEtcd();
t.teardown(() => etcd.cleanup());

const RELATIONS = { 'metrics-endpoint': { 'metrics-endpoint:5': ['prometheus/0'] }, 'cos-agent': { 'cos-agent:6': ['grafana-agent/0'] } };
// What the unit should publish: the simulator's model, the unit's address, the charm's own rules and built dashboards.
const expected = async (port: number | undefined): Promise<ObservabilityInputs> => ({
  topology: { model: 'test', modelUuid: '1d2e3f40-5a6b-4c7d-8e9f-0a1b2c3d4e5f', application: 'etcd', unit: 'etcd/0', charmName: 'etcd' },
  address: '10.1.2.3',
  port,
  rules: parse(await readFile(join(CHARM_DIR, 'src/prometheus_alert_rules/etcd-agent.rules'), 'utf8')) as AlertRuleGroups,
  dashboards: JSON.parse(await readFile(join(CHARM_DIR, 'dist/agent/cos-dashboards.json'), 'utf8')) as string[],
});

// Runs a hook on a simulated unit with the two relations; returns the run and the relation data it wrote.
const relate = async (t: Test, hook: string, setup: SimSetup) => {
  const snapshots = await tempDir(t, 'relations');
  const juju = await createJujuSim({ relations: RELATIONS, address: '10.1.2.3', ...setup, config: configFor(etcd, { 'snapshot-dir': snapshots, ...setup.config }) });
  t.teardown(() => juju.cleanup());
  const run = await runDispatch(juju, { charmDir: CHARM_DIR, dispatchPath: `hooks/${hook}`, timeoutMs: 60_000 });
  const data = JSON.parse(await readFile(join(juju.dir, 'relation-data.json'), 'utf8').catch(() => '{}')) as Record<string, { app: Record<string, string>; unit: Record<string, string> }>;
  return { run, data };
};

t.test('the leader publishes the scrape job, metadata and rules on metrics-endpoint and the config on cos-agent', async (t) => {
  const { run, data } = await relate(t, 'metrics-endpoint-relation-joined', { leader: true, config: { 'metrics-address': '0.0.0.0:9494' } });
  t.equal(run.exitCode, 0, run.stderr);
  const inputs = await expected(9494);
  t.strictSame(data, {
    'metrics-endpoint:5': prometheusScrapeData(inputs),
    'cos-agent:6': { app: {}, unit: cosAgentData(inputs).unit },
  });
  t.strictSame(JSON.parse(data['metrics-endpoint:5']!.app.scrape_jobs!), [{ job_name: 'etcd_agent', metrics_path: '/metrics', static_configs: [{ targets: ['*:9494'] }] }]);
  t.ok(run.logs.some((l) => l.message === 'published the scrape job on port 9494, 5 alert rules and 1 dashboard(s) on metrics-endpoint:5, cos-agent:6'), JSON.stringify(run.logs));
});

t.test('a unit that is not the leader writes its own databags only; the application data is the leader\'s', async (t) => {
  const { run, data } = await relate(t, 'cos-agent-relation-changed', { leader: false, config: { 'metrics-address': '127.0.0.1:9595' } });
  t.equal(run.exitCode, 0, run.stderr);
  const inputs = await expected(9595);
  t.strictSame(data, {
    'metrics-endpoint:5': { app: {}, unit: prometheusScrapeData(inputs).unit },
    'cos-agent:6': { app: {}, unit: cosAgentData(inputs).unit },
  });
  t.equal(run.calls.filter((c) => c[0] === 'relation-set' && c.includes('--app')).length, 0, 'relation-set --app never called');
});

t.test('metrics-address empty: no scrape job is published, the rules and dashboards still are', async (t) => {
  const { run, data } = await relate(t, 'metrics-endpoint-relation-changed', { leader: true, config: { 'metrics-address': '' } });
  t.equal(run.exitCode, 0, run.stderr);
  t.equal(data['metrics-endpoint:5']!.app.scrape_jobs, '[]');
  t.strictSame(JSON.parse(data['cos-agent:6']!.unit.config!).metrics_scrape_jobs, []);
  t.equal(JSON.parse(data['cos-agent:6']!.unit.config!).dashboards.length, 1);
});

t.test('without the relations nothing is written', async (t) => {
  const { run, data } = await relate(t, 'leader-elected', { leader: true, relations: {} });
  t.equal(run.exitCode, 0, run.stderr);
  t.strictSame(data, {});
  t.equal(run.calls.filter((c) => c[0] === 'relation-set').length, 0);
});

t.test('config-changed publishes the new port: the scrape job follows metrics-address', async (t) => {
  // config-changed also writes the scheduler's unit, so it runs with the systemctl stand-in and a systemd dir of its own.
  const work = await tempDir(t, 'relations-config');
  await mkdir(join(work, 'systemctl'));
  const juju = await createJujuSim({ relations: RELATIONS, address: '10.1.2.3', leader: true, config: configFor(etcd, { 'snapshot-dir': join(work, 'snapshots'), 'snapshot-schedule': '', 'metrics-address': '0.0.0.0:9696' }) });
  t.teardown(() => juju.cleanup());
  const env = {
    SYSTEMCTL_SIM_DIR: join(work, 'systemctl'),
    SYSTEMCTL_UNIT_DIR: join(work, 'systemd'),
    ETCD_AGENT_SYSTEMD_DIR: join(work, 'systemd'),
    ETCD_AGENT_STATE_DIR: join(work, 'state'),
    PATH: `${SYSTEMCTL_DIR}:${juju.env().PATH}`,
  };
  const run = await runDispatch(juju, { charmDir: CHARM_DIR, dispatchPath: 'hooks/config-changed', env, timeoutMs: 60_000 });
  t.equal(run.exitCode, 0, run.stderr);
  const data = JSON.parse(await readFile(join(juju.dir, 'relation-data.json'), 'utf8')) as Record<string, { app: Record<string, string>; unit: Record<string, string> }>;
  t.strictSame(JSON.parse(data['metrics-endpoint:5']!.app.scrape_jobs!), [{ job_name: 'etcd_agent', metrics_path: '/metrics', static_configs: [{ targets: ['*:9696'] }] }]);
  t.strictSame(JSON.parse(data['cos-agent:6']!.unit.config!).metrics_scrape_jobs, [{ job_name: 'etcd_0_etcd_agent', metrics_path: '/metrics', static_configs: [{ targets: ['localhost:9696'] }] }]);
});
