// -o yaml|json|table: one result document in three shapes, on a real etcd's snapshots.
import t from 'tap';
import { join } from 'node:path';
import { parse } from 'yaml';
import { startEtcd } from '../support/etcd/server.ts';
import { runAgent } from '../support/cli/run-agent.ts';
import { tempDir } from '../support/files/dirs.ts';

const etcd = await startEtcd();
t.teardown(() => etcd.cleanup());
await etcd.put('/registry/namespaces/default', '{}');
const work = await tempDir(t, 'cli-output');
const snaps = join(work, 'snaps');
const common = ['--etcd-endpoints', etcd.endpoint, '--etcdctl-path', '/usr/bin/etcdctl', '--etcd-data-dir', join(work, 'data')];

interface SnapshotDoc {
  snapshot: { path: string; sha256: string };
}

t.test('snapshot -o json prints the document YAML would, as JSON; -o table as KEY VALUE rows', async (t) => {
  const run = await runAgent(['snapshot', '-o', 'json', '--target', snaps, ...common]);
  t.equal(run.exitCode, 0, run.stderr);
  const doc = JSON.parse(run.stdout) as SnapshotDoc & Record<string, unknown>;
  t.equal(doc.snapshot.path.startsWith(`${snaps}/etcd-snapshot-`), true);
  const table = await runAgent(['snapshot', '--output', 'table', '--target', snaps, ...common]);
  t.equal(table.exitCode, 0, table.stderr);
  const rows = table.stdout.trimEnd().split('\n').map((line) => line.split(/\s{2,}/));
  t.strictSame(rows[0], ['KEY', 'VALUE']);
  const values = Object.fromEntries(rows.slice(1).map(([key, value]) => [key, value]));
  t.equal(values['snapshot.path']?.startsWith(`${snaps}/etcd-snapshot-`), true, 'dotted keys, one a row');
  t.strictSame(Object.keys(values), Object.keys(values).sort(), 'in key order');
  t.match(values['snapshot.sha256'], /^[0-9a-f]{64}$/);
});

t.test('list: yaml (the default), json and table show the same snapshots', async (t) => {
  const args = ['list', '--snapshot-dir', snaps, '--etcd-data-dir', join(work, 'data')];
  const [yaml, json, table] = await Promise.all([runAgent(args), runAgent([...args, '-o', 'json']), runAgent([...args, '-o', 'table'])]);
  for (const run of [yaml, json, table]) t.equal(run.exitCode, 0, run.stderr);
  type ListDoc = { count: string; snapshots: Record<string, Record<string, string>> };
  const doc = parse(yaml.stdout) as ListDoc;
  t.strictSame(JSON.parse(json.stdout), doc, 'json is the same nested document');
  t.equal(doc.count, '2');
  const lines = table.stdout.trimEnd().split('\n');
  t.strictSame(lines[0]!.split(/\s+/), ['NAME', 'LOCATION', 'SIZE', 'CREATED', 'TRIGGER', 'REVISION']);
  t.strictSame(
    lines.slice(1).map((line) => line.split(/\s+/)),
    Object.values(doc.snapshots).map((s) => [s.name, s.location, s.size, s.created, s.trigger, s.revision]),
    'one row per snapshot, newest first',
  );
  t.equal(Object.values(doc.snapshots)[0]!.trigger, 'manual');
});

t.test('ETCD_AGENT_OUTPUT sets the format; a flag wins; a bad one is named as the variable', async (t) => {
  const args = ['list', '--snapshot-dir', snaps, '--etcd-data-dir', join(work, 'data')];
  const json = await runAgent(args, { ETCD_AGENT_OUTPUT: 'json' });
  t.equal((JSON.parse(json.stdout) as { count: string }).count, '2');
  const yaml = await runAgent([...args, '-o', 'yaml'], { ETCD_AGENT_OUTPUT: 'json' });
  t.equal((parse(yaml.stdout) as { count: string }).count, '2');
  t.equal(yaml.stdout.startsWith('count: "2"\n'), true);
  const bad = await runAgent(args, { ETCD_AGENT_OUTPUT: 'xml' });
  t.strictSame({ exitCode: bad.exitCode, first: bad.stderr.split('\n')[0] }, { exitCode: 2, first: 'error: invalid ETCD_AGENT_OUTPUT "xml": use yaml, json or table' });
});
