import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { normalizeConfig } from '../config/normalize-config.ts';
import { UsageError, oneLine } from '../errors/agent-error.ts';
import { loadYaml } from '../format/yaml.ts';
import type { AlertRuleGroups } from '../observability/alert-rules.ts';
import { cosAgentData, prometheusScrapeData, type ObservabilityInputs } from '../observability/relation-data.ts';
import type { HookContext } from './hook-context.ts';

// The relations COS reads the charm's metrics, alert rules and dashboards from.
export const METRICS_ENDPOINT = 'metrics-endpoint';
// The subordinate relation to grafana-agent (or opentelemetry-collector) on machine models.
export const COS_AGENT = 'cos-agent';

// Where the charm keeps its alert rules and the build its encoded dashboards, relative to the charm dir.
const RULES_DIR = 'src/prometheus_alert_rules';
const DASHBOARDS_FILE = 'dist/agent/cos-dashboards.json';

// Every rule file of the charm (*.rule, *.rules), their groups together.
const readRules = async (charmDir: string): Promise<AlertRuleGroups> => {
  const { parse } = await loadYaml();
  const dir = join(charmDir, RULES_DIR);
  const names = (await readdir(dir)).filter((n) => /\.rules?$/.test(n)).sort();
  const files = await Promise.all(names.map(async (n) => parse(await readFile(join(dir, n), 'utf8')) as AlertRuleGroups));
  return { groups: files.flatMap((f) => f.groups ?? []) };
};

// What this unit publishes, from its config, its place in Juju and the charm's files.
const inputsFor = async (context: HookContext, port: number | undefined): Promise<ObservabilityInputs> => {
  const juju = context.juju ?? { model: '', modelUuid: '', charmDir: process.cwd() };
  const { parse } = await loadYaml();
  const metadata = parse(await readFile(join(juju.charmDir, 'metadata.yaml'), 'utf8')) as { name?: string };
  const application = context.unit.split('/')[0] ?? context.unit;
  return {
    topology: { model: juju.model, modelUuid: juju.modelUuid, application, unit: context.unit, charmName: metadata.name ?? application },
    address: await context.tools.privateAddress(),
    port,
    rules: await readRules(juju.charmDir),
    dashboards: JSON.parse(await readFile(join(juju.charmDir, DASHBOARDS_FILE), 'utf8')) as string[],
  };
};

// Publishes the scrape job, alert rules and dashboards on every metrics-endpoint and cos-agent relation: unit data
// always, application data (prometheus_scrape's) from the leader. Does nothing without such a relation; with a bad
// config it waits (configure has set the unit blocked) until config-changed runs it again.
export const publishObservability = async (context: HookContext): Promise<void> => {
  const scrape = await context.tools.relationIds(METRICS_ENDPOINT);
  const agent = await context.tools.relationIds(COS_AGENT);
  if (scrape.length === 0 && agent.length === 0) return;
  let port: number | undefined;
  try {
    port = normalizeConfig(await context.tools.configGet(), context.charm.options).metricsAddress?.port;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    context.log.warn(`metrics relations not updated: ${oneLine(error)}`);
    return;
  }
  const inputs = await inputsFor(context, port);
  const leader = await context.tools.isLeader();
  for (const id of scrape) {
    const data = prometheusScrapeData(inputs);
    await context.tools.relationSet(id, data.unit);
    if (leader) await context.tools.relationSet(id, data.app, { app: true });
  }
  for (const id of agent) await context.tools.relationSet(id, cosAgentData(inputs).unit);
  const rules = inputs.rules.groups.reduce((n, g) => n + g.rules.length, 0);
  const job = port === undefined ? 'no scrape job (metrics-address is empty)' : `the scrape job on port ${port}`;
  context.log.info(`published ${job}, ${rules} alert rules and ${inputs.dashboards.length} dashboard(s) on ${[...scrape, ...agent].join(', ')}`);
};
