// The CLI in an SRE's shell: ETCDCTL_* variables exported for other work must not reach the agent's etcdctl, and two
// snapshots started together into one target both succeed.
import t from 'tap';
import { execa } from 'execa';
import { execFileSync } from 'node:child_process';
import { basename, join } from 'node:path';
import { parse } from 'yaml';
import { startEtcd } from '../support/etcd/server.ts';
import { CHARM_DIR } from '../support/juju/charm-run.ts';
import { listDir, tempDir } from '../support/files/dirs.ts';

const BIN = join(CHARM_DIR, 'bin', 'etcd-agent');

// What an operator's shell might export: a dead endpoint, the v2 API, a dial timeout that etcdctl refuses beside
// --dial-timeout ("conflicting environment variable").
const HOSTILE = { ETCDCTL_ENDPOINTS: 'http://127.0.0.1:1', ETCDCTL_API: '2', ETCDCTL_DIAL_TIMEOUT: '1s' };

const etcd = await startEtcd();
t.teardown(() => etcd.cleanup());
await etcd.put('/registry/namespaces/default', '{}');

// Runs `etcd-agent snapshot` into target with the hostile variables in its environment. --etcd-data-dir points the
// unit lock at a directory of this test's own (the lock lives beside the data dir).
const snapshot = (target: string, lockDir: string) =>
  execa(BIN, ['snapshot', '--etcd-endpoints', etcd.endpoint, '--etcdctl-path', '/usr/bin/etcdctl', '--etcd-data-dir', join(lockDir, 'data'), '--target', target], {
    reject: false,
    env: { NODE_OPTIONS: '', ...HOSTILE },
  });

interface SnapshotDoc {
  snapshot: { path: string; sha256: string };
}

const sha256sum = (file: string): string => execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0] ?? '';

t.test('each variable alone breaks etcdctl: the control', async (t) => {
  const cases: [Record<string, string>, string][] = [
    [{ ETCDCTL_ENDPOINTS: HOSTILE.ETCDCTL_ENDPOINTS }, 'conflicting environment variable "ETCDCTL_ENDPOINTS" is shadowed by corresponding command-line flag'],
    [{ ETCDCTL_DIAL_TIMEOUT: HOSTILE.ETCDCTL_DIAL_TIMEOUT }, 'conflicting environment variable "ETCDCTL_DIAL_TIMEOUT" is shadowed by corresponding command-line flag'],
    [{ ETCDCTL_API: HOSTILE.ETCDCTL_API }, 'flag provided but not defined: -dial-timeout'],
  ];
  for (const [env, says] of cases) {
    const dir = await tempDir(t, 'etcdctl-env-control');
    const run = await execa('/usr/bin/etcdctl', [`--endpoints=${etcd.endpoint}`, '--dial-timeout=5s', 'snapshot', 'save', join(dir, 'db')], {
      reject: false,
      env: { ETCDCTL_API: '3', ...env },
    });
    const name = Object.keys(env).join();
    t.not(run.exitCode, 0, `${name}: etcdctl fails`);
    t.ok(run.stderr.includes(says), `${name}: etcdctl says ${says}`);
    t.strictSame(await listDir(dir), [], `${name}: and saves nothing`);
  }
});

t.test('ETCDCTL_ENDPOINTS, ETCDCTL_API=2 and ETCDCTL_DIAL_TIMEOUT in the environment: the snapshot still succeeds', async (t) => {
  const target = await tempDir(t, 'etcdctl-env-snap');
  const lockDir = await tempDir(t, 'etcdctl-env-lock');
  const run = await snapshot(target, lockDir);
  t.equal(run.exitCode, 0, `exit 0 (stderr: ${run.stderr.trim()})`);
  const doc = parse(run.stdout) as SnapshotDoc;
  const name = basename(doc.snapshot.path);
  t.equal(doc.snapshot.path, join(target, name));
  t.strictSame(await listDir(target), [name, `${name}.sha256`]);
  t.equal(doc.snapshot.sha256, sha256sum(doc.snapshot.path));
  t.strictSame(execFileSync('tar', ['tf', doc.snapshot.path], { encoding: 'utf8' }).split('\n').filter(Boolean).sort(), ['db', 'etcd-snapshot.json']);
  const manifest = JSON.parse(execFileSync('tar', ['xOf', doc.snapshot.path, 'etcd-snapshot.json'], { encoding: 'utf8' })) as { endpoint: string; totalKeys: number };
  t.equal(manifest.endpoint, etcd.endpoint, 'saved from the --etcd-endpoints etcd, not ETCDCTL_ENDPOINTS');
});

t.test('two snapshots started at the same time into one target: both succeed, two archives', async (t) => {
  const target = await tempDir(t, 'etcdctl-env-twice');
  const lockDir = await tempDir(t, 'etcdctl-env-twice-lock');
  const [first, second] = await Promise.all([snapshot(target, lockDir), snapshot(target, lockDir)]);
  t.equal(first.exitCode, 0, `first exits 0 (stderr: ${first.stderr.trim()})`);
  t.equal(second.exitCode, 0, `second exits 0 (stderr: ${second.stderr.trim()})`);
  const paths = [first, second].map((run) => (parse(run.stdout) as SnapshotDoc).snapshot.path);
  t.not(paths[0], paths[1], 'two different archives');
  const names = paths.map((path) => basename(path)).sort();
  t.strictSame(await listDir(target), names.flatMap((name) => [name, `${name}.sha256`]).sort(), 'both kept, with their checksum files, nothing else');
  for (const path of paths) {
    t.equal(execFileSync('sha256sum', ['-c', `${basename(path)}.sha256`], { cwd: target, encoding: 'utf8' }).trim(), `${basename(path)}: OK`);
  }
});
