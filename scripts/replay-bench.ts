// Bench of a replay to a point: `setup <dir> [N]` writes a base + N Kubernetes-like changes as segments once;
// `run <dir> [runs]` runs `etcd-agent verify --to-revision <last>` (the whole replay, in throwaway etcds) and prints
// wall time, replay revisions/s (from the progress lines' times) and the agent's peak RSS (VmHWM of its process).
import { basename, join } from 'node:path';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import { readManifest } from '../src/archive/read-manifest.ts';
import { archiveStamp } from '../src/delta/segment-name.ts';
import { startEtcd } from '../tests/support/etcd/server.ts';
import { k8sWriter } from '../tests/support/etcd/k8s-writer.ts';
import { revisionOf, watchEvents } from '../tests/support/etcd/keyspace.ts';
import { writeSegments } from '../tests/support/etcd/write-segments.ts';
import { BIN } from '../tests/support/cli/run-agent.ts';

const [mode, dir = '', arg] = process.argv.slice(2);
const env = { ...process.env, NODE_OPTIONS: '', ETCD_AGENT_DEFAULT_CONFIG_FILE: join(dir, 'none.yaml') } as Record<string, string>;
const hwm = async (pid: number): Promise<number> => {
  const text = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Number(/VmHWM:\s+(\d+)/.exec(text)?.[1] ?? 0);
};
const agent = async (args: string[]) => {
  const t0 = performance.now();
  const child = execa(BIN, args, { reject: false, env, all: true });
  let rss = 0;
  let now = 0;
  const timer = setInterval(() => void hwm(child.pid!).then((v) => { rss = Math.max(rss, v); }), 100);
  const timer2 = setInterval(() => void readFile(`/proc/${child.pid}/status`, 'utf8').then((t) => { now = Number(/VmRSS:\s+(\d+)/.exec(t)?.[1] ?? 0); }).catch(() => undefined), 50);
  const lines: { at: number; line: string }[] = [];
  child.stderr?.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push({ at: performance.now(), line: `[rss ${(now / 1024).toFixed(0)} hwm ${(rss / 1024).toFixed(0)}] ${line}` });
  });
  const r = await child;
  clearInterval(timer);
  clearInterval(timer2);
  return { seconds: (performance.now() - t0) / 1000, rss, r, lines };
};

if (mode === 'setup') {
  const n = Number(arg ?? 20000);
  await mkdir(dir, { recursive: true });
  const etcd = await startEtcd({ dir: join(dir, 'etcd') });
  const snaps = join(dir, 'snaps');
  try {
    const writer = await k8sWriter(etcd.endpoint, { seed: 5, namespaces: 20 });
    await writer.run(2000);
    const snap = await agent(['snapshot', '--target', snaps, '-o', 'json', '--etcd-endpoints', etcd.endpoint, '--etcdctl-path', '/usr/bin/etcdctl', '--snapshot-dir', snaps]);
    if (snap.r.exitCode !== 0) throw new Error(snap.r.all);
    const path = (JSON.parse(snap.r.stdout) as { snapshot: { path: string } }).snapshot.path;
    const m = (await readManifest(path))!;
    const base = { name: basename(path), stamp: archiveStamp(basename(path))!, revision: m.revision, created: m.created, clusterId: m.clusterId };
    const watch = await watchEvents(etcd.endpoint, base.revision + 1);
    await writer.run(n);
    const last = await revisionOf(etcd.endpoint);
    await watch.until(last);
    const segments = await writeSegments(snaps, base, watch.events, 5000);
    await watch.close();
    writer.close();
    await writeFile(join(dir, 'bench.json'), JSON.stringify({ base, last, snaps, segments: segments.length, events: watch.events.length }));
    console.log(`base ${base.revision}, last ${last}, ${watch.events.length} events in ${segments.length} segments`);
  } finally {
    await etcd.cleanup();
  }
} else if (mode === 'run') {
  const runs = Number(arg ?? 1);
  const { last, snaps, base } = JSON.parse(await readFile(join(dir, 'bench.json'), 'utf8')) as { last: number; snaps: string; base: { revision: number } };
  if (process.env.PLAIN) {
    const res = await agent(['verify', '-o', 'json', '--etcdctl-path', '/usr/bin/etcdctl', '--snapshot-dir', snaps, '-v']);
    console.log(`plain verify: exit ${res.r.exitCode}, ${res.seconds.toFixed(1)} s, agent peak RSS ${(res.rss / 1024).toFixed(0)} MiB`);
  }
  for (let i = 0; i < runs; i++) {
    const res = await agent(['verify', '--to-revision', String(last), '-o', 'json', '--etcdctl-path', '/usr/bin/etcdctl', '--snapshot-dir', snaps, '-v']);
    const start = res.lines.find((l) => l.line.includes('replaying events'))?.at;
    const end = res.lines.find((l) => l.line.includes('replayed '))?.at;
    const rate = start && end ? (last - base.revision) / ((end - start) / 1000) : NaN;
    console.log(`verify: exit ${res.r.exitCode}, ${res.seconds.toFixed(1)} s, replay ${rate.toFixed(0)} rev/s (${last - base.revision} revisions), agent peak RSS ${(res.rss / 1024).toFixed(0)} MiB`);
    if (res.r.exitCode !== 0 || process.env.ALL) console.log(res.lines.map((l) => l.line.slice(0, 160)).join('\n'));
  }
}
