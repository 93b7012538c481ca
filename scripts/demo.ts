// The demo: a throwaway etcd on loopback (run by the test suite's systemctl stand-in, so nothing on
// this host is touched), Kubernetes-like keys, a snapshot by the agent, its verification and a restore drill, then
// data lost and written by mistake, a restore by the agent, and the data back. Cleans up after itself.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { parse } from 'yaml';
import { seedKubernetesKeys, startEtcd } from '../tests/support/etcd/server.ts';
import { installEtcdService, systemctlEnv } from '../tests/support/etcd/service.ts';

const say = (text: string): void => void process.stdout.write(`\n== ${text}\n`);
const agent = join(import.meta.dirname, '..', 'bin', 'etcd-agent');
const SERVICE = 'demo-etcd';

const work = await mkdtemp(join(tmpdir(), 'etcd-agent-demo-'));
const etcd = await startEtcd({ dir: join(work, 'etcd') });
const service = await installEtcdService(join(work, 'systemd'), SERVICE, etcd);
const env = { ...systemctlEnv(service.simDir), NODE_OPTIONS: '' };
const flags = [
  '--etcd-endpoints', etcd.endpoint,
  '--etcdctl-path', '/usr/bin/etcdctl',
  '--etcd-data-dir', etcd.dataDir,
  '--etcd-service', SERVICE,
  '--etcd-name', etcd.name,
  '--etcd-peer-url', etcd.peerUrl,
  '--snapshot-dir', join(work, 'snapshots'),
];
const run = async (args: string[]): Promise<Record<string, Record<string, string>>> => {
  process.stdout.write(`$ etcd-agent ${args.join(' ')} [connection flags]\n`);
  const result = await execa(agent, [...args, ...flags], { env, stderr: 'inherit' });
  process.stdout.write(result.stdout);
  return parse(result.stdout) as Record<string, Record<string, string>>;
};
const pods = async (): Promise<number> => etcd.count('/registry/pods/');

try {
  say(`throwaway etcd ${etcd.endpoint}, data in ${etcd.dataDir}, run as service "${SERVICE}" by a systemctl stand-in`);
  await seedKubernetesKeys(etcd, 200);
  console.log(`wrote ${await etcd.count('/registry/')} Kubernetes-like keys under /registry/ (${await pods()} pods)`);

  say('snapshot');
  const snap = await run(['snapshot', '--target', join(work, 'snapshots')]);
  const archive = snap.snapshot!.path!;

  say('verification: sha256sum -c, archive contents, etcdctl snapshot status of the db inside');
  console.log(execFileSync('sha256sum', ['-c', `${archive}.sha256`], { cwd: join(work, 'snapshots'), encoding: 'utf8' }).trim());
  console.log(execFileSync('tar', ['tvf', archive], { encoding: 'utf8' }).trim());
  execFileSync('tar', ['xf', archive, '-C', work, 'db']);
  console.log(execFileSync('/usr/bin/etcdctl', ['snapshot', 'status', join(work, 'db'), '-w', 'table'], { encoding: 'utf8', env: { ETCDCTL_API: '3' } }).trim());

  say('restore drill: etcd-agent verify restores it into a throwaway etcd on loopback and reads it back');
  await run(['verify', '--source', archive, '--etcd-path', '/usr/bin/etcd']);

  say('disaster: every pod deleted, a bogus key written');
  await etcd.etcdctl(['del', '--prefix', '/registry/pods/']);
  await etcd.put('/registry/bogus', 'written by mistake');
  console.log(`pods now: ${await pods()}; /registry/bogus = ${await etcd.get('/registry/bogus')}`);

  say('restore (safety snapshot first, etcd stopped, data swapped, etcd started and checked)');
  const restored = await run(['restore', '--source', archive, '--target', join(work, 'backups')]);

  say('data back');
  console.log(`pods now: ${await pods()}; /registry/bogus = ${(await etcd.get('/registry/bogus')) ?? '(gone)'}`);
  console.log(`the data from before the restore is kept in ${restored.restore!['previous-data-dir']}`);
  console.log(`and its safety snapshot in ${restored.backup!.path}`);
  say('demo finished; cleaning up');
} finally {
  await service.systemctl(['stop', SERVICE]);
  await etcd.cleanup();
  await rm(work, { recursive: true, force: true });
}
