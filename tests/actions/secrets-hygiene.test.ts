import t from 'tap';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startS3 } from '../helpers/s3-server.ts';
import { sampleProcesses } from '../support/process-sampler.ts';
import { restoreUnit, snapshotPath } from '../support/restore-unit.ts';

// Every action runs with an S3 credential and an age identity in play; nothing the simulator recorded
// (results, failure messages, statuses, juju-log lines, action-log lines, every tool's argv), nothing on
// stdout/stderr and no sampled command line may hold either.
t.test('every action, secrets set: no credential or identity anywhere', async (t) => {
  const s3 = await startS3({ bucket: 'hygiene' });
  t.teardown(() => s3.stop());
  const unit = await restoreUnit(t, 10);
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
  };
  const secrets = { 'secret:s3': { 'access-key': s3.accessKeyId, 'secret-key': s3.secretAccessKey }, 'secret:age': { identity } };
  const sampler = sampleProcesses();
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
  const processes = await sampler.stop();

  const state = await unit.sim.read();
  const recorded = JSON.stringify([state, runs.map((r) => [r.stdout, r.stderr, r.results, r.message, r.logs, r.statusHistory, r.actionLogs])]);
  const needles = [s3.secretAccessKey, identity, identity.slice(16), 'hygiene-wrong-secret-0001', 'AKIAHYGIENE0000001'];
  for (const needle of needles) {
    t.notOk(recorded.includes(needle), `${needle.slice(0, 4)}… is in no result, status, log line or argv`);
    t.notOk(processes.some((p) => p.includes(needle)), `${needle.slice(0, 4)}… is in no sampled command line`);
  }
  t.ok(state.calls.some((c) => c[0] === 'secret-get' && c[1] === 'secret:age'), 'the identity was read through secret-get');
  t.ok(processes.length > 0);
});
