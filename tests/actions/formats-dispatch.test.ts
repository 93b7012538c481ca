import t from 'tap';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { restoreUnit, snapshotPath } from '../support/juju/restore-unit.ts';
import { tempDir, unpack } from '../support/files/dirs.ts';

const KEYS = 300;

// Every format a snapshot can be written in, what it is named, which stock command reads it, the manifest's record.
const FORMATS = [
  { config: {}, suffix: '.tar.gz', test: ['gzip', '-t'], compression: 'gzip:1' },
  { config: { 'snapshot-compression': 'zstd' }, suffix: '.tar.zst', test: ['zstd', '-t'], compression: 'zstd:1' },
  { config: { 'snapshot-compression': 'zstd:7' }, suffix: '.tar.zst', test: ['zstd', '-t'], compression: 'zstd:7' },
  { config: { 'snapshot-compression': 'gzip:1' }, suffix: '.tar.gz', test: ['gzip', '-t'], compression: 'gzip:1' },
  { config: { 'snapshot-compression': 'none' }, suffix: '.tar', test: ['tar', '-tf'], compression: 'none' },
];

t.test('every format: named for it, read by stock tar, verified and restored by the agent', async (t) => {
  const unit = await restoreUnit(t, KEYS);
  for (const format of FORMATS) {
    const what = format.compression;
    const config = { ...unit.config, ...format.config };
    const taken = await unit.run('snapshot', { target: unit.snapshotDir }, { config });
    t.equal(taken.status, 'completed', `${what}: ${taken.message ?? ''}`);
    const path = snapshotPath(taken);
    t.equal(path.endsWith(format.suffix) && /etcd-snapshot-\d{4}-\d{2}-\d{2}-\d{2}\.\d{2}\.\d{2}\.tar/.test(path), true, `${what}: ${path} ends in ${format.suffix}`);
    t.equal((taken.results as { snapshot: Record<string, string> }).snapshot.compression, what, `${what}: the result says how it is compressed`);
    execFileSync(format.test[0] as string, [...format.test.slice(1), path], { stdio: 'ignore' });
    const out = await tempDir(t, 'format');
    t.strictSame(await unpack(path, out), ['db', 'etcd-snapshot.json'], `${what}: stock tar unpacks the manifest and the db`);
    const manifest = JSON.parse(await readFile(join(out, 'etcd-snapshot.json'), 'utf8')) as { compression: string; revision: number; dbSha256: string };
    t.equal(manifest.compression, what, `${what}: the manifest records the compression`);
    const status = JSON.parse(execFileSync('/usr/bin/etcdctl', ['snapshot', 'status', join(out, 'db'), '-w', 'json'], { encoding: 'utf8' })) as { revision: number };
    t.equal(status.revision, manifest.revision, `${what}: the unpacked db is the snapshot the manifest describes`);
    t.equal(execFileSync('sha256sum', [join(out, 'db')], { encoding: 'utf8' }).split(' ')[0], manifest.dbSha256, `${what}: byte for byte`);
    const verified = await unit.run('verify-snapshot', { source: path });
    t.equal((verified.results as { verify: Record<string, string> }).verify.ok, 'true', `${what}: verify-snapshot proves it restorable (${verified.message ?? ''})`);
  }
  // Restore from the formats that are not the default (the restore tests use the default).
  for (const codec of ['zstd', 'none']) {
    const taken = await unit.run('snapshot', { target: unit.snapshotDir }, { config: { ...unit.config, 'snapshot-compression': codec } });
    await unit.etcd.put('/registry/pods/default/after-the-snapshot', '{}');
    const restored = await unit.run('restore', { source: snapshotPath(taken), target: unit.backupDir, 'skip-backup': true });
    t.equal(restored.status, 'completed', `restore from ${codec}: ${restored.message ?? ''}`);
    t.equal(await unit.etcd.count(), KEYS, `restore from ${codec}: the keys of the snapshot, and only those`);
  }
});

t.test('an encrypted zstd archive: .tar.zst.age, opened by stock age and tar, restored with the identity', async (t) => {
  const unit = await restoreUnit(t, KEYS);
  const keys = await tempDir(t, 'age');
  execFileSync('age-keygen', ['-o', join(keys, 'key.txt')], { stdio: 'ignore' });
  const recipient = execFileSync('age-keygen', ['-y', join(keys, 'key.txt')], { encoding: 'utf8' }).trim();
  const taken = await unit.run('snapshot', { target: unit.snapshotDir }, { config: { ...unit.config, 'encryption-recipients': recipient, 'snapshot-compression': 'zstd' } });
  const path = snapshotPath(taken);
  t.equal(path.endsWith('.tar.zst.age'), true, path);
  const out = await tempDir(t, 'decrypted');
  execFileSync('sh', ['-c', 'age -d -i "$1" "$2" | tar --zstd -xf - -C "$3"', 'sh', join(keys, 'key.txt'), path, out]);
  t.strictSame(execFileSync('ls', [out], { encoding: 'utf8' }).trim().split('\n'), ['db', 'etcd-snapshot.json']);
  await unit.etcd.put('/registry/pods/default/after-the-snapshot', '{}');
  const identity = await readFile(join(keys, 'key.txt'), 'utf8');
  const restored = await unit.run('restore', { source: path, target: unit.backupDir, 'skip-backup': true, 'identity-secret': 'secret:age-identity' }, { secrets: { 'secret:age-identity': { identity } } });
  t.equal(restored.status, 'completed', restored.message ?? '');
  t.equal(await unit.etcd.count(), KEYS);
});
