import t from 'tap';
import { execFileSync } from 'node:child_process';
import { rm, stat } from 'node:fs/promises';
import { startS3 } from '../support/s3/server.ts';
import { restoreUnit, snapshotPath } from '../support/juju/restore-unit.ts';

type Doc = Record<string, Record<string, string>>;

const BUCKET = 'etcd-backups';
const s3 = await startS3({ bucket: BUCKET });
t.teardown(() => s3.stop());

const s3Config = (extra: Record<string, unknown> = {}) => ({
  's3-endpoint': s3.endpoint,
  's3-bucket': BUCKET,
  's3-force-path-style': true,
  's3-prefix': 'backups',
  's3-access-key': s3.accessKeyId,
  's3-secret-key': s3.secretAccessKey,
  's3-retries': 1,
  // These tests upload plain archives on purpose; the default refuses that (tested below).
  's3-allow-unencrypted': true,
  ...extra,
});

t.test('every snapshot goes off the unit; list shows both; restore from s3:// after the local copy is gone', async (t) => {
  const unit = await restoreUnit(t);
  const config = { ...unit.config, ...s3Config() };
  await unit.etcd.put('/registry/configmaps/default/offsite', 'yes');
  const snap = await unit.run('snapshot', { target: unit.snapshotDir }, { config });
  t.equal(snap.status, 'completed', snap.message ?? '');
  const doc = snap.results as Doc;
  const name = snapshotPath(snap).split('/').at(-1)!;
  t.equal(doc.upload!.url, `s3://${BUCKET}/backups/etcd/etcd-0/${name}`);
  t.equal(doc.upload!.sha256, doc.snapshot!.sha256);
  t.match(snap.actionLogs.join('\n'), /uploaded and checked s3:\/\//);

  const list = await unit.run('list-snapshots', {}, { config });
  const listed = list.results as { count: string; snapshots: Record<string, Record<string, string>> };
  t.equal(listed.count, '2');
  t.same(Object.values(listed.snapshots).map((s) => s.location).sort(), ['local', `s3://${BUCKET}/backups/etcd/etcd-0/${name}`].sort());
  t.same(new Set(Object.values(listed.snapshots).map((s) => s.sha256)), new Set([doc.snapshot!.sha256]));

  await rm(snapshotPath(snap));
  await rm(`${snapshotPath(snap)}.sha256`);
  await unit.etcd.etcdctl(['del', '/registry/configmaps/default/offsite']);
  const restore = await unit.run('restore', { source: doc.upload!.url, target: unit.backupDir, 'skip-backup': true }, { config });
  t.equal(restore.status, 'completed', restore.message ?? '');
  t.equal((restore.results as Doc).restore!.source, doc.upload!.url);
  t.equal((restore.results as Doc).restore!.sha256, doc.snapshot!.sha256);
  t.equal(await unit.etcd.get('/registry/configmaps/default/offsite'), 'yes');

  const byName = await unit.run('restore', { source: name, target: unit.backupDir, 'skip-backup': true }, { config });
  t.equal(byName.status, 'completed', `a name found only in S3 is downloaded: ${byName.message ?? ''}`);
});

t.test('credentials from a Juju secret; no credential in any result, status, log line or argv', async (t) => {
  const unit = await restoreUnit(t, 3);
  const config = { ...unit.config, ...s3Config({ 's3-access-key': '', 's3-secret-key': '', 's3-credentials-secret': 'secret:s3creds' }) };
  const secrets = { 'secret:s3creds': { 'access-key': s3.accessKeyId, 'secret-key': s3.secretAccessKey } };
  const snap = await unit.run('snapshot', { target: unit.snapshotDir }, { config, secrets });
  t.equal(snap.status, 'completed', snap.message ?? '');
  const bad = await unit.run('snapshot', { target: unit.snapshotDir }, { config: { ...config, 's3-credentials-secret': '', 's3-access-key': 'AKIAWRONGKEY123', 's3-secret-key': 'wrong-secret-value-xyz' } });
  t.equal(bad.status, 'failed');
  t.match(bad.message, new RegExp(`S3 at ${s3.endpoint.replace(/[/.]/g, '\\$&')}`));
  t.match(bad.message, /the snapshot is kept on the unit at \//);
  const state = await unit.sim.read();
  const everything = JSON.stringify([state.results, state.message, state.logs, state.statusHistory, state.actionLogs, state.calls, bad.stdout, bad.stderr, snap.stdout, snap.stderr]);
  for (const secret of [s3.secretAccessKey, 'wrong-secret-value-xyz', 'AKIAWRONGKEY123']) t.notOk(everything.includes(secret), `${secret.slice(0, 3)}… appears nowhere`);
  t.ok(state.calls.some((c) => c[0] === 'secret-get'), 'the secret was read with secret-get');
});

t.test('the store stopped: the action fails with the reason, the local archive is kept', async (t) => {
  const unit = await restoreUnit(t, 3);
  const config = { ...unit.config, ...s3Config({ 's3-endpoint': 'http://127.0.0.1:9' }) };
  const snap = await unit.run('snapshot', { target: unit.snapshotDir }, { config });
  t.equal(snap.status, 'failed');
  t.match(snap.message, /uploading etcd-snapshot-.* to s3:\/\/etcd-backups\/backups\/etcd\/etcd-0 failed: .*did not answer.*the snapshot is kept on the unit at (\S+)/);
  const kept = /kept on the unit at (\S+)$/.exec(snap.message ?? '')?.[1] ?? '';
  t.ok((await stat(kept)).isFile(), 'the local archive is there');
  t.equal((snap.results as Doc).snapshot?.path, kept, 'the snapshot results were set before the failure');
  t.equal(execFileSync('sha256sum', [kept], { encoding: 'utf8' }).split(' ')[0], (snap.results as Doc).snapshot?.sha256);
});

t.test('by default an unencrypted archive never leaves the unit: the upload is refused, the local archive kept', async (t) => {
  const unit = await restoreUnit(t, 3);
  const config = { ...unit.config, ...s3Config({ 's3-allow-unencrypted': false }) };
  const before = await s3.keys();
  const snap = await unit.run('snapshot', { target: unit.snapshotDir }, { config });
  t.equal(snap.status, 'failed');
  const kept = (snap.results as Doc).snapshot?.path ?? '';
  const name = (snap.results as Doc).snapshot?.name ?? '';
  t.equal(
    snap.message,
    `not uploading ${name} to s3://${BUCKET}/backups/etcd/etcd-0: it is not encrypted, and off-site copies carry every Kubernetes Secret; set encryption-recipients (age public keys), or s3-allow-unencrypted=true to upload it in clear; the snapshot is kept on the unit at ${kept}`,
  );
  t.ok((await stat(kept)).isFile(), 'the local archive is there');
  const after = await s3.keys();
  t.strictSame(after, before, 'nothing was uploaded');
});
