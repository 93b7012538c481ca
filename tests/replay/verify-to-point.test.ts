import t from 'tap';
import { runAgent } from '../support/cli/run-agent.ts';
import { keyspaceAt } from '../support/etcd/keyspace.ts';
import { SYSTEMCTL_DIR } from '../support/etcd/service.ts';
import { listDir } from '../support/files/dirs.ts';
import { pointFixture } from './point-fixture.ts';

// verify-snapshot to a point (a drill: throwaway etcd only), and the CLI's --to-time / --to-revision: parsed, refused
// with exit 2 when bad, and a real restore to a time outside Juju.

type Results = { verify: Record<string, string> };

const f = await pointFixture(t, { steps: 90, perSegment: 40 });
const { unit } = f;
const mid = Math.floor((f.base.revision + f.last) / 2);
// The unit's config as CLI flags (what an operator outside Juju passes).
const flags = Object.entries(unit.config).filter(([, v]) => v !== '').flatMap(([k, v]) => [`--${k}`, String(v)]);
const env = { SYSTEMCTL_SIM_DIR: unit.service.simDir, PATH: `${SYSTEMCTL_DIR}:${process.env.PATH ?? ''}` };

t.test('verify-snapshot to-revision: a drill in a throwaway etcd; the running member is never touched', async (t) => {
  const calls = await unit.systemctlCalls();
  const keys = await keyspaceAt(unit.etcd.endpoint);
  const run = await unit.run('verify-snapshot', { 'to-revision': mid });
  t.equal(run.status, 'completed', run.message ?? '');
  const results = (run.results as Results).verify;
  t.equal(results.ok, 'true');
  t.equal(results['to-revision'], String(mid));
  t.equal(results.revision, String(mid));
  t.equal(results['live-revision'], String(mid));
  t.equal(results['key-count'], String(f.oracle.get(mid)?.length ?? (await keyspaceAt(unit.etcd.endpoint, mid)).length));
  t.equal(results['events-applied'], String(f.events.filter((e) => e.revision <= mid).length));
  t.equal(results['to-time'], f.events.filter((e) => e.revision === mid).at(-1)!.time);
  t.equal(results.source, f.basePath);
  t.equal(await unit.systemctlCalls(), calls, 'no systemctl call');
  t.strictSame(await keyspaceAt(unit.etcd.endpoint), keys, 'the running member serves what it did');
});

t.test('verify-snapshot to-time before the base: refused with the window, verify.ok false', async (t) => {
  const early = new Date(Date.parse(f.base.created) - 60_000).toISOString();
  const run = await unit.run('verify-snapshot', { 'to-time': early });
  t.equal(run.status, 'failed');
  t.equal(run.message, `to-time ${early} is not recoverable: the recoverable window is ${f.base.created} (revision ${f.base.revision}) to ${f.segments.at(-1)!.manifest.lastEventTime} (revision ${f.last}); the nearest recoverable point is revision ${f.base.revision} (${f.base.created})`);
  t.equal((run.results as Results).verify.ok, 'false');
});

t.test('source names the base to start from: its name or its path in snapshot-dir; anything else is refused', async (t) => {
  const named = await unit.run('verify-snapshot', { 'to-revision': mid, source: f.base.name });
  t.equal(named.status, 'completed', named.message ?? '');
  t.equal((named.results as Results).verify.base, f.base.name);
  const byPath = await unit.run('verify-snapshot', { 'to-revision': mid, source: f.basePath });
  t.equal(byPath.status, 'completed', byPath.message ?? '');
  const elsewhere = '/var/tmp/etcd-snapshot-2026-01-01-00.00.00.tar.gz';
  const refused = await unit.run('verify-snapshot', { 'to-revision': mid, source: elsewhere });
  t.equal(refused.status, 'failed');
  t.equal(refused.message, `source ${elsewhere} is not a full snapshot in ${unit.snapshotDir} a replay can start from (there: ${f.base.name}); with to-revision, leave source empty to use the newest one at or before it`);
});

t.test('CLI: verify --to-revision prints the point; bad values exit 2 naming the flag and value', async (t) => {
  const ok = await runAgent(['verify', '--to-revision', String(mid), '-o', 'json', ...flags], env);
  t.equal(ok.exitCode, 0, ok.stderr);
  const printed = JSON.parse(ok.stdout) as Results;
  t.equal(printed.verify['to-revision'], String(mid));
  t.equal(printed.verify.ok, 'true');
  const calls = await unit.systemctlCalls();
  const cases: [string[], string][] = [
    [['verify', '--to-revision', 'abc'], 'error: verify: invalid --to-revision abc: must be integer'],
    [['verify', '--to-revision', '0'], 'error: verify: invalid --to-revision 0: must be >= 1'],
    [['restore', '--to-time', '2026-12-01 14:31'], 'error: invalid --to-time "2026-12-01 14:31": must be an RFC 3339 time in UTC such as 2026-12-01T14:31:00Z (fractional seconds allowed, the offset written Z)'],
    [['restore', '--to-time', '2026-12-01T14:31:00Z', '--to-revision', '7'], 'error: --to-time 2026-12-01T14:31:00Z and --to-revision 7 were both given: pass at most one of --to-time and --to-revision'],
  ];
  for (const [args, line] of cases) {
    const run = await runAgent([...args, ...flags], env);
    t.equal(run.exitCode, 2, args.join(' '));
    t.equal(run.stderr.split('\n')[0], line, args.join(' '));
  }
  t.equal(await unit.systemctlCalls(), calls, 'nothing was stopped');
});

t.test('CLI: restore --to-time restores the keyspace of that moment, without --source', async (t) => {
  const files = await listDir(unit.etcd.dataDir);
  t.ok(files.length > 0);
  const run = await runAgent(['restore', '--to-time', f.between.time, '--skip-backup', '-o', 'json', ...flags], env);
  t.equal(run.exitCode, 0, run.stderr);
  const printed = JSON.parse(run.stdout) as { restore: Record<string, string> };
  t.equal(printed.restore['to-revision'], String(f.between.before));
  t.strictSame(await keyspaceAt(unit.etcd.endpoint), f.oracle.get(f.between.before));
});
