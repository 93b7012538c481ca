// The soak: the agent's scheduler (`etcd-agent schedule`) runs for SOAK_MINUTES (default 30) against a throwaway
// etcd on loopback that a Kubernetes-like writer keeps busy, uploading to a real S3 server on loopback, with a
// snapshot every 10 s, a restore drill every 30 s and retention 5. Samples the scheduler's memory and file
// descriptors, then prints a Markdown table. Exit code 1 when a run or drill failed, the scheduler exited on its
// own, or hidden scratch files were left; 130 when interrupted (Ctrl-C) otherwise. Not part of CI.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Etcd3 } from 'etcd3';
import { stringify } from 'yaml';
import { parseSnapshotName } from '../src/archive/snapshot-name.ts';
import type { DrillRecord, RunRecord, ScheduleState } from '../src/state/schedule-state.ts';
import { seedKubernetesKeys, startEtcd, type EtcdServer } from '../tests/support/etcd/server.ts';
import { startS3, type S3Server } from '../tests/support/s3/server.ts';
import { readState, spawnAgent, waitFor } from '../tests/support/juju/agent-process.ts';
import { configFor } from '../tests/support/juju/charm-run.ts';

const MINUTES = Number(process.env.SOAK_MINUTES ?? '30');
if (!(MINUTES > 0)) throw new Error(`SOAK_MINUTES must be a positive number of minutes, not ${process.env.SOAK_MINUTES}`);
const WRITES_PER_SECOND = Number(process.env.SOAK_WRITES_PER_SECOND ?? '300');
if (!(WRITES_PER_SECOND > 0)) throw new Error(`SOAK_WRITES_PER_SECOND must be a positive number, not ${process.env.SOAK_WRITES_PER_SECOND}`);
const SAMPLE_MS = 30_000;
const STATE_POLL_MS = 1_000;
const TICK_MS = 100;
const COMPACT_MS = 60_000;
const RETENTION = 5;
const BUCKET = 'etcd-soak';
const UNIT = 'etcd/0';
const SEED_KEYS = 1_000;
const KEYS_PER_KIND = 500;
const NAMESPACES = ['default', 'kube-system', 'team-a', 'team-b'];
// The scheduler's state file (as in src/state/schedule-state.ts, not imported so a mid-edit src/ cannot break the soak).
const STATE_FILE = '.etcd-agent-schedule.json';
const KINDS = [
  { resource: 'pods', kind: 'Pod', prefix: 'pod' },
  { resource: 'configmaps', kind: 'ConfigMap', prefix: 'cm' },
  { resource: 'events', kind: 'Event', prefix: 'event' },
] as const;

type Scheduler = ReturnType<typeof spawnAgent>;
type Kind = (typeof KINDS)[number];

// What the writer did so far.
interface WriterStats {
  writes: number;
  errors: number;
  lastError?: string;
}

// One look at the scheduler process.
interface Sample {
  at: number;
  rssMiB: number;
  fds: number;
}

// Every distinct run and drill record the state file showed, and its last content.
interface StateLog {
  runs: Map<string, RunRecord>;
  drills: Map<string, DrillRecord>;
  last: ScheduleState;
}

// What the scheduler's stderr says.
interface LogCounts {
  written: number;
  failed: number;
  uploads: number;
  overlaps: number;
  drillsPassed: number;
  drillsFailed: number;
  problems: Map<string, number>;
}

// What was left behind when the scheduler stopped.
interface Leftovers {
  archives: number;
  remoteObjects: number;
  remoteArchives: number;
  scratch: string[];
}

// Writes progress to stderr, keeping stdout for the table.
const say = (text: string): void => void process.stderr.write(`soak: ${text}\n`);

// A pick from a list, at random.
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;

// A ~1 KiB Kubernetes-like JSON object (random padding, so it compresses as real objects do).
const manifest = (kind: Kind, namespace: string, name: string): string =>
  JSON.stringify({
    kind: kind.kind,
    apiVersion: 'v1',
    metadata: {
      name,
      namespace,
      uid: randomUUID(),
      creationTimestamp: new Date().toISOString(),
      labels: { app: kind.prefix, 'app.kubernetes.io/managed-by': 'soak' },
      annotations: { 'soak.example/payload': randomBytes(540).toString('base64') },
    },
    spec: { nodeName: `node-${Math.floor(Math.random() * 8)}`, restartPolicy: 'Always', priority: 0 },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: new Date().toISOString() }] },
  });

// One write: a create/update of a key from a bounded key space, or (one in six) its deletion.
const writeOne = async (client: Etcd3): Promise<void> => {
  const kind = pick(KINDS);
  const namespace = pick(NAMESPACES);
  const name = `${kind.prefix}-${Math.floor(Math.random() * KEYS_PER_KIND)}`;
  const key = `/registry/${kind.resource}/${namespace}/${name}`;
  if (Math.random() < 1 / 6) await client.delete().key(key);
  else await client.put(key).value(manifest(kind, namespace, name));
};

// Compacts history to the revision seen at the previous call, as kube-apiserver does; returns the current one.
const compact = async (client: Etcd3, previous: string | undefined): Promise<string> => {
  const { header } = await client.kv.range({ key: Buffer.from('/registry/'), limit: 1 });
  if (previous !== undefined) await client.kv.compact({ revision: previous });
  return header.revision;
};

// Starts the writer: every tick a batch of writes (none while the last batch is still going), history compacted each minute.
const startWriter = (client: Etcd3, perSecond: number): { stats: WriterStats; stop(): Promise<void> } => {
  const stats: WriterStats = { writes: 0, errors: 0 };
  const failed = (error: unknown): void => {
    stats.errors += 1;
    stats.lastError = error instanceof Error ? error.message : String(error);
  };
  const perTick = Math.max(1, Math.round((perSecond * TICK_MS) / 1000));
  let batch: Promise<unknown> | undefined;
  const ticker = setInterval(() => {
    if (batch) return;
    const writes = Array.from({ length: perTick }, () => writeOne(client).then(() => void (stats.writes += 1), failed));
    batch = Promise.all(writes).finally(() => (batch = undefined));
  }, TICK_MS);
  let seen: string | undefined;
  const compactor = setInterval(() => void compact(client, seen).then((rev) => (seen = rev), failed), COMPACT_MS);
  return {
    stats,
    async stop() {
      clearInterval(ticker);
      clearInterval(compactor);
      await batch;
    },
  };
};

// The node process behind a pid: the pid itself when it runs node (bin/etcd-agent execs it), else its child that does.
const nodePid = async (pid: number): Promise<number> => {
  if (basename(await readlink(`/proc/${pid}/exe`)).startsWith('node')) return pid;
  const children = (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8')).trim().split(/\s+/).filter(Boolean).map(Number);
  for (const child of children) if (basename(await readlink(`/proc/${child}/exe`)).startsWith('node')) return child;
  throw new Error(`no node process at or under pid ${pid}`);
};

// Resident memory (VmRSS) and the number of open file descriptors of a process.
const sample = async (pid: number): Promise<Sample> => {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return { at: Date.now(), rssMiB: kib / 1024, fds: (await readdir(`/proc/${pid}/fd`)).length };
};

// The scheduler's config file: the test etcd, a 10 s snapshot schedule, 30 s drills, retention 5 and the S3 server.
const writeConfig = async (path: string, etcd: EtcdServer, s3: S3Server, snapshotDir: string): Promise<void> => {
  const config = configFor(etcd, {
    'etcd-data-dir': etcd.dataDir,
    'etcd-path': '/usr/bin/etcd',
    'snapshot-dir': snapshotDir,
    'snapshot-schedule': '*/10 * * * * *',
    'verify-schedule': '*/30 * * * * *',
    'snapshot-retention': RETENTION,
    's3-endpoint': s3.endpoint,
    's3-bucket': s3.bucket,
    's3-region': 'us-east-1',
    's3-force-path-style': true,
    's3-access-key': s3.accessKeyId,
    's3-secret-key': s3.secretAccessKey,
    // Drills need plain archives (the unit holds no age identity); the bucket is on loopback, so the deliberate
    // opt-in to unencrypted off-site copies is the operator's choice made here.
    's3-allow-unencrypted': true,
  });
  await writeFile(path, stringify(config), { mode: 0o600 });
};

// Resolves with the scheduler's node pid once its state file names it; rejects when it exits first.
const schedulerStarted = async (scheduler: Scheduler, snapshotDir: string): Promise<number> => {
  const exited = scheduler.then((r) => Promise.reject(new Error(`the scheduler exited with ${r.exitCode} before it started:\n${r.all}`)));
  const recorded = await Promise.race([waitFor('the scheduler to start', async () => (await readState(snapshotDir))?.pid), exited]);
  const pid = await nodePid(scheduler.pid as number);
  if (pid !== recorded) say(`the state file names pid ${recorded}, but the scheduler's node process is ${pid}`);
  return pid;
};

// Polls the state file, collecting every run and drill record it shows (each stays at least 10 s); stop() reads it once more.
const watchState = (snapshotDir: string): { log: StateLog; stop(): Promise<StateLog> } => {
  const log: StateLog = { runs: new Map(), drills: new Map(), last: {} };
  const poll = async (): Promise<void> => {
    log.last = ((await readState(snapshotDir)) ?? {}) as ScheduleState;
    if (log.last.lastRun) log.runs.set(`${log.last.lastRun.started} ${log.last.lastRun.finished}`, log.last.lastRun);
    if (log.last.lastDrill) log.drills.set(log.last.lastDrill.finished, log.last.lastDrill);
  };
  let polling: Promise<void> = Promise.resolve();
  const timer = setInterval(() => void (polling = polling.then(poll)), STATE_POLL_MS);
  return {
    log,
    async stop() {
      clearInterval(timer);
      await polling;
      await poll();
      return log;
    },
  };
};

// Counts the scheduler's log lines: runs written and failed (before it was told to stop), uploads, overlaps, drills, warnings and errors.
const countLog = (stderr: string): LogCounts => {
  const counts: LogCounts = { written: 0, failed: 0, uploads: 0, overlaps: 0, drillsPassed: 0, drillsFailed: 0, problems: new Map() };
  let stopping = false;
  for (const line of stderr.split('\n')) {
    if (/^info: SIG\w+ received/.test(line)) stopping = true;
    if (/^info: scheduled snapshot .* written/.test(line)) counts.written += 1;
    if (!stopping && line.startsWith('error: scheduled snapshot failed:')) counts.failed += 1;
    if (line.startsWith('info: uploaded and checked ')) counts.uploads += 1;
    if (line.includes('previous one is still running; this run is skipped')) counts.overlaps += 1;
    if (/^info: restore drill of .* passed/.test(line)) counts.drillsPassed += 1;
    if (line.startsWith('error: restore drill failed:')) counts.drillsFailed += 1;
    if (/^(warning|error): /.test(line)) counts.problems.set(line, (counts.problems.get(line) ?? 0) + 1);
  }
  return counts;
};

// Archives kept locally and in the bucket, and hidden scratch left in the snapshot dir (or in the scheduler's TMPDIR).
const leftovers = async (snapshotDir: string, schedulerTmp: string, s3: S3Server): Promise<Leftovers> => {
  const names = await readdir(snapshotDir);
  const keys = await s3.keys();
  const hidden = names.filter((n) => n.startsWith('.') && n !== STATE_FILE);
  const temp = (await readdir(schedulerTmp)).map((n) => `TMPDIR/${n}`);
  return {
    archives: names.filter((n) => parseSnapshotName(n)).length,
    remoteObjects: keys.length,
    remoteArchives: keys.filter((k) => parseSnapshotName(basename(k))).length,
    scratch: [...hidden, ...temp],
  };
};

// Watches the scheduler's stderr for the line saying a signal is stopping it (a Ctrl-C on the terminal reaches it too).
const watchStopping = (scheduler: Scheduler): (() => boolean) => {
  let tail = '';
  let stopping = false;
  scheduler.stderr.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-1_000);
    stopping ||= /received; stopping/.test(tail);
  });
  return () => stopping;
};

// SIGTERM unless already stopping (a second signal could kill it mid-exit; after Ctrl-C it gets 2 s), then the exit (SIGKILL after 60 s).
const stopScheduler = async (scheduler: Scheduler, stopping: () => boolean, interrupted: boolean): Promise<Awaited<Scheduler>> => {
  if (interrupted) await Promise.race([scheduler, sleep(2_000)]);
  if (!stopping()) scheduler.kill('SIGTERM');
  const killer = setTimeout(() => scheduler.kill('SIGKILL'), 60_000);
  try {
    return await scheduler;
  } finally {
    clearTimeout(killer);
  }
};

// Samples the scheduler every 30 s until the soak's time is up or `end` aborts (interrupt or scheduler exit).
const soak = async (pid: number, writer: WriterStats, state: StateLog, end: AbortSignal): Promise<Sample[]> => {
  const samples = [await sample(pid)];
  const deadline = Date.now() + MINUTES * 60_000;
  while (Date.now() < deadline && !end.aborted) {
    await sleep(Math.min(SAMPLE_MS, deadline - Date.now()), undefined, { signal: end }).catch(() => undefined);
    const now = await sample(pid).catch(() => undefined);
    if (!now) break;
    samples.push(now);
    const minutes = (now.at - (samples[0]?.at ?? now.at)) / 60_000;
    say(`${minutes.toFixed(1)}/${MINUTES} min, ${writer.writes} writes, RSS ${now.rssMiB.toFixed(1)} MiB, ${now.fds} fds, ${state.runs.size} runs, ${state.drills.size} drills`);
  }
  return samples;
};

// How many records had each outcome.
const outcomes = (records: Iterable<{ outcome: string }>): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const { outcome } of records) counts[outcome] = (counts[outcome] ?? 0) + 1;
  return counts;
};

// The Markdown table of the soak.
const table = (samples: Sample[], writes: number, state: StateLog, log: LogCounts, left: Leftovers): string => {
  const first = samples[0];
  const last = samples.at(-1);
  const runs = outcomes(state.runs.values());
  const drills = outcomes(state.drills.values());
  const minutes = first && last ? (last.at - first.at) / 60_000 : 0;
  const cells: [string, string][] = [
    ['minutes', minutes.toFixed(1)],
    ['writes', String(writes)],
    ['runs ok / failed / skipped', `${runs.ok ?? 0} / ${runs.failed ?? 0} / ${(state.last.skippedOverlaps ?? 0) + (runs.skipped ?? 0)}`],
    ['drills ok / failed / skipped', `${drills.ok ?? 0} / ${drills.failed ?? 0} / ${drills.skipped ?? 0}`],
    ['uploads', String(log.uploads)],
    ['RSS start / end (MiB)', `${first?.rssMiB.toFixed(1) ?? '?'} / ${last?.rssMiB.toFixed(1) ?? '?'}`],
    ['fds start / end', `${first?.fds ?? '?'} / ${last?.fds ?? '?'}`],
    ['local archives kept', String(left.archives)],
    ['remote objects kept', `${left.remoteObjects} (${left.remoteArchives} archives)`],
    ['leftover scratch', String(left.scratch.length)],
  ];
  return [`| ${cells.map(([h]) => h).join(' | ')} |`, `|${cells.map(() => ' --- ').join('|')}|`, `| ${cells.map(([, v]) => v).join(' | ')} |`].join('\n');
};

// The notes under the table: disagreements between log and state, interrupted runs, writer errors, log problems, leftovers.
const notes = (result: Awaited<Scheduler>, samples: Sample[], writer: WriterStats, state: StateLog, log: LogCounts, left: Leftovers): string[] => {
  const runs = outcomes(state.runs.values());
  const drills = outcomes(state.drills.values());
  const exit = result.exitCode === undefined ? `killed by ${result.signal ?? '?'}` : `exit code ${result.exitCode}`;
  const lines = [`scheduler ${exit}; peak RSS ${Math.max(...samples.map((s) => s.rssMiB)).toFixed(1)} MiB, peak fds ${Math.max(...samples.map((s) => s.fds))}`];
  if (result.exitCode !== 0) lines.push(`its last log lines:\n${result.stderr.trim().split('\n').slice(-6).map((l) => `  ${l}`).join('\n')}`);
  if (runs.interrupted) lines.push(`${runs.interrupted} run(s) interrupted by the stop (not failures)`);
  if (log.failed !== (runs.failed ?? 0)) lines.push(`the log shows ${log.failed} failed run(s), the state file ${runs.failed ?? 0}`);
  if (log.written < (runs.ok ?? 0)) lines.push(`the log shows ${log.written} snapshot(s) written, the state file ${runs.ok ?? 0} good run(s)`);
  if (log.drillsPassed !== (drills.ok ?? 0) || log.drillsFailed !== (drills.failed ?? 0)) {
    lines.push(`the log shows ${log.drillsPassed} passed / ${log.drillsFailed} failed drill(s), the state file ${drills.ok ?? 0} / ${drills.failed ?? 0}`);
  }
  if (log.overlaps !== (state.last.skippedOverlaps ?? 0)) lines.push(`the log shows ${log.overlaps} skipped run(s), the state file ${state.last.skippedOverlaps ?? 0}`);
  if (left.archives > RETENTION || left.remoteArchives > RETENTION) lines.push(`retention ${RETENTION} exceeded: ${left.archives} local, ${left.remoteArchives} remote archives`);
  if (writer.errors) lines.push(`${writer.errors} writer error(s), last: ${writer.lastError}`);
  for (const [line, count] of log.problems) lines.push(`${count}x ${line}`);
  for (const name of left.scratch) lines.push(`left behind: ${name}`);
  return lines;
};

const interrupt = new AbortController();
// Ctrl-C (or SIGTERM) ends the soak early; the report and the clean-up still run.
const onSignal = (signal: NodeJS.Signals): void => {
  say(`${signal} received; ending the soak early`);
  interrupt.abort();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const work = await mkdtemp(join(tmpdir(), 'etcd-agent-soak-'));
const snapshotDir = join(work, 'snapshots');
const schedulerTmp = join(work, 'tmp');
let etcd: EtcdServer | undefined;
let s3: S3Server | undefined;
let client: Etcd3 | undefined;
let scheduler: Scheduler | undefined;
let stopping = (): boolean => false;
let exitCode = 1;
try {
  await mkdir(schedulerTmp);
  etcd = await startEtcd({ dir: join(work, 'etcd') });
  s3 = await startS3({ bucket: BUCKET });
  await seedKubernetesKeys(etcd, SEED_KEYS);
  client = new Etcd3({ hosts: [etcd.endpoint] });
  const writer = startWriter(client, WRITES_PER_SECOND);
  const configFile = join(work, 'agent.yaml');
  await writeConfig(configFile, etcd, s3, snapshotDir);
  say(`etcd ${etcd.endpoint}, S3 ${s3.endpoint}, work dir ${work}; ${MINUTES} min at up to ${WRITES_PER_SECOND} writes/s`);
  scheduler = spawnAgent(['schedule', '--config-file', configFile, '--unit', UNIT], { TMPDIR: schedulerTmp });
  stopping = watchStopping(scheduler);
  const pid = await schedulerStarted(scheduler, snapshotDir);
  const state = watchState(snapshotDir);
  const exited = new AbortController();
  void scheduler.finally(() => exited.abort());
  const samples = await soak(pid, writer.stats, state.log, AbortSignal.any([interrupt.signal, exited.signal]));
  const earlyExit = exited.signal.aborted;
  const result = await stopScheduler(scheduler, stopping, interrupt.signal.aborted);
  await writer.stop();
  const final = await state.stop();
  const log = countLog(result.stderr);
  const left = await leftovers(snapshotDir, schedulerTmp, s3);
  console.log(table(samples, writer.stats.writes, final, log, left));
  for (const line of notes(result, samples, writer.stats, final, log, left)) console.log(`- ${line}`);
  if (earlyExit) console.log(`- the scheduler exited on its own:\n${result.all}`);
  const runs = outcomes(final.runs.values());
  const drills = outcomes(final.drills.values());
  const failed = earlyExit || result.exitCode !== 0 || (runs.failed ?? 0) > 0 || log.failed > 0 || (drills.failed ?? 0) > 0 || left.scratch.length > 0;
  exitCode = failed ? 1 : interrupt.signal.aborted ? 130 : 0;
} catch (error) {
  say(`failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
} finally {
  if (scheduler) await stopScheduler(scheduler, stopping, interrupt.signal.aborted);
  client?.close();
  await s3?.stop();
  await etcd?.cleanup();
  await rm(work, { recursive: true, force: true });
}
process.exit(exitCode);
