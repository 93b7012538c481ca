import t, { type Test } from 'tap';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { restoreUnit, SERVICE, snapshotPath, type RestoreUnit } from '../support/juju/restore-unit.ts';

// A restore killed (SIGKILL of the agent's whole process group, as an OOM kill or a reboot would) at each phase,
// then settled by the next hook or action: etcd runs on the old data or on the verified restored data, and nothing
// of the old data is lost.

const JOURNAL = (unit: RestoreUnit): string => join(dirname(unit.etcd.dataDir), `.etcd-agent-${basename(unit.etcd.dataDir)}.restore-journal.json`);
const NO_SCHEDULE = { 'snapshot-schedule': '' };

// What the journal says, as far as these tests look.
interface Journal {
  phase: string;
  run: string;
  updated: string;
  fresh: string;
  previous: string;
  expectedRevision: number;
}

// Siblings of the data dir a restore made (fresh, previous, failed dirs, journal, scratch), sorted.
const siblings = async (unit: RestoreUnit): Promise<string[]> => {
  const names = await readdir(dirname(unit.etcd.dataDir));
  const base = basename(unit.etcd.dataDir);
  return names.filter((n) => n !== base && (n.startsWith(`${base}.`) || n.startsWith(`.${base}.`) || n.startsWith('.etcd-agent-'))).sort();
};

// A unit with a snapshot of `keys` keys, and `later` keys written after it (the state a restore would undo).
const unitWithSnapshot = async (t: Test): Promise<{ unit: RestoreUnit; archive: string; snapshotKeys: number; liveKeys: number }> => {
  const unit = await restoreUnit(t, 20);
  const snap = await unit.run('snapshot', { target: unit.snapshotDir });
  t.equal(snap.status, 'completed', snap.message ?? '');
  const snapshotKeys = await unit.etcd.count();
  await unit.etcd.put('/registry/configmaps/default/written-after', 'later');
  await unit.etcd.put('/registry/configmaps/default/written-after-too', 'later');
  await unit.etcd.etcdctl(['del', '/registry/pods/default/pod-0']);
  return { unit, archive: snapshotPath(snap), snapshotKeys, liveKeys: await unit.etcd.count() };
};

// Whether the stand-in reports etcd active.
const isActive = async (unit: RestoreUnit): Promise<string> => (await unit.service.systemctl(['is-active', SERVICE])).stdout.trim();

t.test('killed right after systemctl stop: update-status starts etcd on the untouched data', async (t) => {
  const { unit, archive, liveKeys } = await unitWithSnapshot(t);
  await writeFile(join(unit.service.simDir, `${SERVICE}.kill-caller-after-stop`), '');
  const killed = await unit.runDetached('restore', { source: archive, target: unit.backupDir, 'skip-backup': true });
  t.equal(killed.message, 'signal: killed', 'the agent died mid-restore');
  t.equal(await isActive(unit), 'inactive', 'etcd was left stopped');
  const journal = JSON.parse(await readFile(JOURNAL(unit), 'utf8')) as Journal;
  t.equal(journal.phase, 'stopping');
  const pid = journal.run.split('-')[0];
  t.strictSame(
    (await siblings(unit)).map((n) => n.replace(new RegExp(`^\\.etcd-agent-restore-${journal.run}-\\w{6}$`), `.etcd-agent-restore-${pid}-*`)),
    [basename(journal.fresh), `.${basename(unit.etcd.dataDir)}.etcd-agent.lock`, basename(JOURNAL(unit)), `.etcd-agent-restore-${pid}-*`].sort(),
    'the dead run left its fresh dir, journal and scratch',
  );

  const status = await unit.hook('update-status', NO_SCHEDULE);
  t.equal(status.exitCode, 0, status.stderr);
  t.equal(await isActive(unit), 'active', 'etcd runs again');
  t.equal(await unit.etcd.count(), liveKeys, 'on the data it had: nothing restored, nothing lost');
  t.equal(await unit.etcd.get('/registry/configmaps/default/written-after'), 'later');
  t.strictSame(await siblings(unit), [`.${basename(unit.etcd.dataDir)}.etcd-agent.lock`], 'the fresh dir and the journal are gone');
  const last = status.statusHistory.at(-1);
  t.equal(last?.status, 'active');
  t.equal(
    last?.message.split('; ')[0],
    `the restore from ${archive} interrupted at stopping (${journal.updated}) had not swapped the data`,
  );
});

t.test('killed right before systemctl start: the next action finishes the restore on the verified data', async (t) => {
  const { unit, archive, snapshotKeys, liveKeys } = await unitWithSnapshot(t);
  await writeFile(join(unit.service.simDir, `${SERVICE}.kill-caller-before-start`), '');
  const killed = await unit.runDetached('restore', { source: archive, target: unit.backupDir, 'skip-backup': true });
  t.equal(killed.message, 'signal: killed');
  t.equal(await isActive(unit), 'inactive', 'etcd was left stopped on swapped data');
  const journal = JSON.parse(await readFile(JOURNAL(unit), 'utf8')) as Journal;
  t.equal(journal.phase, 'swapped');

  const list = await unit.run('list-snapshots', {});
  t.equal(list.status, 'completed', list.message ?? '');
  t.equal(await isActive(unit), 'active');
  t.equal(await unit.etcd.count(), snapshotKeys, 'etcd serves the snapshot');
  t.equal(await unit.etcd.get('/registry/configmaps/default/written-after'), undefined);
  t.not(snapshotKeys, liveKeys);
  t.strictSame(await siblings(unit), [basename(journal.previous), `.${basename(unit.etcd.dataDir)}.etcd-agent.lock`].sort(), 'the previous data is kept, the journal gone');
  const settled = `the restore from ${archive} interrupted at swapped (${journal.updated}) is finished: etcd runs on the restored data (revision ${journal.expectedRevision} or later)`;
  t.equal(list.logs.filter((l) => l.message === settled).length, 1, 'the log says what was settled');
});

t.test('killed as the fresh data dir appears: the next snapshot removes it and etcd was never stopped', async (t) => {
  const { unit, archive, liveKeys } = await unitWithSnapshot(t);
  const parent = dirname(unit.etcd.dataDir);
  const restoring = unit.runDetached('restore', { source: archive, target: unit.backupDir, 'skip-backup': true });
  // Kill the agent's group the moment the fresh dir shows up.
  let killedAt: string | undefined;
  for (let i = 0; i < 4000 && killedAt === undefined; i++) {
    const fresh = (await readdir(parent)).find((n) => n.startsWith(`${basename(unit.etcd.dataDir)}.restore-`));
    if (fresh) {
      const journal = JSON.parse(await readFile(JOURNAL(unit), 'utf8')) as Journal;
      process.kill(-Number(journal.run.split('-')[0]), 'SIGKILL');
      killedAt = journal.phase;
    } else await sleep(5);
  }
  const killed = await restoring;
  t.equal(killed.message, 'signal: killed');
  t.equal(killedAt, 'prepared');
  t.equal(await isActive(unit), 'active', 'etcd kept running');
  const snap = await unit.run('snapshot', { target: unit.snapshotDir });
  t.equal(snap.status, 'completed', snap.message ?? '');
  t.strictSame(await siblings(unit), [`.${basename(unit.etcd.dataDir)}.etcd-agent.lock`], 'fresh dir, scratch and journal removed');
  t.equal(await unit.etcd.count(), liveKeys);
  t.notOk((await unit.systemctlCalls()).includes(`stop ${SERVICE}`), 'no systemctl stop ever ran');
});

t.test('while the interrupted restore cannot be settled, the unit is blocked naming the command that fixes it', async (t) => {
  const { unit, archive, liveKeys } = await unitWithSnapshot(t);
  await writeFile(join(unit.service.simDir, `${SERVICE}.kill-caller-after-stop`), '');
  await unit.runDetached('restore', { source: archive, target: unit.backupDir, 'skip-backup': true });
  await writeFile(join(unit.service.simDir, `${SERVICE}.fail-start`), '');
  const blocked = await unit.hook('update-status', NO_SCHEDULE);
  const last = blocked.statusHistory.at(-1);
  t.equal(last?.status, 'blocked');
  t.match(last?.message, `an interrupted restore of ${unit.etcd.dataDir} could not be finished (systemctl start ${SERVICE} failed: `);
  t.equal(last?.message.slice(last.message.lastIndexOf('; run ')), `; run rm ${JOURNAL(unit)} && systemctl start ${SERVICE}`);
  const snap = await unit.run('snapshot', { target: unit.snapshotDir });
  t.equal(snap.status, 'failed', 'no snapshot runs over an unsettled restore');
  t.equal(snap.message, last?.message);

  await unit.service.systemctl(['reset-failed']);
  const { rm } = await import('node:fs/promises');
  await rm(join(unit.service.simDir, `${SERVICE}.fail-start`));
  const settled = await unit.hook('update-status', NO_SCHEDULE);
  t.equal(settled.statusHistory.at(-1)?.status, 'active');
  t.equal(await unit.etcd.count(), liveKeys);
});

t.test('update-status is never active while etcd is down, and says which', async (t) => {
  const unit = await restoreUnit(t, 5);
  await unit.service.systemctl(['stop', SERVICE]);
  const down = await unit.hook('update-status', NO_SCHEDULE);
  t.strictSame(down.statusHistory.at(-1), { status: 'blocked', message: `etcd-service ${SERVICE} is not active; scheduled snapshots off; no scheduled snapshot yet` });
  await unit.service.systemctl(['start', SERVICE]);
  const wrongEndpoint = await unit.hook('update-status', { ...NO_SCHEDULE, 'etcd-endpoints': 'http://127.0.0.1:9' });
  const last = wrongEndpoint.statusHistory.at(-1);
  t.equal(last?.status, 'blocked');
  t.equal(last?.message.startsWith('etcd does not answer: checking its health failed: etcd at http://127.0.0.1:9 did not answer ('), true, last?.message ?? "");
});
