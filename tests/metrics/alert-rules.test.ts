import t from 'tap';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { tempDir } from '../support/files/dirs.ts';

const RULES = fileURLToPath(new URL('../../src/prometheus_alert_rules/etcd-agent.rules', import.meta.url));
const CASES = fileURLToPath(new URL('./fixtures/alert-rules.test.yml', import.meta.url));

t.test('promtool check rules accepts the shipped rules: five alerts', async (t) => {
  const result = await execa('promtool', ['check', 'rules', RULES], { reject: false, all: true });
  t.equal(result.exitCode, 0, result.all);
  t.equal(result.all, `Checking ${RULES}\n  SUCCESS: 5 rules found\n`);
});

t.test('promtool test rules: each alert fires where it should and nowhere else', async (t) => {
  const result = await execa('promtool', ['test', 'rules', CASES], { reject: false, all: true });
  t.equal(result.exitCode, 0, result.all);
  t.equal(result.all, `Unit Testing:  ${CASES}\n  SUCCESS\n`);
});

t.test('the cases bite: with 3 periods instead of 2 the stale alert no longer fires when the cases say it must', async (t) => {
  const dir = await tempDir(t, 'rules');
  const rules = (await readFile(RULES, 'utf8')).replace('> 2 * etcd_agent_snapshot_schedule_period_seconds', '> 3 * etcd_agent_snapshot_schedule_period_seconds');
  await writeFile(join(dir, 'etcd-agent.rules'), rules);
  await writeFile(join(dir, 'cases.yml'), (await readFile(CASES, 'utf8')).replace('../../../src/prometheus_alert_rules/etcd-agent.rules', 'etcd-agent.rules'));
  const result = await execa('promtool', ['test', 'rules', join(dir, 'cases.yml')], { reject: false, all: true });
  t.equal(result.exitCode, 1);
  t.match(result.all, 'alertname: EtcdBackupSnapshotStale, time: 12h10m');
  t.notMatch(result.all, /alertname: EtcdBackup(RestoreDrillFailed|UploadsFailing|SchedulerDown|RecoveryPointStale)/, 'only the changed alert fails');
});

t.test('the cases bite: with a 10-minute threshold the recovery point alert no longer fires when the cases say it must', async (t) => {
  const dir = await tempDir(t, 'rules');
  const rules = (await readFile(RULES, 'utf8')).replace('etcd_agent_recoverable_age_seconds > 300', 'etcd_agent_recoverable_age_seconds > 600');
  t.not(rules, await readFile(RULES, 'utf8'), 'the threshold was changed');
  await writeFile(join(dir, 'etcd-agent.rules'), rules);
  await writeFile(join(dir, 'cases.yml'), (await readFile(CASES, 'utf8')).replace('../../../src/prometheus_alert_rules/etcd-agent.rules', 'etcd-agent.rules'));
  const result = await execa('promtool', ['test', 'rules', join(dir, 'cases.yml')], { reject: false, all: true });
  t.equal(result.exitCode, 1);
  t.match(result.all, 'alertname: EtcdBackupRecoveryPointStale, time: 6m');
  t.notMatch(result.all, /alertname: EtcdBackup(SnapshotStale|RestoreDrillFailed|UploadsFailing|SchedulerDown)/, 'only the changed alert fails');
});
