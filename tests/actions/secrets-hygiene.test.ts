import t from 'tap';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startS3 } from '../support/s3/server.ts';
import { execRecorder } from '../support/etcd/exec-recorder.ts';
import { restoreUnit, snapshotPath } from '../support/juju/restore-unit.ts';
import { tempDir } from '../support/files/dirs.ts';

// Every action runs over TLS with an S3 credential, an age identity and etcd's private key in play; nothing the
// simulator recorded (results, failure messages, statuses, juju-log lines, action-log lines, every hook tool's argv),
// nothing on stdout/stderr, and no argv or environment of any etcdctl or etcd the agent started may hold any of them.
t.test('every action, secrets set: no credential, identity or key bytes anywhere', async (t) => {
  const s3 = await startS3({ bucket: 'hygiene' });
  t.teardown(() => s3.stop());
  const unit = await restoreUnit(t, 10, { tls: true });
  const recorder = execRecorder(await tempDir(t, 'execs'));
  const keyFile = join(unit.work, 'age.txt');
  execFileSync('age-keygen', ['-o', keyFile], { stdio: 'ignore' });
  const identity = (await readFile(keyFile, 'utf8')).split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-1'))!;
  const recipient = execFileSync('age-keygen', ['-y', keyFile], { encoding: 'utf8' }).trim();
  const config = {
    ...unit.config,
    'encryption-recipients': recipient,
    's3-endpoint': s3.endpoint,
    's3-bucket': 'hygiene',
    's3-force-path-style': true,
    's3-credentials-secret': 'secret:s3',
    'verify-schedule': '',
    'etcdctl-path': await recorder.wrap('/usr/bin/etcdctl'),
    'etcd-path': await recorder.wrap('/usr/bin/etcd'),
  };
  const secrets = { 'secret:s3': { 'access-key': s3.accessKeyId, 'secret-key': s3.secretAccessKey }, 'secret:age': { identity } };
  const runs = [];
  const snap = await unit.run('snapshot', { target: unit.snapshotDir }, { config, secrets });
  t.equal(snap.status, 'completed', snap.message ?? '');
  runs.push(snap);
  runs.push(await unit.run('list-snapshots', {}, { config, secrets }));
  runs.push(await unit.run('prune-snapshots', { 'dry-run': true }, { config, secrets }));
  const verify = await unit.run('verify-snapshot', { source: snapshotPath(snap), 'identity-secret': 'secret:age' }, { config, secrets });
  t.equal(verify.status, 'completed', verify.message ?? '');
  runs.push(verify);
  const restore = await unit.run('restore', { source: snapshotPath(snap), target: unit.backupDir, 'identity-secret': 'secret:age' }, { config, secrets });
  t.equal(restore.status, 'completed', restore.message ?? '');
  runs.push(restore);
  const wrong = await unit.run('snapshot', { target: unit.snapshotDir }, { config: { ...config, 's3-credentials-secret': '', 's3-access-key': 'AKIAHYGIENE0000001', 's3-secret-key': 'hygiene-wrong-secret-0001' }, secrets });
  t.equal(wrong.status, 'failed');
  runs.push(wrong);
  const execs = await recorder.execs();

  const state = await unit.sim.read();
  const recorded = JSON.stringify([state, runs.map((r) => [r.stdout, r.stderr, r.results, r.message, r.logs, r.statusHistory, r.actionLogs])]);
  const children = JSON.stringify(execs);
  // A line from the middle of etcd's private key: its bytes, not its path, must stay on disk.
  const keyLines = (await readFile(unit.etcd.tls!.key, 'utf8')).split('\n').filter((l) => l && !l.startsWith('-----'));
  const keyBytes = keyLines[Math.floor(keyLines.length / 2)]!;
  const needles = [s3.secretAccessKey, identity, identity.slice(16), 'hygiene-wrong-secret-0001', 'AKIAHYGIENE0000001', keyBytes];
  for (const needle of needles) {
    t.equal(recorded.includes(needle), false, `${needle.slice(0, 4)}… is in no result, status, log line or hook tool argv`);
    t.equal(children.includes(needle), false, `${needle.slice(0, 4)}… is in no argv or environment of a child`);
  }
  t.ok(state.calls.some((c) => c[0] === 'secret-get' && c[1] === 'secret:age'), 'the identity was read through secret-get');
  // The recorder saw every kind of child the actions start, so its silence means something.
  t.strictSame([...new Set(execs.map((e) => e.program))].sort(), ['etcd', 'etcdctl']);
  t.ok(execs.some((e) => e.argv.includes('save')) && execs.some((e) => e.argv.includes('restore')), 'snapshot save and restore were recorded');
  t.equal(execs.filter((e) => e.environ.some((v) => v.startsWith('ETCDCTL_') && v !== 'ETCDCTL_API=3')).length, 0, 'no ETCDCTL_* but the API version reaches etcdctl');
});
