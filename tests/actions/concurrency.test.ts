import t from 'tap';
import { chmod, readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { restoreUnit, SERVICE, snapshotPath } from '../support/juju/restore-unit.ts';
import { readState, spawnAgent, waitFor } from '../support/juju/agent-process.ts';
import { listDir } from '../support/files/dirs.ts';

// A stand-in etcdctl that takes `seconds` longer over `snapshot save`, so a second run meets the first.
const slowEtcdctl = async (dir: string, seconds: number): Promise<string> => {
  const path = join(dir, 'slow-etcdctl');
  await writeFile(path, `#!/bin/sh\ncase " $* " in *" snapshot save "*) sleep ${seconds};; esac\nexec /usr/bin/etcdctl "$@"\n`);
  await chmod(path, 0o755);
  return path;
};

// A snapshot by the CLI (a process of its own, as an operator's shell or the scheduler is) of the same member.
const slowSnapshot = (endpoint: string, dataDir: string, etcdctl: string, target: string) =>
  spawnAgent(['snapshot', '--etcd-endpoints', endpoint, '--etcdctl-path', etcdctl, '--etcd-data-dir', dataDir, '--target', target]);

// What the unit lock's holder wrote, once someone holds it.
const lockHolder = async (dataDir: string): Promise<{ what: string; pid: number } | undefined> => {
  const text = await readFile(join(dirname(dataDir), `.${basename(dataDir)}.etcd-agent.lock`), 'utf8').catch(() => '');
  return text ? (JSON.parse(text) as { what: string; pid: number }) : undefined;
};

t.test('a restore during a snapshot waits for it; both succeed', async (t) => {
  const unit = await restoreUnit(t, 20);
  const first = await unit.run('snapshot', { target: unit.snapshotDir });
  t.equal(first.status, 'completed', first.message ?? '');
  const snapshot = slowSnapshot(unit.etcd.endpoint, unit.etcd.dataDir, await slowEtcdctl(unit.work, 8), join(unit.work, 'slow'));
  const holder = await waitFor('the snapshot to hold the lock', () => lockHolder(unit.etcd.dataDir));
  t.equal(holder.what, 'snapshot');
  const restore = await unit.run('restore', { source: snapshotPath(first), target: unit.backupDir, 'skip-backup': true });
  const slow = await snapshot;
  t.equal(slow.exitCode, 0, slow.all);
  t.equal(restore.status, 'completed', restore.message ?? '');
  t.equal(
    restore.logs.filter((l) => l.message.startsWith(`waiting up to 300s for snapshot (pid ${holder.pid}, since `)).length,
    1,
    'the restore said whom it waited for',
  );
  t.equal((restore.results as { restore: Record<string, string> }).restore.revision, (first.results as { snapshot: Record<string, string> }).snapshot.revision);
  const calls = (await unit.systemctlCalls()).split('\n');
  t.strictSame(calls.filter((c) => c.startsWith('stop ') || c.startsWith('start ')), [`stop ${SERVICE}`, `start ${SERVICE}`]);
});

t.test('a restore fails at once, naming the holder, when lock-timeout is 0', async (t) => {
  const unit = await restoreUnit(t, 5);
  const first = await unit.run('snapshot', { target: unit.snapshotDir });
  const snapshot = slowSnapshot(unit.etcd.endpoint, unit.etcd.dataDir, await slowEtcdctl(unit.work, 8), join(unit.work, 'slow'));
  const holder = await waitFor('the snapshot to hold the lock', () => lockHolder(unit.etcd.dataDir));
  const before = await unit.systemctlCalls();
  const restore = await unit.run('restore', { source: snapshotPath(first), target: unit.backupDir }, { config: { ...unit.config, 'lock-timeout': 0 } });
  t.equal(restore.status, 'failed');
  const lock = join(dirname(unit.etcd.dataDir), `.${basename(unit.etcd.dataDir)}.etcd-agent.lock`);
  t.equal(restore.message?.replace(/since \S+\)/, 'since T)'), `snapshot (pid ${holder.pid}, since T) holds the unit lock ${lock}; try again once it has finished`);
  t.equal(await unit.systemctlCalls(), before, 'etcd was not touched');
  t.strictSame(await listDir(unit.backupDir), [], 'no safety snapshot was taken');
  const slow = await snapshot;
  t.equal(slow.exitCode, 0, slow.all);
});

t.test('scheduled runs that meet a restore are skipped, never failed', async (t) => {
  const unit = await restoreUnit(t, 20);
  const first = await unit.run('snapshot', { target: unit.snapshotDir });
  const schedDir = join(unit.work, 'scheduled');
  const scheduler = spawnAgent([
    'schedule',
    '--etcd-endpoints', unit.etcd.endpoint,
    '--etcdctl-path', '/usr/bin/etcdctl',
    '--etcd-data-dir', unit.etcd.dataDir,
    '--snapshot-dir', schedDir,
    '--snapshot-schedule', '* * * * * *',
  ]);
  t.teardown(() => void scheduler.kill('SIGKILL'));
  await waitFor('a first scheduled snapshot', async () => ((await readState(schedDir))?.lastSuccess ? true : undefined));
  const restore = await unit.run('restore', { source: snapshotPath(first), target: unit.backupDir, 'skip-backup': true });
  t.equal(restore.status, 'completed', restore.message ?? '');
  await sleep(2500);
  scheduler.kill('SIGTERM');
  const { stderr } = await scheduler;
  const lines = String(stderr).split('\n');
  t.strictSame(lines.filter((l) => l.includes('scheduled snapshot failed')), [], 'no scheduled run failed');
  // A run the final SIGTERM cut short is logged as interrupted, never as failed.
  t.strictSame(lines.filter((l) => l.includes('scheduled snapshot interrupted') && !l.endsWith('the snapshot was interrupted (the scheduler is stopping); nothing was kept')), [], 'only SIGTERM interrupted a run');
  t.ok(lines.some((l) => /scheduled snapshot skipped: restore \(pid \d+, since \S+\) held the unit lock/.test(l)), 'a run met the restore and was skipped');
  const state = await readState(schedDir);
  t.not(state?.lastRun?.outcome, 'failed');
  t.equal((await readdir(schedDir)).filter((n) => n.startsWith('.etcd-agent-work') || n.includes('.partial-')).length, 0, 'nothing partial left');
});
