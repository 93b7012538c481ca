import t from 'tap';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { tempDir } from '../support/files/dirs.ts';
import { agentRegistry } from '../../src/metrics/agent-registry.ts';
import type { ScheduleState } from '../../src/state/schedule-state.ts';

const DASHBOARD = fileURLToPath(new URL('../../src/grafana_dashboards/etcd-agent.json', import.meta.url));

interface Target { refId: string; expr: string; legendFormat: string; datasource: { type: string; uid: string } }
interface Panel { id: number; type: string; title: string; gridPos: { x: number; y: number; w: number; h: number }; datasource: { type: string; uid: string }; targets: Target[] }

const dashboard = JSON.parse(await readFile(DASHBOARD, 'utf8')) as { title: string; uid: string; schemaVersion: number; panels: Panel[]; templating: { list: { name: string; type: string; query: string }[] } };

// Every series name the agent can export, from a registry with every input known (histograms with their suffixes).
const exported = async (): Promise<Set<string>> => {
  const at = '2026-12-01T12:00:00.000Z';
  const run = { started: at, finished: at, outcome: 'ok' as const, bytes: 1, revision: 1, remoteKept: 1 };
  const state: ScheduleState = {
    lastSuccess: run, lastFailure: { ...run, outcome: 'failed' }, lastDrillSuccess: { finished: at, outcome: 'ok' }, lastDrillFailure: { finished: at, outcome: 'failed' },
    lastUploadSuccess: at, lastUploadFailure: at, counts: { runs: { ok: 1 }, uploadFailures: 0, drillFailures: 0, durations: { scheduled: { counts: [1], sum: 1, count: 1 } } },
  };
  const registry = agentRegistry({ state, localKept: 1, remoteKept: 1, periodSeconds: 60, schedulerUp: true, recoverableAgeSeconds: 8 });
  const names = new Set<string>();
  for (const metric of await registry.getMetricsAsJSON()) {
    names.add(metric.name);
    if (String(metric.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${metric.name}${suffix}`);
  }
  return names;
};

t.test('the dashboard is a Grafana dashboard COS can load: title, uid, the prometheusds datasource variable, panels laid out', async (t) => {
  t.equal(dashboard.title, 'etcd backups (etcd-agent)');
  t.equal(dashboard.uid, 'etcd-agent-backups');
  t.ok(dashboard.schemaVersion >= 36, 'a current schema');
  t.strictSame(dashboard.templating.list.map((v) => [v.name, v.type, v.query]), [['prometheusds', 'datasource', 'prometheus']]);
  const ids = dashboard.panels.map((p) => p.id);
  t.equal(new Set(ids).size, ids.length, 'panel ids are unique');
  for (const panel of dashboard.panels) {
    t.ok(['stat', 'timeseries'].includes(panel.type), `${panel.title}: a known panel type`);
    t.strictSame(panel.datasource, { type: 'prometheus', uid: '${prometheusds}' }, `${panel.title}: the COS datasource`);
    t.ok(panel.gridPos.x + panel.gridPos.w <= 24 && panel.gridPos.w > 0 && panel.gridPos.h > 0, `${panel.title}: fits the 24-column grid`);
    t.ok(panel.targets.length > 0, `${panel.title}: has a query`);
    t.strictSame(panel.targets.map((q) => q.refId), panel.targets.map((_, i) => String.fromCharCode(65 + i)), `${panel.title}: refIds A, B, ...`);
  }
  t.strictSame(dashboard.panels.map((p) => p.title), [
    'Scheduler up', 'Last good snapshot, in schedule periods', 'Snapshots kept', 'Snapshot revision', 'Time since the last good snapshot',
    'Snapshot size', 'Snapshot duration', 'Scheduled runs by result', 'Uploads', 'Restore drills', 'Recoverable age (point-in-time)',
  ]);
});

t.test('every query names only metrics the agent exports, and the agent\'s metrics all appear', async (t) => {
  const names = await exported();
  const used = new Set<string>();
  for (const panel of dashboard.panels) {
    for (const target of panel.targets) {
      const found = target.expr.match(/\betcd_agent_\w+/g) ?? [];
      t.ok(found.length > 0, `${panel.title} ${target.refId}: names an agent metric`);
      for (const name of found) {
        t.ok(names.has(name), `${panel.title} ${target.refId}: ${name} is exported`);
        used.add(name);
      }
    }
  }
  const unused = [...names].filter((n) => !used.has(n) && !/_(bucket|sum|count)$/.test(n) && !used.has(`${n}_bucket`));
  t.strictSame(unused.sort(), ['etcd_agent_snapshot_last_failure_timestamp_seconds', 'etcd_agent_upload_last_failure_timestamp_seconds', 'etcd_agent_drill_last_failure_timestamp_seconds'].sort(), 'only the failure timestamps (alert inputs) are not drawn');
});

t.test('every query is valid PromQL: promtool checks them as recording rules', async (t) => {
  const dir = await tempDir(t, 'dashboard');
  const rules = dashboard.panels.flatMap((p) => p.targets.map((q, i) => ({ record: `dashboard:panel${p.id}:${i}`, expr: q.expr.replaceAll('$__rate_interval', '5m') })));
  await writeFile(join(dir, 'queries.rules'), JSON.stringify({ groups: [{ name: 'dashboard', rules }] }));
  const result = await execa('promtool', ['check', 'rules', join(dir, 'queries.rules')], { reject: false, all: true });
  t.equal(result.exitCode, 0, result.all);
  t.match(result.all, `SUCCESS: ${rules.length} rules found`);
});
