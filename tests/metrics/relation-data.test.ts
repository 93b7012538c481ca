import t from 'tap';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { parse } from 'yaml';
import { Ajv } from 'ajv';
import { tempDir } from '../support/files/dirs.ts';
import { cosAgentData, prometheusScrapeData, type ObservabilityInputs } from '../../src/observability/relation-data.ts';
import type { AlertRuleGroups } from '../../src/observability/alert-rules.ts';
import { encodeDashboards } from '../../scripts/pack/encode-dashboards.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RULES = parse(await readFile(join(ROOT, 'src/prometheus_alert_rules/etcd-agent.rules'), 'utf8')) as AlertRuleGroups;
const DASHBOARD = await readFile(join(ROOT, 'src/grafana_dashboards/etcd-agent.json'), 'utf8');
const topology = { model: 'prod', modelUuid: 'c2e9f4d5-dcb3-4870-8509-330eb9745ee8', application: 'etcd', unit: 'etcd/0', charmName: 'etcd' };
const inputs: ObservabilityInputs = { topology, address: '10.0.0.5', port: 9494, rules: RULES, dashboards: await encodeDashboards(ROOT) };
const SCOPE = 'juju_model="prod",juju_model_uuid="c2e9f4d5-dcb3-4870-8509-330eb9745ee8",juju_application="etcd"';
const LABELS = { juju_model: 'prod', juju_model_uuid: 'c2e9f4d5-dcb3-4870-8509-330eb9745ee8', juju_application: 'etcd', juju_charm: 'etcd' };

// What the prometheus_scrape interface requires of a provider (charm-relation-interfaces, prometheus_scrape/v0):
// written here from its schema's required fields and types.
const rule = { type: 'object', required: ['alert', 'expr', 'for', 'labels', 'annotations'], properties: { alert: { type: 'string' }, expr: { type: 'string' }, for: { type: 'string' }, labels: { type: 'object', additionalProperties: { type: 'string' } }, annotations: { type: 'object', additionalProperties: { type: 'string' } } } };
const rules = { type: 'object', required: ['groups'], properties: { groups: { type: 'array', items: { type: 'object', required: ['name', 'rules'], properties: { name: { type: 'string' }, rules: { type: 'array', items: rule } } } } } };
const scrapeSchema = {
  type: 'object',
  required: ['app', 'unit'],
  properties: {
    app: {
      type: 'object',
      required: ['alert_rules', 'scrape_jobs', 'scrape_metadata'],
      properties: {
        alert_rules: rules,
        scrape_jobs: { type: 'array', items: { type: 'object', required: ['metrics_path', 'static_configs'], properties: { job_name: { type: 'string' }, metrics_path: { type: 'string' }, static_configs: { type: 'array', items: { type: 'object', required: ['targets'], properties: { targets: { type: 'array', items: { type: 'string' } } } } } } } },
        scrape_metadata: { type: 'object', required: ['model', 'model_uuid', 'application', 'unit', 'charm_name'], properties: Object.fromEntries(['model', 'model_uuid', 'application', 'unit', 'charm_name'].map((k) => [k, { type: 'string' }])) },
      },
    },
    unit: { type: 'object', required: ['prometheus_scrape_unit_address', 'prometheus_scrape_unit_name'], properties: { prometheus_scrape_unit_address: { type: 'string' }, prometheus_scrape_unit_name: { type: 'string' } } },
  },
};
// What COSAgentProvider writes in the unit databag's `config` (CosAgentProviderUnitData of charms.grafana_agent.v0.cos_agent).
const cosAgentSchema = {
  type: 'object',
  required: ['metrics_alert_rules', 'log_alert_rules', 'dashboards', 'metrics_scrape_jobs', 'log_slots'],
  properties: { metrics_alert_rules: rules, log_alert_rules: { type: 'object' }, dashboards: { type: 'array', items: { type: 'string' } }, metrics_scrape_jobs: { type: 'array', items: { type: 'object' } }, log_slots: { type: 'array', items: { type: 'string' } } },
};

// Every value of a databag is a string; the JSON ones parsed.
const parsed = (bag: Record<string, string>, json: string[]): Record<string, unknown> => Object.fromEntries(Object.entries(bag).map(([k, v]) => [k, json.includes(k) ? JSON.parse(v) : v]));

t.test('metrics-endpoint (prometheus_scrape): the databags the interface schema requires, with exact values', async (t) => {
  const data = prometheusScrapeData(inputs);
  const app = parsed(data.app, ['alert_rules', 'scrape_jobs', 'scrape_metadata']);
  const validate = new Ajv({ allErrors: true, strict: false }).compile(scrapeSchema);
  t.equal(validate({ app, unit: data.unit }), true, JSON.stringify(validate.errors));
  t.strictSame(app.scrape_metadata, { model: 'prod', model_uuid: 'c2e9f4d5-dcb3-4870-8509-330eb9745ee8', application: 'etcd', unit: 'etcd/0', charm_name: 'etcd' });
  t.strictSame(app.scrape_jobs, [{ job_name: 'etcd_agent', metrics_path: '/metrics', static_configs: [{ targets: ['*:9494'] }] }]);
  t.strictSame(data.unit, { prometheus_scrape_unit_address: '10.0.0.5', prometheus_scrape_unit_name: 'etcd/0' });
  const groups = (app.alert_rules as AlertRuleGroups).groups;
  t.strictSame(groups.map((g) => g.name), ['prod_c2e9f4d5_etcd_etcd-agent-backups_alerts']);
  t.strictSame(groups[0]!.rules.map((r) => [r.alert, r.for, r.labels]), [
    ['EtcdBackupSnapshotStale', '5m', { severity: 'critical', ...LABELS }],
    ['EtcdBackupRestoreDrillFailed', '0m', { severity: 'warning', ...LABELS }],
    ['EtcdBackupUploadsFailing', '1h', { severity: 'critical', ...LABELS }],
    ['EtcdBackupSchedulerDown', '5m', { severity: 'critical', ...LABELS }],
    ['EtcdBackupRecoveryPointStale', '1m', { severity: 'critical', ...LABELS }],
  ]);
  t.equal(groups[0]!.rules[4]!.expr, `etcd_agent_recoverable_age_seconds{${SCOPE}} > 300`);
  t.equal(groups[0]!.rules[3]!.expr, `etcd_agent_scheduler_up{${SCOPE}} == 0 or up{${SCOPE}} == 0`);
  t.equal(groups[0]!.rules[0]!.expr, `time() - etcd_agent_snapshot_last_success_timestamp_seconds{${SCOPE}} > 2 * etcd_agent_snapshot_schedule_period_seconds{${SCOPE}}`);
  t.strictSame(groups[0]!.rules.map((r) => r.annotations), RULES.groups[0]!.rules.map((r) => r.annotations), 'summaries and descriptions as shipped');
});

t.test('the scoped rules are valid (promtool check rules) and fire for this application only (promtool test rules)', async (t) => {
  const dir = await tempDir(t, 'scoped-rules');
  // JSON is YAML: the app databag's alert_rules is a rule file as it stands.
  await writeFile(join(dir, 'scoped.rules'), prometheusScrapeData(inputs).app.alert_rules!);
  const check = await execa('promtool', ['check', 'rules', join(dir, 'scoped.rules')], { reject: false, all: true });
  t.equal(check.exitCode, 0, check.all);
  const mine = '{juju_model="prod", juju_model_uuid="c2e9f4d5-dcb3-4870-8509-330eb9745ee8", juju_application="etcd", juju_unit="etcd/0"}';
  const other = '{juju_model="prod", juju_model_uuid="c2e9f4d5-dcb3-4870-8509-330eb9745ee8", juju_application="vault", juju_unit="vault/0"}';
  const cases = {
    rule_files: ['scoped.rules'],
    evaluation_interval: '1m',
    tests: [{
      interval: '1m',
      input_series: [{ series: `up${mine}`, values: '0x10' }, { series: `up${other}`, values: '0x10' }],
      alert_rule_test: [{
        eval_time: '6m',
        alertname: 'EtcdBackupSchedulerDown',
        exp_alerts: [{
          exp_labels: { ...LABELS, juju_unit: 'etcd/0', severity: 'critical' },
          exp_annotations: { summary: 'The backup scheduler of etcd unit etcd/0 is not running', description: RULES.groups[0]!.rules[3]!.annotations!.description!.replaceAll('{{ $labels.juju_unit }}', 'etcd/0') },
        }],
      }],
    }],
  };
  await writeFile(join(dir, 'cases.yml'), JSON.stringify(cases));
  const test = await execa('promtool', ['test', 'rules', join(dir, 'cases.yml')], { reject: false, all: true });
  t.equal(test.exitCode, 0, test.all);
  t.equal(test.all, `Unit Testing:  ${join(dir, 'cases.yml')}\n  SUCCESS\n`, 'vault/0 being down fires nothing of etcd\'s');
});

t.test('cos-agent (cos_agent): one `config` key in the unit databag, the dashboards LZMA+base64 as the library decodes them', async (t) => {
  const data = cosAgentData(inputs);
  t.strictSame(data.app, {}, 'a subordinate relation: unit data only');
  t.strictSame(Object.keys(data.unit), ['config']);
  const config = JSON.parse(data.unit.config!) as Record<string, unknown>;
  const validate = new Ajv({ allErrors: true, strict: false }).compile(cosAgentSchema);
  t.equal(validate(config), true, JSON.stringify(validate.errors));
  t.strictSame(config.metrics_scrape_jobs, [{ job_name: 'etcd_0_etcd_agent', metrics_path: '/metrics', static_configs: [{ targets: ['localhost:9494'] }] }]);
  t.strictSame(config.metrics_alert_rules, JSON.parse(prometheusScrapeData(inputs).app.alert_rules!), 'the same scoped rules as metrics-endpoint');
  t.strictSame(config.log_alert_rules, {});
  t.strictSame(config.log_slots, []);
  const dashboards = config.dashboards as string[];
  t.equal(dashboards.length, 1);
  // cosl's GrafanaDashboard._deserialize: lzma.decompress(base64.b64decode(...)).
  const decoded = await execa('python3', ['-c', 'import base64, lzma, sys; sys.stdout.write(lzma.decompress(base64.b64decode(sys.stdin.read())).decode())'], { input: dashboards[0] });
  t.equal(decoded.stdout, DASHBOARD.trimEnd(), 'Python\'s lzma reads back the dashboard byte for byte');
});
