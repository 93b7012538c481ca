// The CLI's snapshot with igzip on PATH: gzip:1 is compressed by it, other levels are not, and a broken igzip costs
// a second pass with the agent's own zlib, not the snapshot.
import t from 'tap';
import { execa } from 'execa';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { startEtcd } from '../support/etcd/server.ts';
import { CHARM_DIR } from '../support/juju/charm-run.ts';
import { listDir, tempDir } from '../support/files/dirs.ts';
import { igzipPath } from '../support/codecs/igzip.ts';

const BIN = join(CHARM_DIR, 'bin', 'etcd-agent');

const etcd = await startEtcd();
t.teardown(() => etcd.cleanup());
for (let i = 0; i < 200; i++) await etcd.put(`/registry/configmaps/default/cm-${i}`, JSON.stringify({ kind: 'ConfigMap', data: { n: String(i).repeat(50) } }));

// A directory holding an igzip stand-in that records its arguments, then runs body.
const standIn = async (t: Parameters<typeof tempDir>[0], body: string): Promise<{ dir: string; calls: string }> => {
  const dir = await tempDir(t, 'igzip-bin');
  const calls = join(dir, 'calls');
  writeFileSync(calls, '');
  writeFileSync(join(dir, 'igzip'), `#!/bin/sh\necho "$*" >> ${calls}\n${body}\n`);
  chmodSync(join(dir, 'igzip'), 0o755);
  return { dir, calls };
};

const snapshot = (target: string, lockDir: string, binDir: string, extra: string[] = []) =>
  execa(BIN, ['snapshot', '--etcd-endpoints', etcd.endpoint, '--etcdctl-path', '/usr/bin/etcdctl', '--etcd-data-dir', join(lockDir, 'data'), '--target', target, ...extra], {
    reject: false,
    env: { NODE_OPTIONS: '', PATH: `${binDir}:${process.env.PATH ?? ''}` },
  });

interface SnapshotDoc {
  snapshot: { path: string; name: string };
}

// The archive's members and manifest compression, read back with stock tar; the checksum file checked by sha256sum.
const readBack = async (target: string, doc: SnapshotDoc) => {
  const out = await tempDir(t, 'igzip-unpack');
  await execa('tar', ['xzf', doc.snapshot.path, '-C', out]);
  const checked = await execa('sha256sum', ['-c', `${doc.snapshot.name}.sha256`], { cwd: target, reject: false });
  const manifest = JSON.parse(readFileSync(join(out, 'etcd-snapshot.json'), 'utf8')) as { compression: string; size: number };
  return { members: await listDir(out), sums: checked.exitCode, compression: manifest.compression, dbBytes: readFileSync(join(out, 'db')).length, size: manifest.size };
};

t.test('gzip:1 (the default) is compressed by the igzip on PATH; stock tar reads the archive', async (t) => {
  const { dir, calls } = await standIn(t, `exec ${igzipPath()} "$@"`);
  const target = await tempDir(t, 'igzip-target');
  const run = await snapshot(target, await tempDir(t, 'igzip-lock'), dir);
  t.equal(run.exitCode, 0, `exit 0 (stderr: ${run.stderr.trim()})`);
  t.equal(readFileSync(calls, 'utf8'), '-1 -c\n', 'igzip ran once, as igzip -1 -c');
  const back = await readBack(target, parse(run.stdout) as SnapshotDoc);
  t.strictSame(back.members, ['db', 'etcd-snapshot.json']);
  t.equal(back.sums, 0, 'sha256sum -c accepts the checksum file');
  t.equal(back.compression, 'gzip:1');
  t.equal(back.dbBytes, back.size, 'the db is whole');
});

t.test('gzip:6 is compressed by zlib: igzip does not run', async (t) => {
  const { dir, calls } = await standIn(t, `exec ${igzipPath()} "$@"`);
  const target = await tempDir(t, 'igzip-target');
  const run = await snapshot(target, await tempDir(t, 'igzip-lock'), dir, ['--snapshot-compression', 'gzip:6']);
  t.equal(run.exitCode, 0, `exit 0 (stderr: ${run.stderr.trim()})`);
  t.equal(readFileSync(calls, 'utf8'), '', 'igzip never ran');
  t.equal((await readBack(target, parse(run.stdout) as SnapshotDoc)).compression, 'gzip:6');
});

t.test('an igzip that fails midway: the snapshot is compressed again by zlib, and says so', async (t) => {
  const { dir, calls } = await standIn(t, 'head -c 1000 >/dev/null\necho "igzip: simulated failure" >&2\nexit 1');
  const target = await tempDir(t, 'igzip-target');
  const run = await snapshot(target, await tempDir(t, 'igzip-lock'), dir);
  t.equal(run.exitCode, 0, `exit 0 (stderr: ${run.stderr.trim()})`);
  t.equal(readFileSync(calls, 'utf8'), '-1 -c\n', 'igzip ran once');
  const said = run.stderr.split('\n').filter((line) => line.startsWith('compressing with '));
  t.strictSame(said, [`compressing with ${join(dir, 'igzip')} -1 -c failed (igzip: simulated failure); compressing with the agent's own codecs instead`]);
  const doc = parse(run.stdout) as SnapshotDoc;
  const back = await readBack(target, doc);
  t.strictSame(back.members, ['db', 'etcd-snapshot.json']);
  t.equal(back.sums, 0, 'sha256sum -c accepts the checksum file');
  t.equal(back.dbBytes, back.size, 'the db is whole');
  t.strictSame(await listDir(target), [doc.snapshot.name, `${doc.snapshot.name}.sha256`], 'nothing else is left in the target');
});
