import t from 'tap';
import { execFileSync } from 'node:child_process';
import { copyFile, stat, writeFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { listDir, tempDir } from '../support/files/dirs.ts';
import { restoreUnit, SERVICE, snapshotPath } from '../support/juju/restore-unit.ts';

type Results = { restore: Record<string, string>; backup?: Record<string, string> };

t.test('round trip: deleted keys come back, later keys are gone, the old data is kept', async (t) => {
  const unit = await restoreUnit(t);
  await unit.etcd.put('/registry/configmaps/default/before', 'v1');
  const snap = await unit.run('snapshot', { target: unit.snapshotDir });
  t.equal(snap.status, 'completed', snap.message ?? '');
  await unit.etcd.etcdctl(['del', '/registry/configmaps/default/before']);
  await unit.etcd.put('/registry/configmaps/default/after', 'v2');
  const keysBefore = await unit.etcd.count();

  const run = await unit.run('restore', { source: snapshotPath(snap), target: unit.backupDir });
  t.equal(run.exitCode, 0);
  t.equal(run.status, 'completed', run.message ?? '');
  const results = run.results as Results;
  t.equal(await unit.etcd.get('/registry/configmaps/default/before'), 'v1', 'a key deleted after the snapshot is back');
  t.equal(await unit.etcd.get('/registry/configmaps/default/after'), undefined, 'a key written after the snapshot is gone');
  t.equal(results.restore.source, snapshotPath(snap));
  t.equal(results.restore.sha256, execFileSync('sha256sum', [snapshotPath(snap)], { encoding: 'utf8' }).split(' ')[0]);
  t.equal(results.restore.revision, (snap.results as { snapshot: { revision: string } }).snapshot.revision);
  t.equal(results.restore['total-keys'], (snap.results as { snapshot: { 'total-keys': string } }).snapshot['total-keys']);
  t.equal(results.restore['data-dir'], unit.etcd.dataDir);
  t.equal(results.restore['hash-check'], 'verified');
  t.equal(results.restore['revision-bump'], 'not supported by /usr/bin/etcdctl', 'etcd 3.4 cannot bump revisions, and the results say so');

  t.ok(results.backup?.path, 'a safety snapshot was taken');
  t.equal(dirname(results.backup!.path!), unit.backupDir);
  t.equal(results.backup!.sha256, execFileSync('sha256sum', [results.backup!.path!], { encoding: 'utf8' }).split(' ')[0]);
  const previous = results.restore['previous-data-dir']!;
  t.match(previous, `${unit.etcd.dataDir}.pre-restore-`);
  t.ok((await stat(join(previous, 'member', 'snap', 'db'))).isFile(), 'the previous data dir is kept');

  const calls = await unit.systemctlCalls();
  t.match(calls, new RegExp(`stop ${SERVICE}[\\s\\S]*start ${SERVICE}`), 'etcd was stopped then started through systemctl');
  t.match(run.actionLogs.join('\n'), /taking a safety snapshot[\s\S]*stopping[\s\S]*starting/);
  const statuses = run.statusHistory.map((s) => s.status);
  t.same(statuses.slice(-2), ['maintenance', 'active']);
  t.ok(keysBefore > 0);
});

t.test('the attached resource is the default source; skip-backup takes no safety copy', async (t) => {
  const unit = await restoreUnit(t);
  const snap = await unit.run('snapshot', { target: unit.snapshotDir });
  const resource = join(unit.work, 'resource', 'snapshot.tar.gz');
  await mkdir(dirname(resource));
  await copyFile(snapshotPath(snap), resource);
  await unit.etcd.put('/registry/pods/default/extra', 'x');
  const run = await unit.run('restore', { source: '', target: unit.backupDir, 'skip-backup': true }, { resources: { snapshot: resource } });
  t.equal(run.status, 'completed', run.message ?? '');
  const results = run.results as Results;
  t.equal(results.restore.source, resource);
  t.equal(results.backup?.path, undefined);
  t.equal(results.backup?.skipped, 'skip-backup=true');
  t.same(await listDir(unit.backupDir), [], 'no safety copy was written');
  t.equal(await unit.etcd.get('/registry/pods/default/extra'), undefined);
});

t.test('no source and no resource: say how to attach one', async (t) => {
  const unit = await restoreUnit(t, 2);
  const run = await unit.run('restore', { source: '', target: unit.backupDir });
  t.equal(run.status, 'failed');
  t.match(run.message, /no source given and no snapshot resource attached; attach one with `juju attach-resource etcd snapshot=/);
  t.notMatch(await unit.systemctlCalls(), /stop/);
});

t.test('a plain etcdctl .db and an old charm tarball with a raw ./db', async (t) => {
  const unit = await restoreUnit(t);
  const dir = await tempDir(t, 'formats');
  const bare = join(dir, 'plain.db');
  await unit.etcd.etcdctl(['snapshot', 'save', bare]);
  await unit.etcd.put('/registry/later', '1');
  const plain = await unit.run('restore', { source: bare, target: unit.backupDir, 'skip-backup': true });
  t.equal(plain.status, 'completed', plain.message ?? '');
  t.match(plain.results, { restore: { format: 'bare-db', 'hash-check': 'verified' } });
  t.equal(await unit.etcd.get('/registry/later'), undefined);

  // An older charm copied member/snap/db raw into a tarball: no integrity hash.
  await unit.etcd.put('/registry/legacy-marker', 'yes');
  const raw = join(dir, 'legacy');
  await mkdir(raw);
  await unit.service.systemctl(['stop', SERVICE]);
  await copyFile(join(unit.etcd.dataDir, 'member', 'snap', 'db'), join(raw, 'db'));
  await unit.service.systemctl(['start', SERVICE]);
  const tarball = join(dir, 'etcd-snapshot-legacy.tar.gz');
  execFileSync('tar', ['czf', tarball, '-C', raw, './db']);
  await unit.etcd.etcdctl(['del', '/registry/legacy-marker']);
  const legacy = await unit.run('restore', { source: tarball, target: unit.backupDir, 'skip-backup': true });
  t.equal(legacy.status, 'completed', legacy.message ?? '');
  t.match(legacy.results, { restore: { format: 'legacy-tarball', 'hash-check': 'skipped' } });
  t.equal(await unit.etcd.get('/registry/legacy-marker'), 'yes');
});

t.test('rollback: when etcd will not start on the restored data, the previous data comes back', async (t) => {
  const unit = await restoreUnit(t);
  const snap = await unit.run('snapshot', { target: unit.snapshotDir });
  await unit.etcd.put('/registry/written-after', 'keep-me');
  await writeFile(join(unit.service.simDir, `${SERVICE}.fail-start-once`), '');
  const run = await unit.run('restore', { source: snapshotPath(snap), target: unit.backupDir, 'skip-backup': true });
  t.equal(run.exitCode, 0);
  t.equal(run.status, 'failed');
  t.match(run.message, /^restore failed: systemctl start snap\.etcd\.etcd failed.*previous data restored and etcd started again/);
  t.equal(await unit.etcd.get('/registry/written-after'), 'keep-me', 'etcd runs on its previous data');
  const parent = await listDir(dirname(unit.etcd.dataDir));
  t.ok(parent.some((n) => n.includes('.failed-restore-')), 'the failed attempt is kept for inspection');
  t.notOk(parent.some((n) => n.includes('.pre-restore-')), 'the previous data is back in place');
  t.equal(run.statusHistory.at(-1)?.status, 'active');
});
