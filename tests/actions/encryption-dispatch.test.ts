import t from 'tap';
import { execFileSync } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { listDir, tempDir } from '../support/files/dirs.ts';
import { restoreUnit, snapshotPath } from '../support/juju/restore-unit.ts';
import { execRecorder } from '../support/etcd/exec-recorder.ts';

type Doc = Record<string, Record<string, string>>;

// A fresh age key pair made by Debian's age-keygen.
const keyPair = async (dir: string, name: string): Promise<{ file: string; identity: string; recipient: string }> => {
  const file = join(dir, `${name}.txt`);
  execFileSync('age-keygen', ['-o', file], { stdio: 'ignore' });
  const identity = (await readFile(file, 'utf8')).split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-1'))!;
  const recipient = execFileSync('age-keygen', ['-y', file], { encoding: 'utf8' }).trim();
  return { file, identity, recipient };
};

t.test('encrypted archives: stock age opens them; restore needs the right identity; nothing secret leaks', async (t) => {
  const unit = await restoreUnit(t, 10, { tls: true });
  const keys = await tempDir(t, 'age-keys');
  const key = await keyPair(keys, 'ops');
  const other = await keyPair(keys, 'other');
  const config = { ...unit.config, 'encryption-recipients': `${key.recipient}, ${other.recipient}` };
  await unit.etcd.put('/registry/secrets/kube-system/token', 'very-secret-token-value');

  const snap = await unit.run('snapshot', { target: unit.snapshotDir }, { config });
  t.equal(snap.status, 'completed', snap.message ?? '');
  const doc = snap.results as Doc;
  const path = snapshotPath(snap);
  t.match(path, /etcd-snapshot-\d{4}-\d{2}-\d{2}-\d{2}\.\d{2}\.\d{2}\.tar\.gz\.age$/);
  t.equal(doc.snapshot!.encrypted, 'true');
  t.equal(doc.snapshot!.sha256, execFileSync('sha256sum', [path], { encoding: 'utf8' }).split(' ')[0], 'the checksum is of the encrypted file');
  t.equal(doc.snapshot!['pki-files'], '3', 'the TLS files in use are bundled by default');
  t.notOk((await readFile(path)).includes('very-secret-token-value'), 'the archive holds no plaintext');

  const listing = execFileSync('sh', ['-c', 'age -d -i "$1" "$2" | tar tz', 'sh', key.file, path], { encoding: 'utf8' }).trim().split('\n');
  t.same(listing.slice(0, 2), ['etcd-snapshot.json', 'db'], 'Debian age decrypts it and tar lists db');
  t.equal(listing.filter((n) => n.startsWith('pki/')).length, 3);
  const manifest = JSON.parse(await readFile(`${path}.json`, 'utf8'));
  t.match(manifest, { trigger: 'manual', pki: [{ path: unit.etcd.tls!.ca, sha256: /^[0-9a-f]{64}$/ }] }, 'a plain manifest sits beside it');
  t.equal(manifest.pki[0].sha256, execFileSync('sha256sum', [unit.etcd.tls!.ca], { encoding: 'utf8' }).split(' ')[0]);

  const list = await unit.run('list-snapshots', {}, { config });
  const listed = list.results as { count: string; snapshots: Record<string, Record<string, string>> };
  t.equal(listed.count, '1');
  t.strictSame(
    [listed.snapshots['1']?.name, listed.snapshots['1']?.trigger, listed.snapshots['1']?.revision],
    [path.split('/').at(-1), 'manual', manifest.revision.toString()],
  );

  await unit.etcd.etcdctl(['del', '/registry/secrets/kube-system/token']);
  const secrets = { 'secret:ops-key': { identity: key.identity }, 'secret:wrong': { identity: (await keyPair(keys, 'wrong')).identity } };
  const none = await unit.run('restore', { source: path, target: unit.backupDir }, { config, secrets });
  t.equal(none.status, 'failed');
  t.match(none.message, /is encrypted with age; pass identity-secret=/);
  const wrong = await unit.run('restore', { source: path, target: unit.backupDir, 'identity-secret': 'secret:wrong' }, { config, secrets });
  t.equal(wrong.status, 'failed');
  t.match(wrong.message, /identity does not match any recipient/);
  t.notMatch(await unit.systemctlCalls(), /\bstop\b/, 'neither touched etcd');

  const caBefore = await readFile(unit.etcd.tls!.ca, 'utf8');
  const recorder = execRecorder(await tempDir(t, 'execs'));
  const recorded = { ...config, 'etcdctl-path': await recorder.wrap('/usr/bin/etcdctl') };
  const good = await unit.run('restore', { source: path, target: unit.backupDir, 'identity-secret': 'secret:ops-key' }, { config: recorded, secrets });
  t.equal(good.status, 'completed', good.message ?? '');
  t.equal((good.results as Doc).restore!.encrypted, 'true');
  t.match((good.results as Doc).restore!.pki, /^bundled \(3 files\), not written: pass restore-pki=true$/);
  t.equal(await readFile(unit.etcd.tls!.ca, 'utf8'), caBefore, 'live certificates untouched without restore-pki');
  t.equal(await unit.etcd.get('/registry/secrets/kube-system/token'), 'very-secret-token-value');
  t.match(((good.results as Doc).backup!.path), /\.tar\.gz\.age$/, 'the safety snapshot is encrypted too');

  const execs = await recorder.execs();
  t.ok(execs.some((e) => e.argv.includes('restore')), 'the recorder saw every etcdctl the restore started');
  t.equal(JSON.stringify(execs).includes(key.identity.slice(16)), false, 'no identity in any argv or environment of a child');
  const state = await unit.sim.read();
  const everything = JSON.stringify([state.results, state.message, state.logs, state.statusHistory, state.actionLogs, state.calls, good.stdout, good.stderr, wrong.stdout, wrong.stderr]);
  for (const identity of [key.identity, secrets['secret:wrong'].identity]) t.notOk(everything.includes(identity.slice(16)), 'no identity in results, status, logs or argv');
  t.notOk(/AGE-SECRET-KEY-1[0-9A-Z]{20}/.test(everything), 'nothing shaped like an identity either');
  t.notOk(everything.includes('very-secret-token-value'), 'no etcd value either');
  const leftovers = (await listDir(join(unit.work, 'etcd'))).filter((n) => n.startsWith('.etcd-agent'));
  t.same(leftovers, [], 'scratch dirs cleaned');
});

t.test('restore-pki=true writes the bundled files back and keeps the current ones', async (t) => {
  const unit = await restoreUnit(t, 5, { tls: true });
  const snap = await unit.run('snapshot', { target: unit.snapshotDir });
  t.equal(snap.status, 'completed', snap.message ?? '');
  const caPath = unit.etcd.tls!.ca;
  const original = await readFile(caPath, 'utf8');
  const mode = (await stat(caPath)).mode & 0o777;
  await writeFile(caPath, `${original}\n# changed after the snapshot\n`);
  await writeFile(`${caPath}.edited`, await readFile(caPath));
  // The live etcd keeps using its loaded CA; only the file on disk changed.
  const run = await unit.run('restore', { source: snapshotPath(snap), target: unit.backupDir, 'skip-backup': true, 'restore-pki': true });
  t.equal(run.status, 'completed', run.message ?? '');
  t.equal((run.results as Doc).restore!.pki, [unit.etcd.tls!.ca, unit.etcd.tls!.cert].join(','), 'the CA and certificate a default unencrypted archive bundles');
  t.equal(await readFile(caPath, 'utf8'), original, 'the bundled CA is back');
  t.equal((await stat(caPath)).mode & 0o777, mode, 'with the mode it had');
  const kept = (await listDir(join(caPath, '..'))).find((n) => n.startsWith(`${caPath.split('/').at(-1)}.pre-restore-`));
  t.equal(await readFile(join(caPath, '..', kept ?? 'none'), 'utf8'), `${original}\n# changed after the snapshot\n`, 'the file it replaced is kept, as it was');
});
