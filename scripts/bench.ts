// npm run bench: what an operator compares. On Kubernetes-like etcd data (pods, configmaps, secrets, events under
// /registry/, with the history a real cluster keeps) at 256 MiB and 1 GiB, the agent against the raw etcd tools in
// the same run, interleaved, medians of BENCH_RUNS (3): snapshot vs `etcdctl snapshot save` and vs the runbook
// (save, tar czf, sha256sum); encrypted and S3 vs plain; restore and verify vs the raw restore (stop,
// `etcdctl snapshot restore`, swap, start, first healthy answer); the agent's own peak RSS for every command; and
// cold starts. Prints ratios against the targets of issue 11, and the absolute figures. At each size it also samples
// the RSS of one default snapshot (the agent, and the etcdctl it runs) and of one raw `etcdctl snapshot save` over
// time, and draws them to docs/bench-rss.svg.
// BENCH_SIZES_MB=256,1024 and BENCH_RUNS=3 by default; BENCH_ONLY=rss runs only the fills and the RSS-sampled runs
// (and the chart), BENCH_ONLY=cold only the cold starts, BENCH_ONLY=pitr only point-in-time recovery (capture RSS at
// 2,000 writes/s, the RPO, a restore to a point against a plain one), BENCH_ONLY=restore only the fills and the restores,
// BENCH_ONLY=snapshot only the fills and the snapshot rounds. Needs Debian's etcd-server, etcd-client and age.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { Etcd3 } from 'etcd3';
import { parse } from 'yaml';
import { recordRun } from '../src/state/schedule-state.ts';
import { startEtcd } from '../tests/support/etcd/server.ts';
import { installEtcdService, systemctlEnv } from '../tests/support/etcd/service.ts';
import { startS3 } from '../tests/support/s3/server.ts';
import { fillEtcd } from './bench/fill-etcd.ts';
import { watchDowntime } from './bench/downtime.ts';
import { benchPointInTime } from './bench/point-in-time.ts';
import { writeFastHookTools } from './bench/hook-tools.ts';
import { AGENT, measure, median, timed, type Measured } from './bench/measure.ts';
import { renderRssChart, type RssSeries } from './bench/rss-chart.ts';
import type { RssSample } from './bench/rss-sampler.ts';

const SIZES_MB = (process.env.BENCH_SIZES_MB ?? '256,1024').split(',').map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const ONLY = process.env.BENCH_ONLY ?? '';
if (!['', 'rss', 'cold', 'pitr', 'restore', 'snapshot'].includes(ONLY)) throw new Error(`BENCH_ONLY=${ONLY} is not known: leave it unset for the whole bench, or set BENCH_ONLY=rss for the RSS chart alone, BENCH_ONLY=cold for the cold starts alone, BENCH_ONLY=pitr for point-in-time recovery alone, BENCH_ONLY=restore for the restores alone, BENCH_ONLY=snapshot for the snapshots alone`);
const RSS_EVERY_MS = 50;
const RSS_CHART = join(import.meta.dirname, '..', 'docs', 'bench-rss.svg');
const ETCDCTL = '/usr/bin/etcdctl';
const ROOT = join(import.meta.dirname, '..');
const say = (line: string): void => void process.stderr.write(`bench: ${line}\n`);

type Row = { what: string; seconds: number[]; peakMiB: number[]; bytes?: number };
const rows = new Map<string, Row>();
const record = (key: string, what: string, run: Measured | number, bytes?: number): void => {
  const row = rows.get(key) ?? { what, seconds: [], peakMiB: [] };
  if (typeof run === 'number') row.seconds.push(run);
  else {
    row.seconds.push(run.seconds);
    row.peakMiB.push(run.peakMiB);
  }
  if (bytes !== undefined) row.bytes = bytes;
  rows.set(key, row);
};
// The RSS-sampled runs, by size: the lines of the chart, and their peaks for the table.
const rssSeries: RssSeries[] = [];
const rssPeaks: { size: string; agent: number; etcdctl: number; etcdctlAnon: number; raw: number }[] = [];
// The points of one line; a sample without the process is a gap (null), so two runs of etcdctl are not joined.
const points = (samples: RssSample[], pick: (s: RssSample) => number | undefined): RssSeries['points'] => {
  const all = samples.map((s) => ({ seconds: s.seconds, mib: pick(s) ?? null }));
  return all.filter((p, i) => p.mib !== null || (all[i - 1]?.mib ?? null) !== null);
};
// etcdctl's memory among the agent's descendants (with etcdutl's, which runs `snapshot status` where installed).
const etcdTools = (byName: Record<string, number>): number | undefined =>
  byName.etcdctl === undefined && byName.etcdutl === undefined ? undefined : (byName.etcdctl ?? 0) + (byName.etcdutl ?? 0);
const recordRss = (size: string, agent: RssSample[], raw: RssSample[]): void => {
  const lines: RssSeries[] = [
    { panel: `db ${size}`, name: 'agent (Node)', points: points(agent, (s) => s.selfMiB) },
    { panel: `db ${size}`, name: 'etcdctl run by the agent', points: points(agent, (s) => etcdTools(s.descendantsMiB)) },
    { panel: `db ${size}`, name: 'its anonymous memory only', points: points(agent, (s) => etcdTools(s.descendantsAnonMiB)) },
    { panel: `db ${size}`, name: 'raw etcdctl snapshot save', points: points(raw, (s) => s.selfMiB) },
  ];
  rssSeries.push(...lines);
  const [a, e, ea, r] = lines.map((l) => Math.max(0, ...l.points.map((p) => p.mib ?? 0))) as [number, number, number, number];
  rssPeaks.push({ size, agent: a, etcdctl: e, etcdctlAnon: ea, raw: r });
};

const med = (key: string): number => median(rows.get(key)?.seconds ?? [Number.NaN]);
const peak = (key: string): number => Math.max(...(rows.get(key)?.peakMiB ?? [Number.NaN]));

const waitHealthy = async (endpoint: string): Promise<void> => {
  for (;;) {
    const r = await execa(ETCDCTL, [`--endpoints=${endpoint}`, '--dial-timeout=1s', '--command-timeout=1s', 'endpoint', 'health'], { reject: false, env: { ETCDCTL_API: '3' } });
    if (r.exitCode === 0) return;
    await sleep(20);
  }
};

// Removes the data dirs the agent's restores keep (<data>.pre-restore-...), so the disk does not fill up.
const dropKeptDirs = async (dataDir: string): Promise<void> => {
  for (const name of await readdir(dirname(dataDir))) {
    if (name.startsWith(`${basename(dataDir)}.pre-restore-`) || name.startsWith(`${basename(dataDir)}.bench-old`)) await rm(join(dirname(dataDir), name), { recursive: true, force: true });
  }
};

const clearDir = async (dir: string): Promise<void> => {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
};

const benchSize = async (mb: number): Promise<void> => {
  const size = `${mb} MiB`;
  const work = await mkdtemp(join(tmpdir(), 'etcd-agent-bench-'));
  const etcd = await startEtcd({ dir: join(work, 'etcd') });
  const s3 = await startS3({ bucket: 'bench' });
  try {
    const client = new Etcd3({ hosts: [etcd.endpoint] });
    const started = performance.now();
    const objects = await fillEtcd(client, mb * 2 ** 20, (line) => say(`${size}: ${line}`));
    const dbBytes = Number((await client.maintenance.status()).dbSize);
    client.close();
    say(`${size}: ${objects} objects, db ${(dbBytes / 2 ** 20).toFixed(0)} MiB, filled in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    const service = await installEtcdService(join(work, 'systemd'), 'bench-etcd', etcd);
    const env = systemctlEnv(service.simDir);
    const key = join(work, 'age.txt');
    execFileSync('age-keygen', ['-o', key], { stdio: 'ignore' });
    const recipient = execFileSync('age-keygen', ['-y', key], { encoding: 'utf8' }).trim();
    const flags = ['--etcd-endpoints', etcd.endpoint, '--etcdctl-path', ETCDCTL, '--etcd-path', '/usr/bin/etcd', '--etcd-data-dir', etcd.dataDir,
      '--etcd-service', 'bench-etcd', '--etcd-name', etcd.name, '--etcd-peer-url', etcd.peerUrl, '--snapshot-dir', join(work, 'snaps'), '--lock-timeout', '0'];
    const s3Flags = ['--s3-endpoint', s3.endpoint, '--s3-bucket', s3.bucket, '--s3-region', 'us-east-1', '--s3-force-path-style', 'true',
      '--s3-access-key', s3.accessKeyId, '--s3-secret-key', s3.secretAccessKey, '--s3-allow-unencrypted', 'true'];
    const raw = join(work, 'raw');
    const agentDir = join(work, 'agent');
    const keep = join(work, 'keep');
    await mkdir(keep, { recursive: true });
    // One run each with RSS sampled over time, apart from the timed rounds (the sampling scans /proc).
    if (ONLY === '' || ONLY === 'rss') await rssRuns();
    if (ONLY === 'rss') {
      await service.systemctl(['stop', 'bench-etcd']);
      return;
    }
    if (ONLY !== 'restore') await snapshotRounds();
    if (ONLY !== 'snapshot') await restoreRounds();
    await service.systemctl(['stop', 'bench-etcd']);

    async function rssRuns(): Promise<void> {
      await clearDir(raw);
      const rawRss = await measure(ETCDCTL, [`--endpoints=${etcd.endpoint}`, 'snapshot', 'save', join(raw, 'db')], { ETCDCTL_API: '3' }, RSS_EVERY_MS);
      await clearDir(agentDir);
      const agentRss = await measure(AGENT, ['snapshot', ...flags, '--target', agentDir], env, RSS_EVERY_MS);
      recordRss(size, agentRss.rss ?? [], rawRss.rss ?? []);
      say(`${size}: RSS sampled (${agentRss.rss?.length ?? 0} samples of the agent's snapshot, ${rawRss.rss?.length ?? 0} of the raw save)`);
    }

    async function snapshotRounds(): Promise<void> {
      const snapshot = async (tag: string, extra: string[]): Promise<Measured & { path: string; bytes: number }> => {
        await clearDir(agentDir);
        const run = await measure(AGENT, ['snapshot', ...flags, '--target', agentDir, ...extra], env);
        const doc = parse(run.stdout) as { snapshot: { path: string; bytes: string } };
        record(`${size}:${tag}`, tag, run, Number(doc.snapshot.bytes));
        return { ...run, path: doc.snapshot.path, bytes: Number(doc.snapshot.bytes) };
      };
      for (let r = 1; r <= RUNS; r++) {
        await clearDir(raw);
        record(`${size}:raw-save`, 'raw etcdctl snapshot save', await measure(ETCDCTL, [`--endpoints=${etcd.endpoint}`, 'snapshot', 'save', join(raw, 'db')], { ETCDCTL_API: '3' }));
        await clearDir(raw);
        record(`${size}:runbook`, 'runbook: save, tar czf, sha256sum', await timed(() =>
          execa('sh', ['-c', `cd ${raw} && ETCDCTL_API=3 ${ETCDCTL} --endpoints=${etcd.endpoint} snapshot save db >/dev/null && tar czf db.tar.gz db && sha256sum db.tar.gz >/dev/null`])));
        const zstd = ['--snapshot-compression', 'zstd'];
        await snapshot('snapshot', []);
        await snapshot('snapshot-gzip6', ['--snapshot-compression', 'gzip:6']);
        await snapshot('snapshot-zstd', zstd);
        await snapshot('snapshot-none', ['--snapshot-compression', 'none']);
        await snapshot('snapshot-encrypted', ['--encryption-recipients', recipient]);
        await snapshot('snapshot-s3', s3Flags);
        await snapshot('snapshot-s3-encrypted', [...s3Flags, '--encryption-recipients', recipient]);
        // zstd compresses in the agent's own process: with S3 and age, the most memory a snapshot takes.
        await snapshot('snapshot-zstd-s3-encrypted', [...zstd, ...s3Flags, '--encryption-recipients', recipient]);
        say(`${size}: snapshot round ${r} done`);
      }
    }

    async function restoreRounds(): Promise<void> {
      // One archive and one raw db to restore from.
      await clearDir(agentDir);
      const archive = parse((await measure(AGENT, ['snapshot', ...flags, '--target', keep], env)).stdout) as { snapshot: { path: string } };
      await execa(ETCDCTL, [`--endpoints=${etcd.endpoint}`, 'snapshot', 'save', join(keep, 'raw.db')], { env: { ETCDCTL_API: '3' } });
      for (let r = 1; r <= RUNS; r++) {
        const fresh = `${etcd.dataDir}.bench-fresh`;
        let down = watchDowntime(etcd.endpoint);
        record(`${size}:raw-restore`, 'raw restore: stop, etcdctl snapshot restore, swap, start, healthy', await timed(async () => {
          await service.systemctl(['stop', 'bench-etcd']);
          await execa(ETCDCTL, ['snapshot', 'restore', join(keep, 'raw.db'), '--data-dir', fresh, '--name', etcd.name, '--initial-cluster', `${etcd.name}=${etcd.peerUrl}`,
            '--initial-advertise-peer-urls', etcd.peerUrl], { env: { ETCDCTL_API: '3' } });
          await execa('mv', [etcd.dataDir, `${etcd.dataDir}.bench-old`]);
          await execa('mv', [fresh, etcd.dataDir]);
          await service.systemctl(['start', 'bench-etcd']);
          await waitHealthy(etcd.endpoint);
        }));
        record(`${size}:raw-restore-down`, 'raw restore: etcd without a healthy answer (longest gap)', await down.stop());
        await dropKeptDirs(etcd.dataDir);
        down = watchDowntime(etcd.endpoint);
        record(`${size}:restore`, 'agent restore (skip-backup)', await measure(AGENT, ['restore', ...flags, '--source', archive.snapshot.path, '--skip-backup', '--target', join(work, 'backups')], env));
        record(`${size}:restore-down`, 'agent restore: etcd without a healthy answer (longest gap)', await down.stop());
        await dropKeptDirs(etcd.dataDir);
        record(`${size}:verify`, 'agent verify', await measure(AGENT, ['verify', ...flags, '--source', archive.snapshot.path], env));
        say(`${size}: restore round ${r} done`);
      }
      record(`${size}:list`, 'agent list (local and S3)', await measure(AGENT, ['list', ...flags, ...s3Flags], env));
    }
  } finally {
    await s3.stop();
    await etcd.cleanup();
    await rm(work, { recursive: true, force: true });
  }
};

// Cold starts: --help, list on an empty dir, and update-status with nothing to do (last snapshot fresh).
const benchColdStart = async (): Promise<void> => {
  const work = await mkdtemp(join(tmpdir(), 'etcd-agent-bench-cold-'));
  const etcd = await startEtcd({ dir: join(work, 'etcd') });
  try {
    const snaps = join(work, 'snaps');
    await mkdir(snaps, { recursive: true });
    const now = new Date().toISOString();
    await recordRun(snaps, { started: now, finished: now, outcome: 'ok', archive: join(snaps, 'etcd-snapshot-2026-01-01-00.00.00.tar.zst'), bytes: 1, revision: 1 });
    const tools = join(work, 'tools');
    await writeFastHookTools(tools, { 'etcd-endpoints': etcd.endpoint, 'etcdctl-path': ETCDCTL, 'snapshot-dir': snaps, 'snapshot-schedule': '0 */6 * * *', 'etcd-data-dir': etcd.dataDir });
    const hookEnv = {
      PATH: `${tools}:/usr/bin:/bin`, JUJU_DISPATCH_PATH: 'hooks/update-status', JUJU_UNIT_NAME: 'etcd/0', JUJU_MODEL_NAME: 'bench', JUJU_CHARM_DIR: ROOT,
      ETCD_AGENT_SYSTEMD_DIR: join(work, 'systemd'), ETCD_AGENT_STATE_DIR: join(work, 'state'), HOME: work,
    };
    await measure(AGENT, ['--help']); // the first start fills Node's compile cache, as the first hook on a unit does
    for (let r = 1; r <= Math.max(RUNS, 5); r++) {
      // Bare Node in the same moment: what no start can beat on this machine, as loaded as it is now.
      record('cold:node', 'bare `node -e 0` (the floor)', await measure(join(ROOT, 'node_modules', '.bin', 'node'), ['-e', '0']));
      record('cold:help', 'etcd-agent --help', await measure(AGENT, ['--help']));
      record('cold:list', 'etcd-agent list (empty dir)', await measure(AGENT, ['list', '--snapshot-dir', snaps]));
      record('cold:update-status', 'update-status hook, nothing to do', await measure(join(ROOT, 'dispatch'), [], hookEnv));
    }
  } finally {
    await etcd.cleanup();
    await rm(work, { recursive: true, force: true });
  }
};

const ratio = (a: number, b: number): string => (a / b).toFixed(2);
const verdict = (ok: boolean): string => (ok ? 'holds' : '**misses**');

// The cold-start table: every start's median wall time and peak RSS against the targets.
const coldLines = (): string[] => {
  const out = ['| cold start | wall (median) | peak RSS | holds (≤ 0.3 s, ≤ 80 MiB) |', '|---|---|---|---|'];
  const floor = rows.get('cold:node');
  if (floor) out.push(`| ${floor.what} | ${med('cold:node').toFixed(3)} s | ${peak('cold:node').toFixed(0)} MiB | |`);
  for (const k of ['help', 'list', 'update-status']) {
    const row = rows.get(`cold:${k}`) as Row;
    out.push(`| ${row.what} | ${med(`cold:${k}`).toFixed(3)} s | ${peak(`cold:${k}`).toFixed(0)} MiB | ${verdict(med(`cold:${k}`) <= 0.3 && peak(`cold:${k}`) <= 80)} |`);
  }
  return out;
};
// Point-in-time recovery on a small Kubernetes-like db (64 MiB): capture under load, RPO, restore to a point.
const benchPitr = async (): Promise<string[]> => {
  const work = await mkdtemp(join(tmpdir(), 'etcd-agent-bench-pitr-'));
  const etcd = await startEtcd({ dir: join(work, 'etcd') });
  try {
    const client = new Etcd3({ hosts: [etcd.endpoint] });
    await fillEtcd(client, 64 * 2 ** 20, (line) => say(`pitr: ${line}`));
    const service = await installEtcdService(join(work, 'systemd'), 'bench-etcd', etcd);
    const env = systemctlEnv(service.simDir);
    const snaps = join(work, 'snaps');
    const flags = ['--etcd-endpoints', etcd.endpoint, '--etcdctl-path', ETCDCTL, '--etcd-path', '/usr/bin/etcd', '--etcd-data-dir', etcd.dataDir,
      '--etcd-service', 'bench-etcd', '--etcd-name', etcd.name, '--etcd-peer-url', etcd.peerUrl, '--snapshot-dir', snaps, '--lock-timeout', '0'];
    const base = (parse((await measure(AGENT, ['snapshot', ...flags, '--target', snaps], env)).stdout) as { snapshot: { path: string } }).snapshot.path;
    const figures = await benchPointInTime({ client, flags, env, snapshotDir: snaps, base, backups: join(work, 'backups'), runs: RUNS, say, tidy: () => dropKeptDirs(etcd.dataDir) });
    client.close();
    await service.systemctl(['stop', 'bench-etcd']);
    const plain = median(figures.plainRestore.map((m) => m.seconds));
    const point = median(figures.pointRestore.map((m) => m.seconds));
    const rpo = [...figures.rpoSeconds].sort((a, b) => a - b);
    return [
      '| point-in-time recovery | value |', '|---|---|',
      `| capture at ${(figures.captureRate.writes / figures.captureRate.seconds).toFixed(0)} writes/s of 1 KiB (asked 2,000/s): scheduler peak RSS ≤ 100 MiB | ${figures.capturePeakMiB.toFixed(0)} MiB (${verdict(figures.capturePeakMiB <= 100)}) |`,
      `| RPO at 200 writes/s (age of the newest recoverable point, sampled each second): median, max | ${median(rpo).toFixed(1)} s, ${(rpo.at(-1) ?? Number.NaN).toFixed(1)} s |`,
      `| plain restore of the base (skip-backup), median | ${plain.toFixed(2)} s, ${Math.max(...figures.plainRestore.map((m) => m.peakMiB)).toFixed(0)} MiB |`,
      `| restore to the newest point: ${figures.eventsApplied} events (${figures.events} revisions) replayed, median | ${point.toFixed(2)} s, ${Math.max(...figures.pointRestore.map((m) => m.peakMiB)).toFixed(0)} MiB |`,
      `| point-in-time restore / plain restore | ${ratio(point, plain)}× |`,
    ];
  } finally {
    await etcd.cleanup();
    await rm(work, { recursive: true, force: true });
  }
};
if (ONLY === 'pitr') {
  console.log((await benchPitr()).join('\n'));
  process.exit(0);
}
if (ONLY === '' || ONLY === 'cold') await benchColdStart();
if (ONLY === 'cold') {
  console.log(coldLines().join('\n'));
  process.exit(0);
}
for (const mb of SIZES_MB) await benchSize(mb);

if (ONLY === '' || ONLY === 'rss') {
  await mkdir(dirname(RSS_CHART), { recursive: true });
  await writeFile(RSS_CHART, await renderRssChart(rssSeries, `RSS during one snapshot, sampled every ${RSS_EVERY_MS} ms`));
  say(`RSS chart written to ${RSS_CHART}`);
}
const rssLines = ['| RSS during one snapshot | ' + rssPeaks.map((p) => p.size).join(' | ') + ' |', '|---|' + rssPeaks.map(() => '---').join('|') + '|',
  `| agent (Node) peak | ${rssPeaks.map((p) => `${p.agent.toFixed(0)} MiB`).join(' | ')} |`,
  `| etcdctl run by the agent, peak | ${rssPeaks.map((p) => `${p.etcdctl.toFixed(0)} MiB`).join(' | ')} |`,
  `| the same, anonymous memory only | ${rssPeaks.map((p) => `${p.etcdctlAnon.toFixed(0)} MiB`).join(' | ')} |`,
  `| raw etcdctl snapshot save, peak | ${rssPeaks.map((p) => `${p.raw.toFixed(0)} MiB`).join(' | ')} |`];
if (ONLY === 'rss') {
  console.log(rssLines.join('\n'));
  process.exit(0);
}

const lines: string[] = [];
// What compresses the default gzip:1: igzip where it is on PATH (see src/archive/codecs.ts), else the agent's zlib.
const gzipBy = ((): string => {
  try {
    return execFileSync('igzip', ['-V'], { encoding: 'utf8' }).trim().split('\n')[0] ?? 'igzip';
  } catch {
    return "the agent's own zlib (igzip is not installed)";
  }
})();
lines.push(`Machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}; gzip:1 by ${gzipBy}; medians of ${RUNS} interleaved runs.`, '');
lines.push('| target | ' + SIZES_MB.map((mb) => `${mb} MiB`).join(' | ') + ' | holds |', '|---|' + SIZES_MB.map(() => '---').join('|') + '|---|');
const target = (label: string, limit: number, value: (size: string) => number, format: (v: number) => string = (v) => `${v.toFixed(2)}×`): void => {
  const values = SIZES_MB.map((mb) => value(`${mb} MiB`));
  lines.push(`| ${label} | ${values.map(format).join(' | ')} | ${verdict(values.every((v) => v <= limit))} |`);
};
const restoreTargets = (): void => {
  target('restore ≤ 1.3× raw restore', 1.3, (s) => med(`${s}:restore`) / med(`${s}:raw-restore`));
  target('verify ≤ 1.5× raw restore', 1.5, (s) => med(`${s}:verify`) / med(`${s}:raw-restore`));
  const downs = SIZES_MB.map((mb) => `${med(`${mb} MiB:restore-down`).toFixed(2)} s vs ${med(`${mb} MiB:raw-restore-down`).toFixed(2)} s`);
  lines.push(`| etcd without a healthy answer during a restore: agent vs raw (not a target) | ${downs.join(' | ')} | |`);
};
// Every run's median time, peak RSS and archive size.
const runTable = (): string[] => {
  const out = ['| run | ' + SIZES_MB.map((mb) => `${mb} MiB: time, peak RSS, archive`).join(' | ') + ' |', '|---|' + SIZES_MB.map(() => '---').join('|') + '|'];
  const seen = new Set<string>();
  for (const [k, row] of rows) {
    const tag = k.slice(k.indexOf(':') + 1);
    if (k.startsWith('cold:') || seen.has(tag)) continue;
    seen.add(tag);
    const cells = SIZES_MB.map((mb) => {
      const r = rows.get(`${mb} MiB:${tag}`);
      if (!r) return '';
      const rss = r.peakMiB.length ? `, ${Math.max(...r.peakMiB).toFixed(0)} MiB` : '';
      return `${median(r.seconds).toFixed(2)} s${rss}${r.bytes ? `, ${(r.bytes / 2 ** 20).toFixed(1)} MiB` : ''}`;
    });
    out.push(`| ${row.what} | ${cells.join(' | ')} |`);
  }
  return out;
};
if (ONLY === 'restore') {
  restoreTargets();
  target('agent peak RSS ≤ 100 MiB (restore, verify)', 100, (s) => Math.max(peak(`${s}:restore`), peak(`${s}:verify`)), (v) => `${v.toFixed(0)} MiB`);
  console.log([...lines, '', ...runTable()].join('\n'));
  process.exit(0);
}
target('snapshot (default: gzip) ≤ 1.5× raw save', 1.5, (s) => med(`${s}:snapshot`) / med(`${s}:raw-save`));
target('snapshot with gzip:6 (the default before) ≤ 1.5× raw save', 1.5, (s) => med(`${s}:snapshot-gzip6`) / med(`${s}:raw-save`));
target('snapshot (zstd) ≤ 1.5× raw save', 1.5, (s) => med(`${s}:snapshot-zstd`) / med(`${s}:raw-save`));
target('encrypted ≤ 1.2× plain (default)', 1.2, (s) => med(`${s}:snapshot-encrypted`) / med(`${s}:snapshot`));
target('S3 upload adds ≤ 30 % (default)', 1.3, (s) => med(`${s}:snapshot-s3`) / med(`${s}:snapshot`));
const snapshotKeys = ['snapshot', 'snapshot-gzip6', 'snapshot-zstd', 'snapshot-none', 'snapshot-encrypted', 'snapshot-s3', 'snapshot-s3-encrypted', 'snapshot-zstd-s3-encrypted'];
if (ONLY === 'snapshot') {
  target('agent peak RSS ≤ 100 MiB, every snapshot', 100, (s) => Math.max(...snapshotKeys.map((k) => peak(`${s}:${k}`))), (v) => `${v.toFixed(0)} MiB`);
  console.log([...lines, '', ...runTable()].join('\n'));
  process.exit(0);
}
restoreTargets();
const agentKeys = [...snapshotKeys, 'restore', 'verify', 'list'];
target('agent peak RSS ≤ 100 MiB, every command', 100, (s) => Math.max(...agentKeys.map((k) => peak(`${s}:${k}`))), (v) => `${v.toFixed(0)} MiB`);
lines.push('', ...coldLines());
lines.push('', ...runTable());
lines.push('', `Ratios: ${SIZES_MB.map((mb) => `${mb} MiB snapshot/raw ${ratio(med(`${mb} MiB:snapshot`), med(`${mb} MiB:raw-save`))}, runbook/raw ${ratio(med(`${mb} MiB:runbook`), med(`${mb} MiB:raw-save`))}`).join('; ')}`);
lines.push('', ...rssLines);
lines.push('', ...(await benchPitr()));
console.log(lines.join('\n'));
