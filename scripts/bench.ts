// The benchmark: how long a snapshot, a verification, an encrypted snapshot and a restore take, and how
// much memory the agent uses, for etcd databases of growing size. Streaming should keep memory flat.
// Runs a throwaway etcd on loopback (the systemctl stand-in runs it for the restore). Prints a table.
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { Etcd3 } from 'etcd3';
import { parse } from 'yaml';
import { startEtcd } from '../tests/helpers/etcd-server.ts';
import { installEtcdService, systemctlEnv } from '../tests/helpers/etcd-service.ts';

const agent = join(import.meta.dirname, '..', 'bin', 'etcd-agent');
const SIZES_MB = (process.env.BENCH_SIZES_MB ?? '32,128,384').split(',').map(Number);
const VALUE_BYTES = 768 * 1024;

// Runs the agent and samples its resident memory from /proc until it exits.
const measure = async (args: string[], env: Record<string, string>): Promise<{ seconds: number; peakMiB: number; doc: Record<string, Record<string, string>> }> => {
  const started = performance.now();
  const child = execa(agent, args, { env: { ...env, NODE_OPTIONS: '' } });
  let peak = 0;
  const timer = setInterval(() => {
    // bin/etcd-agent execs node, so the child's pid is the agent itself.
    void readFile(`/proc/${child.pid}/status`, 'utf8')
      .then((s) => (peak = Math.max(peak, Number(/VmRSS:\s+(\d+)/.exec(s)?.[1] ?? 0))))
      .catch(() => undefined);
  }, 20);
  const result = await child.finally(() => clearInterval(timer));
  return { seconds: (performance.now() - started) / 1000, peakMiB: peak / 1024, doc: parse(result.stdout) as Record<string, Record<string, string>> };
};

const rows: string[][] = [];
for (const mb of SIZES_MB) {
  const work = await mkdtemp(join(tmpdir(), 'etcd-agent-bench-'));
  const etcd = await startEtcd({ dir: join(work, 'etcd') });
  const service = await installEtcdService(join(work, 'systemd'), 'bench-etcd', etcd);
  try {
    const client = new Etcd3({ hosts: [etcd.endpoint] });
    const count = Math.ceil((mb * 1024 * 1024) / VALUE_BYTES);
    for (let i = 0; i < count; i += 8) {
      await Promise.all(Array.from({ length: Math.min(8, count - i) }, (_, j) => client.put(`/registry/bench/${i + j}`).value(randomBytes(VALUE_BYTES))));
    }
    client.close();
    const key = join(work, 'age.txt');
    execFileSync('age-keygen', ['-o', key], { stdio: 'ignore' });
    const recipient = execFileSync('age-keygen', ['-y', key], { encoding: 'utf8' }).trim();
    const env = systemctlEnv(service.simDir);
    const flags = ['--etcd-endpoints', etcd.endpoint, '--etcdctl-path', '/usr/bin/etcdctl', '--etcd-path', '/usr/bin/etcd', '--etcd-data-dir', etcd.dataDir,
      '--etcd-service', 'bench-etcd', '--etcd-name', etcd.name, '--etcd-peer-url', etcd.peerUrl, '--snapshot-dir', join(work, 'snaps')];
    const snap = await measure(['snapshot', ...flags, '--target', join(work, 'snaps')], env);
    const dbMiB = Number(snap.doc.snapshot!.bytes) / 1024 / 1024;
    const dbBytes = (await stat(etcd.dataDir + '/member/snap/db')).size / 1024 / 1024;
    const verify = await measure(['verify', ...flags, '--source', snap.doc.snapshot!.path!], env);
    const enc = await measure(['snapshot', ...flags, '--target', join(work, 'enc'), '--encryption-recipients', recipient], env);
    const restore = await measure(['restore', ...flags, '--source', snap.doc.snapshot!.path!, '--target', join(work, 'backups'), '--skip-backup'], env);
    rows.push([`${mb} MiB written`, `${dbBytes.toFixed(0)} MiB db`, `${dbMiB.toFixed(1)} MiB archive`,
      `${snap.seconds.toFixed(1)} s / ${snap.peakMiB.toFixed(0)} MiB`, `${verify.seconds.toFixed(1)} s / ${verify.peakMiB.toFixed(0)} MiB`,
      `${enc.seconds.toFixed(1)} s / ${enc.peakMiB.toFixed(0)} MiB`, `${restore.seconds.toFixed(1)} s / ${restore.peakMiB.toFixed(0)} MiB`]);
    process.stderr.write(`bench: ${mb} MiB done\n`);
  } finally {
    await service.systemctl(['stop', 'bench-etcd']);
    await etcd.cleanup();
    await rm(work, { recursive: true, force: true });
  }
}
const header = ['data', 'etcd db', 'archive (gzip)', 'snapshot (time / peak RSS)', 'verify', 'encrypted snapshot', 'restore (skip-backup)'];
console.log(`| ${header.join(' | ')} |\n|${header.map(() => ' --- ').join('|')}|`);
for (const row of rows) console.log(`| ${row.join(' | ')} |`);
