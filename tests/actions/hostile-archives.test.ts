// Archives built to hurt: a gzip bomb, thousands of unlisted pki/ members, forged pki files, a file that is no db.
// Each goes through the real restore action (dispatch, the Juju simulator, the systemctl stand-in, a real etcd) and
// must be refused before etcd is touched and without writing beyond a first chunk.
import t, { type Test } from 'tap';
import { stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { humanSize } from '../../src/format/human-size.ts';
import { bboltHead, fakeDb } from '../support/files/fake-db.ts';
import { manifestFor, sha256Hex, tarMember, writeGzipBomb, writeTarGz } from '../support/files/tar-build.ts';
import { diskUsage, entryStartingWith, freeBytes, mountTmpfs, waitForPath, watchFree, watchUsage } from '../support/files/disk-space.ts';
import { lockFileName, restoreUnit, type RestoreUnit } from '../support/juju/restore-unit.ts';
import { listDir, tempDir } from '../support/files/dirs.ts';
import type { DispatchRun } from '../support/juju/sim.ts';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const MARGIN = 32 * MiB;

const stops = async (unit: RestoreUnit): Promise<string[]> => (await unit.systemctlCalls()).split('\n').filter((line) => line.split(' ')[0] === 'stop');

// What a refused restore must leave: etcd never stopped, the same keys served, nothing new beside the data dir
// (but the unit lock, which the first exclusive action creates), no safety snapshot.
const untouched = async (t: Test, unit: RestoreUnit, before: { keys: number; parent: string[] }): Promise<void> => {
  t.strictSame(await stops(unit), [], 'etcd was never stopped');
  t.equal(await unit.etcd.count(), before.keys, 'etcd serves the same keys');
  const lock = lockFileName(unit.etcd.dataDir);
  t.strictSame(await listDir(dirname(unit.etcd.dataDir)), [...new Set([...before.parent, lock])].sort(), 'nothing beside the data dir but the unit lock');
  t.strictSame(await listDir(unit.backupDir), [], 'no safety snapshot');
};

const snapshotOf = async (unit: RestoreUnit): Promise<{ keys: number; parent: string[] }> => ({
  keys: await unit.etcd.count(),
  parent: await listDir(dirname(unit.etcd.dataDir)),
});

// One unit on the big disk (so free space never cuts an unpack short) serves every case but the one about free space.
const store = await tempDir(t, 'hostile-store');
const unit = await restoreUnit(t, 20, { etcdDir: join(await tempDir(t, 'hostile-etcd'), 'etcd') });
const before = await snapshotOf(unit);

t.test('a gzip bomb: 4 GiB of zeros in 4 MiB, refused at its first bytes', async (t) => {
  const bomb = join(store, 'etcd-snapshot-bomb.tar.gz');
  const bombBytes = await writeGzipBomb(bomb, 4 * GiB);
  t.ok(bombBytes >= 3 * MiB && bombBytes <= 8 * MiB, `the bomb is ${bombBytes} bytes for a 4 GiB db`);
  const refusal = `refusing ${bomb}: member "db" does not start like an etcd (bbolt) database; this is not an etcd snapshot`;

  t.test('restore', async (t) => {
    const parent = dirname(unit.etcd.dataDir);
    const usage = await diskUsage(parent);
    const watcher = await watchUsage(parent);
    const run = await unit.run('restore', { source: bomb, target: unit.backupDir });
    const most = await watcher.stop();
    t.equal(run.status, 'failed');
    t.equal(run.message, refusal);
    t.ok(most - usage <= MiB, `at most 1 MiB was ever written beside the data dir (${most - usage} bytes)`);
    await untouched(t, unit, before);
  });

  t.test('verify-snapshot', async (t) => {
    const scratchParent = await tempDir(t, 'hostile-verify-tmp');
    const watcher = await watchUsage(scratchParent);
    const run = await unit.runEnv('verify-snapshot', { source: bomb }, { TMPDIR: scratchParent });
    const most = await watcher.stop();
    t.equal(run.status, 'failed');
    t.equal(run.message, refusal);
    t.equal((run.results as { verify?: { ok?: string } }).verify?.ok, 'false');
    t.ok(most <= MiB, `at most 1 MiB was ever written in TMPDIR (${most} bytes)`);
    t.strictSame(await listDir(scratchParent), [], 'no verify scratch left');
    await untouched(t, unit, before);
  });
});

t.test('a bomb with a bbolt header, then 4 GiB of zeros: cut at the free space of the data dir filesystem', async (t) => {
  const headed = join(store, 'etcd-snapshot-headed-bomb.tar.gz');
  await writeGzipBomb(headed, 4 * GiB, bboltHead());
  // A second unit whose data dir's parent is a 200 MiB tmpfs of its own: ~45 MiB left beyond the margin (etcd's WAL
  // takes 2 x 64 MiB), and its free space shows every byte the agent writes there.
  const mount = await mountTmpfs(t, 200, 'hostile-bomb-data');
  const small = await restoreUnit(t, 20, { etcdDir: mount });
  const parent = dirname(small.etcd.dataDir);
  t.equal(parent, mount);
  const smallBefore = await snapshotOf(small);
  const free = await freeBytes(parent);
  const room = free - MARGIN;
  t.ok(room > 0 && room < 4 * GiB, `room ${room}`);
  const watcher = await watchFree(parent);
  const running = small.run('restore', { source: headed, target: small.backupDir });
  const scratch = await waitForPath(() => entryStartingWith(parent, '.etcd-agent-restore-'), 60_000);
  const run = await running;
  const least = await watcher.stop();
  t.equal(run.status, 'failed');
  t.equal(
    run.message,
    `no space left in ${parent} (target ${join(scratch, 'unpacked')}): unpacking ${headed} needs more than the ${humanSize(room)} free there; free space and try again`,
  );
  t.ok(free - least <= room, `never more than the room was written (${free - least} <= ${room})`);
  await untouched(t, small, smallBefore);
});

t.test('pki/ members: only what the manifest lists, with the SHA-256 it records', async (t) => {
  const pkiTarget = await tempDir(t, 'hostile-pki-target');
  const db = tarMember('db', fakeDb('not really a database, but it starts like one'));
  const many = Array.from({ length: 20_000 }, (_, i) => tarMember(`pki/f${String(i).padStart(5, '0')}`, 'x'));

  const restore = async (name: string, members: Buffer[], params: Record<string, unknown> = {}): Promise<{ archive: string; run: DispatchRun }> => {
    const archive = join(store, name);
    await writeTarGz(archive, members);
    return { archive, run: await unit.run('restore', { source: archive, target: unit.backupDir, ...params }) };
  };

  t.test('20,000 pki/ members the manifest never lists: refused naming the first', async (t) => {
    const { archive, run } = await restore('unlisted.tar.gz', [tarMember('etcd-snapshot.json', manifestFor()), db, ...many]);
    t.ok((await stat(archive)).size > 0);
    t.equal(run.status, 'failed');
    t.equal(run.message, `refusing ${archive}: member "pki/f00000" is not listed in the manifest; only files the manifest lists may be unpacked under pki/`);
    await untouched(t, unit, before);
  });

  t.test('20,000 pki/ members before the manifest: refused naming the first', async (t) => {
    const { archive, run } = await restore('before-manifest.tar.gz', [...many, tarMember('etcd-snapshot.json', manifestFor()), db]);
    t.equal(run.status, 'failed');
    t.equal(
      run.message,
      `refusing ${archive}: member "pki/f00000" comes before the manifest (or the archive has none); only files the manifest lists may be unpacked under pki/`,
    );
    await untouched(t, unit, before);
  });

  t.test('a manifest listing 65 pki files: refused', async (t) => {
    const listed = Array.from({ length: 65 }, (_, i) => ({ path: join(pkiTarget, `f${i}`), name: `f${i}`, sha256: sha256Hex('x'), bytes: 1 }));
    const { archive, run } = await restore('sixty-five.tar.gz', [tarMember('etcd-snapshot.json', manifestFor({ pki: listed })), db]);
    t.equal(run.status, 'failed');
    t.equal(run.message, `refusing ${archive}: member "etcd-snapshot.json" has a pki list that is not an array of at most 64 files`);
    await untouched(t, unit, before);
  });

  t.test('a listed pki file whose content is not what the manifest hashed: refused as altered, nothing written back', async (t) => {
    const real = 'the real certificate\n';
    const listed = [{ path: join(pkiTarget, 'ca.crt'), name: 'ca.crt', sha256: sha256Hex(real), bytes: real.length }];
    const manifest = tarMember('etcd-snapshot.json', manifestFor({ pki: listed }));
    const { archive, run } = await restore('forged.tar.gz', [manifest, db, tarMember('pki/ca.crt', 'a forged certificate\n')], { 'restore-pki': true });
    t.equal(run.status, 'failed');
    t.equal(run.message, `refusing ${archive}: member "pki/ca.crt" does not have the SHA-256 its manifest records; the archive was altered`);
    t.strictSame(await listDir(pkiTarget), [], 'no pki file written back');
    await untouched(t, unit, before);

    // The control: the same archive with the file the manifest hashed gets past the pki check (and stops at the db).
    const control = await restore('genuine.tar.gz', [manifest, db, tarMember('pki/ca.crt', real)], { 'restore-pki': true });
    t.equal(control.run.message, `refusing ${control.archive}: the db has no integrity hash, so it is truncated or not an etcd snapshot; use another one`);
    t.strictSame(await listDir(pkiTarget), []);
    await untouched(t, unit, before);
  });

  t.test('a bare file that is not a db: refused for what it is, without blaming etcd', async (t) => {
    const source = join(store, 'notes.txt');
    await writeFile(source, 'this is a text file, not an etcd snapshot\n'.repeat(100));
    const run = await unit.run('restore', { source, target: unit.backupDir });
    t.equal(run.status, 'failed');
    t.equal(run.message, `refusing ${source}: it is neither a snapshot archive (tar, .tar.gz, .tar.zst) nor an etcd (bbolt) database; use a snapshot archive or an etcdctl snapshot save file`);
    t.equal(run.message?.includes(unit.etcd.endpoint), false, 'the message does not mention etcd\'s endpoint');
    await untouched(t, unit, before);
  });
});
