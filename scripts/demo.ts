// The demo: starts a throwaway etcd on loopback, writes Kubernetes-like keys, has the agent take
// a snapshot, shows the result document and verifies the archive, then cleans everything up.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { parse } from 'yaml';
import { seedKubernetesKeys, startEtcd } from '../tests/helpers/etcd-server.ts';

const say = (text: string): void => void process.stdout.write(`\n== ${text}\n`);
const agent = join(import.meta.dirname, '..', 'bin', 'etcd-agent');

const work = await mkdtemp(join(tmpdir(), 'etcd-agent-demo-'));
const etcd = await startEtcd({ dir: join(work, 'etcd') });
try {
  say(`throwaway etcd ${etcd.endpoint} (data in ${etcd.dataDir})`);
  await seedKubernetesKeys(etcd, 200);
  console.log(`wrote ${await etcd.count('/registry/')} Kubernetes-like keys under /registry/`);

  say('etcd-agent snapshot');
  const flags = ['--etcd-endpoints', etcd.endpoint, '--etcdctl-path', '/usr/bin/etcdctl'];
  const snap = await execa(agent, ['snapshot', ...flags, '--target', join(work, 'snapshots')], { stderr: 'inherit' });
  process.stdout.write(snap.stdout);
  const result = parse(snap.stdout) as { snapshot: { path: string } };

  say('verification: sha256sum -c, archive contents, etcdctl snapshot status of the db');
  console.log(execFileSync('sha256sum', ['-c', `${result.snapshot.path}.sha256`], { cwd: join(work, 'snapshots'), encoding: 'utf8' }).trim());
  console.log(execFileSync('tar', ['tzvf', result.snapshot.path], { encoding: 'utf8' }).trim());
  execFileSync('tar', ['xzf', result.snapshot.path, '-C', work, 'db']);
  console.log(execFileSync('/usr/bin/etcdctl', ['snapshot', 'status', join(work, 'db'), '-w', 'table'], { encoding: 'utf8', env: { ETCDCTL_API: '3' } }).trim());
  say('demo finished; cleaning up');
} finally {
  await etcd.cleanup();
  await rm(work, { recursive: true, force: true });
}
