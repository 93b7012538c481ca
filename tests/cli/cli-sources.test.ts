// Where the CLI reads options: flags > ETCD_AGENT_* > config file (--config-file, else the default one) > ETCDCTL_*
// > config.yaml's defaults; a bad value is named with where it came from.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { startEtcd } from '../support/etcd/server.ts';
import { runAgent } from '../support/cli/run-agent.ts';
import { tempDir } from '../support/files/dirs.ts';
import { readState, spawnAgent, waitFor } from '../support/juju/agent-process.ts';
import { freePort } from '../support/net/ports.ts';
import { tcpOpen } from '../support/net/tcp-open.ts';

// The retention `prune --dry-run` reports: which source won.
const retention = async (args: string[], env: Record<string, string> = {}): Promise<string> => {
  const run = await runAgent(['prune', '--dry-run', ...args], env);
  if (run.exitCode !== 0) throw new Error(`prune exited ${run.exitCode}: ${run.stderr}`);
  return (parse(run.stdout) as { retention: string }).retention;
};

t.test('flags win over ETCD_AGENT_*, which win over the config file, which wins over the defaults', async (t) => {
  const dir = await tempDir(t, 'cli-sources');
  const file = join(dir, 'config.yaml');
  await writeFile(file, 'snapshot-retention: 5\n');
  const local = ['--snapshot-dir', join(dir, 'snaps'), '--etcd-data-dir', join(dir, 'data')];
  t.equal(await retention(local), '28', 'config.yaml default');
  t.equal(await retention([...local, '--config-file', file]), '5', 'config file');
  t.equal(await retention(local, { ETCD_AGENT_CONFIG_FILE: file }), '5', 'ETCD_AGENT_CONFIG_FILE is --config-file');
  t.equal(await retention([...local, '--config-file', file], { ETCD_AGENT_SNAPSHOT_RETENTION: '6' }), '6', 'environment over file');
  t.equal(await retention([...local, '--config-file', file, '--snapshot-retention', '7'], { ETCD_AGENT_SNAPSHOT_RETENTION: '6' }), '7', 'flag over environment');
  t.equal(await retention(local, { ETCD_AGENT_SNAPSHOT_RETENTION: '' }), '28', 'an empty variable is unset');
});

t.test('the default config file is read when it exists, and only when no --config-file is given', async (t) => {
  const dir = await tempDir(t, 'cli-default-file');
  const fallback = join(dir, 'etc-config.yaml');
  const other = join(dir, 'other.yaml');
  await writeFile(fallback, 'snapshot-retention: 9\ns3-region: eu-west-1\n');
  await writeFile(other, 'snapshot-retention: 3\n');
  const local = ['--snapshot-dir', join(dir, 'snaps'), '--etcd-data-dir', join(dir, 'data')];
  t.equal(await retention(local, { ETCD_AGENT_DEFAULT_CONFIG_FILE: fallback }), '9');
  t.equal(await retention([...local, '--config-file', other], { ETCD_AGENT_DEFAULT_CONFIG_FILE: fallback }), '3');
  t.equal(await retention(local, { ETCD_AGENT_DEFAULT_CONFIG_FILE: join(dir, 'absent.yaml') }), '28', 'absent: not an error');
  const missing = await runAgent(['prune', ...local, '--config-file', join(dir, 'absent.yaml')]);
  t.strictSame({ exitCode: missing.exitCode, first: missing.stderr.split('\n')[0] }, { exitCode: 2, first: `error: --config-file ${join(dir, 'absent.yaml')} cannot be read (ENOENT)` });
});

t.test('a bad value is echoed as given, with where it was read', async (t) => {
  const dir = await tempDir(t, 'cli-bad-source');
  const file = join(dir, 'config.yaml');
  await writeFile(file, 'snapshot-retention: many\nsnapshot-compresion: zstd\n');
  const local = ['prune', '--snapshot-dir', join(dir, 'snaps'), '--etcd-data-dir', join(dir, 'data')];
  const cases: [string[], Record<string, string>, string][] = [
    [local, { ETCD_AGENT_SNAPSHOT_RETENTION: 'abc' }, 'error: invalid --snapshot-retention abc (from ETCD_AGENT_SNAPSHOT_RETENTION): must be a whole number'],
    [[...local, '--config-file', file], {}, `error: unknown option snapshot-compresion in config file ${file}; did you mean snapshot-compression?`],
    [local, { ETCDCTL_ENDPOINTS: '127.0.0.1:2379' }, 'error: invalid --etcd-endpoints 127.0.0.1:2379 (from ETCDCTL_ENDPOINTS): is not a URL; write it like https://127.0.0.1:2379'],
    [local, { ETCDCTL_ENDPOINTS: '127.0.0.1:2379', ETCD_AGENT_ETCD_ENDPOINTS: 'etcd:2379' }, 'error: invalid --etcd-endpoints etcd:2379 (from ETCD_AGENT_ETCD_ENDPOINTS): must use http:// or https://'],
    [[...local, '--etcd-ca', 'ca.crt'], { ETCDCTL_CACERT: '/x/ca.crt' }, 'error: invalid --etcd-ca ca.crt: must be an absolute path'],
    [local, { ETCDCTL_CACERT: 'ca.crt' }, 'error: invalid --etcd-ca ca.crt (from ETCDCTL_CACERT): must be an absolute path'],
    [[...local, '--s3-bucket', 'snaps'], {}, 'error: --s3-bucket is set but no credentials are: set both --s3-access-key and --s3-secret-key'],
  ];
  for (const [args, env, line] of cases) {
    const run = await runAgent(args, env);
    t.equal(run.exitCode, 2, line);
    t.equal(run.stderr.split('\n')[0], line);
  }
  await writeFile(file, 'snapshot-retention: many\n');
  const fromFile = await runAgent([...local, '--config-file', file]);
  t.equal(fromFile.stderr.split('\n')[0], `error: invalid --snapshot-retention many (from config file ${file}): must be a whole number`);
});

t.test('ETCDCTL_ENDPOINTS is used where nothing else names the endpoints', async (t) => {
  const etcd = await startEtcd();
  t.teardown(() => etcd.cleanup());
  const dir = await tempDir(t, 'cli-etcdctl-env');
  const run = await runAgent(['snapshot', '--etcdctl-path', '/usr/bin/etcdctl', '--target', join(dir, 'snaps'), '--etcd-data-dir', join(dir, 'data')], {
    ETCDCTL_ENDPOINTS: etcd.endpoint,
  });
  t.equal(run.exitCode, 0, run.stderr);
  const { snapshot } = parse(run.stdout) as { snapshot: { path: string } };
  const manifest = JSON.parse(execFileSync('tar', ['xOf', snapshot.path, 'etcd-snapshot.json'], { encoding: 'utf8' })) as { endpoint: string };
  t.equal(manifest.endpoint, etcd.endpoint);
});

t.test('an empty flag is a value: --metrics-address "" turns off the endpoint a config file sets', async (t) => {
  const dir = await tempDir(t, 'cli-empty-flag');
  const port = await freePort();
  const file = join(dir, 'config.yaml');
  await writeFile(file, `metrics-address: 127.0.0.1:${port}\n`);
  // Whether a scheduler started with these flags serves its metrics port once it has recorded its start.
  const serving = async (name: string, extra: string[]): Promise<boolean> => {
    const snaps = join(dir, name);
    const agent = spawnAgent(['schedule', '--config-file', file, '--snapshot-dir', snaps, '--etcd-data-dir', join(dir, 'data'), '--etcd-endpoints', 'http://127.0.0.1:1',
      '--snapshot-schedule', '0 0 1 1 *', '--delta-interval', '0', ...extra]);
    try {
      await waitFor('the scheduler to record its start', async () => (await readState(snaps))?.pid);
      return await tcpOpen('127.0.0.1', port);
    } finally {
      agent.kill('SIGTERM');
      await agent;
    }
  };
  t.equal(await serving('from-file', []), true, "the config file's address is served");
  t.equal(await serving('empty-flag', ['--metrics-address', '']), false, 'the empty flag turns the endpoint off');
});
