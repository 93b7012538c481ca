// The point-in-time part of npm run bench (issue 14): the scheduler's peak RSS while it captures 2,000 writes/s of
// 1 KiB values, the RPO in normal operation (how old the newest recoverable point is, sampled every second while a
// writer runs), and the time of a restore to a point against a plain restore of the same base, interleaved.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa, type ResultPromise } from 'execa';
import type { Etcd3 } from 'etcd3';
import { parse } from 'yaml';
import { STATE_FILE, type ScheduleState } from '../../src/state/schedule-state.ts';
import { AGENT, measure, type Measured } from './measure.ts';

// What one write load did.
export interface LoadRun {
  writes: number;
  seconds: number;
}

// Puts `rate` writes a second of valueBytes each for seconds, in ticks of 50 ms (keys rewritten in a ring of 5,000,
// like status updates); returns how many were written and how long it took (the rate reached, when etcd is slower).
export const writeLoad = async (client: Etcd3, rate: number, seconds: number, valueBytes: number, onTick?: () => void): Promise<LoadRun> => {
  const value = Buffer.alloc(valueBytes, 'x');
  const perTick = Math.max(1, Math.round(rate / 20));
  const started = performance.now();
  let writes = 0;
  for (let tick = 0; performance.now() - started < seconds * 1000; tick++) {
    const due = started + tick * 50;
    const puts = Array.from({ length: perTick }, (_, k) => client.put(`/registry/configmaps/bench/cm-${(writes + k) % 5000}`).value(value).exec());
    await Promise.all(puts);
    writes += perTick;
    onTick?.();
    const wait = due + 50 - performance.now();
    if (wait > 0) await sleep(wait);
  }
  return { writes, seconds: (performance.now() - started) / 1000 };
};

// The capture's covered point from the state file, when there is one.
export const coveredPoint = async (snapshotDir: string): Promise<{ revision: number; at: number } | undefined> => {
  const text = await readFile(join(snapshotDir, STATE_FILE), 'utf8').catch(() => '');
  const state = (text ? JSON.parse(text) : {}) as ScheduleState;
  return state.capture ? { revision: state.capture.coveredRevision, at: Date.parse(state.capture.coveredAt) } : undefined;
};

// The peak resident memory (VmHWM) of a running process, in MiB.
const peakMiB = async (pid: number | undefined): Promise<number> => {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
};

// What the point-in-time bench measured.
export interface PointInTimeFigures {
  captureRate: LoadRun;
  capturePeakMiB: number;
  rpoSeconds: number[];
  events: number;
  plainRestore: Measured[];
  pointRestore: Measured[];
  eventsApplied: number;
}

// Everything the bench needs from its caller: an etcd behind the systemctl stand-in, the agent's flags for it, and
// a base snapshot in flags' snapshot dir.
export interface PointInTimeSetup {
  client: Etcd3;
  flags: string[];
  env: Record<string, string>;
  snapshotDir: string;
  base: string;
  backups: string;
  runs: number;
  say(line: string): void;
  // Removes what each restore keeps (the previous data dir), so the disk does not fill up.
  tidy(): Promise<void>;
}

const revisionNow = async (client: Etcd3): Promise<number> => Number((await client.maintenance.status()).header.revision);

// Runs the scheduler with capture on, the two loads (2,000/s for the RSS, 200/s for the RPO), stops it once every
// write is covered, then times restores to the newest point against restores of the base.
export const benchPointInTime = async (setup: PointInTimeSetup): Promise<PointInTimeFigures> => {
  const { client, flags, env, snapshotDir, say } = setup;
  const startRevision = await revisionNow(client);
  const scheduler: ResultPromise = execa(AGENT, ['schedule', ...flags, '--snapshot-schedule', '0 0 1 1 *', '--delta-interval', '10', '--metrics-address', ''], {
    env: { ...env, NODE_OPTIONS: '' }, reject: false, stdin: 'ignore',
  });
  try {
    for (let waited = 0; (await coveredPoint(snapshotDir)) === undefined; waited++) {
      if (waited > 300) throw new Error('the scheduler never recorded a capture status');
      await sleep(100);
    }
    const captureRate = await writeLoad(client, 2000, 60, 1024);
    say(`point in time: ${captureRate.writes} writes in ${captureRate.seconds.toFixed(1)} s (${(captureRate.writes / captureRate.seconds).toFixed(0)}/s) of 1 KiB`);
    const rpoSeconds: number[] = [];
    let lastSample = 0;
    await writeLoad(client, 200, 60, 1024, () => {
      if (performance.now() - lastSample < 1000) return;
      lastSample = performance.now();
      void coveredPoint(snapshotDir).then((p) => p && rpoSeconds.push((Date.now() - p.at) / 1000));
    });
    const last = await revisionNow(client);
    for (let waited = 0; ((await coveredPoint(snapshotDir))?.revision ?? 0) < last; waited++) {
      if (waited > 600) throw new Error(`the capture did not cover revision ${last} within a minute`);
      await sleep(100);
    }
    const capturePeakMiB = await peakMiB(scheduler.pid);
    scheduler.kill('SIGTERM');
    await scheduler;
    say(`point in time: capture peak RSS ${capturePeakMiB.toFixed(0)} MiB, ${last - startRevision} revisions captured`);
    const plainRestore: Measured[] = [];
    const pointRestore: Measured[] = [];
    let eventsApplied = 0;
    const restore = ['restore', ...flags, '--skip-backup', '--target', setup.backups];
    for (let r = 1; r <= setup.runs; r++) {
      plainRestore.push(await measure(AGENT, [...restore, '--source', setup.base], env));
      await setup.tidy();
      const point = await measure(AGENT, [...restore, '--to-revision', String(last)], env);
      pointRestore.push(point);
      const doc = parse(point.stdout) as { restore: Record<string, string> };
      eventsApplied = Number(doc.restore['events-applied']);
      await setup.tidy();
      say(`point in time: restore round ${r} done (${eventsApplied} events replayed)`);
    }
    return { captureRate, capturePeakMiB, rpoSeconds, events: last - startRevision, plainRestore, pointRestore, eventsApplied };
  } finally {
    scheduler.kill('SIGKILL');
    await scheduler.catch(() => undefined);
  }
};
