import t from 'tap';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startEtcd } from '../support/etcd/server.ts';
import { listDir, tempDir, unpack } from '../support/files/dirs.ts';
import { readState, spawnAgent, waitFor, waitForCatchUp } from '../support/juju/agent-process.ts';

const SNAPSHOT = /^etcd-snapshot-\d{4}-\d{2}-\d{2}-\d{2}\.\d{2}\.\d{2}\.tar\.gz$/;

const etcd = await startEtcd();
t.teardown(() => etcd.cleanup());
await etcd.put('/registry/namespaces/default', '{}');

const flags = (dir: string, extra: string[] = []) => [
  'schedule',
  '--etcd-endpoints', etcd.endpoint,
  '--etcdctl-path', '/usr/bin/etcdctl',
  '--snapshot-dir', dir,
  // No metrics endpoint: these schedulers run side by side, and the default would bind 0.0.0.0:9494.
  '--metrics-address', '',
  // No point-in-time capture: it would take a full snapshot of its own at start, and these count snapshots.
  '--delta-interval', '0',
  ...extra,
];

// A stand-in etcdctl that is slow (or never finishes) on `snapshot save`, for the overlap and SIGTERM cases.
const slowEtcdctl = async (dir: string, script: string): Promise<string> => {
  const path = join(dir, 'etcdctl');
  await writeFile(path, `#!/bin/sh\ncase " $* " in *" snapshot save "*) ${script};; esac\nexec /usr/bin/etcdctl "$@"\n`);
  await chmod(path, 0o755);
  return path;
};

t.test('scheduled snapshots with retention: exactly K scheduled kept beside a manual one and a foreign file', async (t) => {
  const dir = await tempDir(t, 'sched');
  const manual = spawnAgent(['snapshot', '--etcd-endpoints', etcd.endpoint, '--etcdctl-path', '/usr/bin/etcdctl', '--target', dir]);
  t.equal((await manual).exitCode, 0);
  const [manualName] = (await listDir(dir)).filter((n) => SNAPSHOT.test(n));
  await writeFile(join(dir, 'etcd-snapshot-notes.txt'), 'operator notes\n');

  const scheduler = spawnAgent(flags(dir, ['--snapshot-schedule', '*/2 * * * * *', '--snapshot-retention', '2']));
  // Every good run is seen: the state's lastSuccess changes every 2 s and is polled far more often.
  const good = new Set<string>();
  const goodRuns = (n: number) => async () => {
    const finished = (await readState(dir))?.lastSuccess?.finished;
    if (typeof finished === 'string') good.add(finished);
    return good.size >= n ? true : undefined;
  };
  await waitFor('four good scheduled runs', goodRuns(4));
  await waitFor('two more good runs', goodRuns(6));
  scheduler.kill('SIGTERM');
  const result = await scheduler;
  t.equal(result.exitCode, 0, result.all);
  const written = String(result.all).split('\n').filter((l) => /scheduled snapshot \S+ written \(revision \d+, \d+ bytes\)/.test(l));
  t.equal(written.length >= 6, true, `${written.length} scheduled runs written, at least the 6 seen`);
  t.match(result.all, /scheduler started: "\*\/2 \* \* \* \* \*"/);
  t.match(result.all, /retention removed etcd-snapshot-/);

  const names = await listDir(dir);
  const archives = names.filter((n) => SNAPSHOT.test(n));
  const scheduled = archives.filter((n) => n !== manualName);
  t.equal(scheduled.length, 2, `exactly K=2 scheduled snapshots kept: ${names.join(' ')}`);
  t.ok(archives.includes(manualName!), 'the manual snapshot is untouched');
  t.ok(names.includes('etcd-snapshot-notes.txt'), 'the foreign file is untouched');
  t.same(names.filter((n) => n.includes('.partial') || n.startsWith('.etcd-agent-work')), [], 'nothing partial left');
  for (const name of scheduled) {
    const out = await tempDir(t, 'manifest');
    await unpack(join(dir, name), out);
    t.equal(JSON.parse(await readFile(join(out, 'etcd-snapshot.json'), 'utf8')).trigger, 'scheduled', name);
  }
  const final = await readState(dir);
  t.match(final, { lastRun: { outcome: 'ok' }, lastSuccess: { outcome: 'ok', revision: Number } });
});

t.test('a run that is still going when the next is due is skipped, never overlapped', async (t) => {
  const dir = await tempDir(t, 'sched-overlap');
  const bin = await tempDir(t, 'slow');
  const etcdctl = await slowEtcdctl(bin, `echo start >> ${join(bin, 'saves.log')}; sleep 3; /usr/bin/etcdctl "$@"; r=$?; echo end >> ${join(bin, 'saves.log')}; exit $r`);
  const scheduler = spawnAgent([...flags(dir, ['--snapshot-schedule', '* * * * * *', '--snapshot-retention', '5']), '--etcdctl-path', etcdctl]);
  await waitFor('an overlap skipped and a run finished', async () => {
    const s = await readState(dir);
    return (s?.skippedOverlaps ?? 0) >= 2 && s?.lastSuccess ? s : undefined;
  });
  scheduler.kill('SIGTERM');
  const result = await scheduler;
  t.equal(result.exitCode, 0);
  t.match(result.all, /previous one is still running; this run is skipped/);
  const log = (await readFile(join(bin, 'saves.log'), 'utf8')).trim().split('\n');
  for (let i = 0; i + 1 < log.length; i += 2) t.same(log.slice(i, i + 2), ['start', 'end'], 'saves never interleave');
});

t.test('SIGTERM during a snapshot stops within the wait and leaves no partial file', async (t) => {
  const dir = await tempDir(t, 'sched-term');
  const bin = await tempDir(t, 'hang');
  const marker = join(bin, 'saving');
  const etcdctl = await slowEtcdctl(bin, `touch ${marker}; exec sleep 60`);
  const scheduler = spawnAgent([...flags(dir, ['--snapshot-schedule', '* * * * * *']), '--etcdctl-path', etcdctl]);
  await waitFor('a snapshot in progress', async () => ((await listDir(bin)).includes('saving') ? true : undefined));
  scheduler.kill('SIGTERM');
  const result = await Promise.race([scheduler, new Promise<undefined>((r) => setTimeout(() => r(undefined), 15_000))]);
  t.ok(result, 'the scheduler exited after SIGTERM');
  if (!result) scheduler.kill('SIGKILL');
  t.equal(result?.exitCode, 0);
  const names = await listDir(dir);
  t.same(names.filter((n) => n !== '.etcd-agent-schedule.json'), [], `no archive, partial or scratch left: ${names.join(' ')}`);
  t.match(await readState(dir), { lastRun: { outcome: 'interrupted' } });
  const said = String(result?.all ?? '').split('\n').filter((l) => /scheduled snapshot (failed|interrupted)/.test(l));
  t.strictSame(said, ['warning: scheduled snapshot interrupted: the snapshot was interrupted (the scheduler is stopping); nothing was kept'], 'logged as interrupted, not failed');
});

t.test('scheduled restore drills prove the newest snapshot restorable', async (t) => {
  const dir = await tempDir(t, 'sched-drill');
  const scheduler = spawnAgent(flags(dir, ['--snapshot-schedule', '*/2 * * * * *', '--verify-schedule', '*/3 * * * * *', '--etcd-path', '/usr/bin/etcd']));
  const state = await waitFor('a passed drill', async () => {
    const s = await readState(dir);
    return (s?.lastDrill as Record<string, unknown> | undefined)?.outcome === 'ok' ? s : undefined;
  });
  scheduler.kill('SIGTERM');
  const result = await scheduler;
  t.equal(result.exitCode, 0, result.all);
  t.match(state.lastDrill, { outcome: 'ok', source: /etcd-snapshot-/, revision: Number, keyCount: 1, seconds: Number });
  t.match(result.all, /restore drill of .* passed/);
});

t.test('an invalid schedule is a usage error naming the option as the CLI does', async (t) => {
  const dir = await tempDir(t, 'sched-bad');
  const result = await spawnAgent(flags(dir, ['--snapshot-schedule', '61 * * * *']));
  t.equal(result.exitCode, 2);
  t.match(result.all, /invalid --snapshot-schedule "61 \* \* \* \*": /);
  const fields = await spawnAgent(flags(dir, ['--snapshot-schedule', 'every day']));
  t.equal(fields.exitCode, 2);
  t.match(fields.all, /invalid --snapshot-schedule "every day": .*five fields/);
  const drill = await spawnAgent(flags(dir, ['--snapshot-schedule', '0 * * * *', '--verify-schedule', '0 0 31 2 * x']));
  t.equal(drill.exitCode, 2);
  t.match(drill.all, /invalid --verify-schedule "0 0 31 2 \* x": /);
});

t.test('SIGTERM during a drill stops cleanly: the throwaway etcd and its scratch are gone', async (t) => {
  const dir = await tempDir(t, 'sched-drill-term');
  const scratch = await tempDir(t, 'sched-drill-tmp');
  const bin = await tempDir(t, 'slow-etcd');
  // The drill's etcd takes its time to start, so the stop arrives while the drill runs.
  const slowEtcd = join(bin, 'etcd');
  await writeFile(slowEtcd, '#!/bin/sh\nsleep 3\nexec /usr/bin/etcd "$@"\n');
  await chmod(slowEtcd, 0o755);
  const scheduler = spawnAgent(flags(dir, ['--snapshot-schedule', '*/2 * * * * *', '--verify-schedule', '*/3 * * * * *', '--etcd-path', slowEtcd]), { TMPDIR: scratch });
  await waitFor('a drill under way', async () => ((await listDir(scratch)).some((n) => n.startsWith('.etcd-agent-verify-')) ? true : undefined));
  scheduler.kill('SIGTERM');
  const result = await scheduler;
  t.equal(result.exitCode, 0, result.all);
  t.equal(result.signal, undefined, 'not killed by the signal');
  t.equal(String(result.all).split('\n').filter((l) => l.includes('SIGTERM received; stopping')).length, 1);
  t.strictSame(await listDir(scratch), [], 'no verify scratch left');
});

// A state file whose last good scheduled snapshot finished hours ago (the schedule's period is 6 h).
const staleState = (hoursAgo: number) => {
  const finished = new Date(Date.now() - hoursAgo * 3600_000).toISOString();
  const old = { started: finished, finished, outcome: 'ok', revision: 1, diskBytes: 4096 };
  return JSON.stringify({ schedule: '0 */6 * * *', lastRun: old, lastSuccess: old });
};

t.test('a scheduler that starts on a stale state takes a catch-up snapshot at once', async (t) => {
  const dir = await tempDir(t, 'sched-stale-start');
  await writeFile(join(dir, '.etcd-agent-schedule.json'), staleState(13));
  const scheduler = spawnAgent(flags(dir, ['--snapshot-schedule', '0 */6 * * *']));
  const state = await waitForCatchUp(dir);
  scheduler.kill('SIGTERM');
  const result = await scheduler;
  t.equal(result.exitCode, 0, result.all);
  t.match(state, { lastRun: { catchUp: true, outcome: 'ok' }, lastSuccess: { catchUp: true, outcome: 'ok', archive: String } });
  t.match(result.all, /the last good scheduled snapshot is older than two periods; taking a catch-up snapshot\n/);
  t.equal((await listDir(dir)).filter((n) => SNAPSHOT.test(n)).length, 1);
});

t.test('SIGUSR2 makes the scheduler take a pending catch-up request, or drop it when the snapshot is recent', async (t) => {
  const dir = await tempDir(t, 'sched-request');
  await writeFile(join(dir, '.etcd-agent-schedule.json'), staleState(1));
  const scheduler = spawnAgent(flags(dir, ['--snapshot-schedule', '0 */6 * * *']));
  await waitFor('the scheduler to record its start', async () => ((await readState(dir))?.pid ? true : undefined));
  const request = join(dir, '.etcd-agent-catch-up-request.json');
  await writeFile(request, JSON.stringify({ requested: '2026-12-01T10:00:00.000Z', by: 'a test' }));
  scheduler.kill('SIGUSR2');
  await waitFor('the recent request dropped', async () => ((await listDir(dir)).includes('.etcd-agent-catch-up-request.json') ? undefined : true));

  const stale = JSON.parse(staleState(13));
  await writeFile(join(dir, '.etcd-agent-schedule.json'), JSON.stringify({ ...(await readState(dir)), lastRun: stale.lastRun, lastSuccess: stale.lastSuccess }));
  await writeFile(request, JSON.stringify({ requested: '2026-12-01T11:00:00.000Z', by: 'a test' }));
  scheduler.kill('SIGUSR2');
  const state = await waitForCatchUp(dir);
  scheduler.kill('SIGTERM');
  const result = await scheduler;
  t.equal(result.exitCode, 0, result.all);
  t.equal(result.signal, undefined, 'SIGUSR2 does not end the scheduler');
  t.match(state, { lastSuccess: { catchUp: true, outcome: 'ok' } });
  t.match(result.all, /catch-up snapshot \(requested by a test at 2026-12-01T10:00:00.000Z\) not needed: the last good snapshot is recent/);
  t.match(result.all, /taking a catch-up snapshot \(requested by a test at 2026-12-01T11:00:00.000Z\)/);
  t.equal((await listDir(dir)).filter((n) => SNAPSHOT.test(n)).length, 1, 'one snapshot: the recent request took none');
});
