// Full disks, for real: small tmpfs mounts as snapshot targets and as the parent of etcd's data dir (tests run as root).
import t, { type Test } from 'tap';
import { rm, stat } from 'node:fs/promises';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { humanSize } from '../../src/format/human-size.ts';
import { snapshotName } from '../../src/archive/snapshot-name.ts';
import { createJujuSim, runDispatch, type DispatchRun } from '../support/juju/sim.ts';
import { startEtcd } from '../support/etcd/server.ts';
import { dbSizeOf, seedRandomValues } from '../support/etcd/random-seed.ts';
import { entryStartingWith, fillUp, freeBytes, mountTmpfs, waitForPath, watchFree } from '../support/files/disk-space.ts';
import { CHARM_DIR, configFor } from '../support/juju/charm-run.ts';
import { listDir, tempDir } from '../support/files/dirs.ts';
import { lockFileName, restoreUnit, snapshotPath } from '../support/juju/restore-unit.ts';
import { igzipPath } from '../support/codecs/igzip.ts';

const MiB = 1024 ** 2;
// What the agent always leaves free (src/engine/free-space.ts SPACE_MARGIN).
const MARGIN = 32 * MiB;

// An etcd whose db is ~90 MiB, mostly random values: its snapshot is as big as its db, and gzip cannot shrink it.
const etcd = await startEtcd();
t.teardown(() => etcd.cleanup());
await seedRandomValues(etcd.endpoint, 72 * MiB);
const dbSize = await dbSizeOf(etcd.endpoint);
// The snapshot pre-check's need: 1.5 x the db plus the margin.
const need = Math.ceil(dbSize * 1.5) + MARGIN;
// A tmpfs that passes the pre-check with 2 MiB to spare, yet cannot hold the saved db and its incompressible archive.
const roomyMiB = Math.ceil(need / MiB) + 2;

const snapshot = async (t: Test, target: string, options: { config?: Record<string, unknown>; binDir?: string } = {}): Promise<DispatchRun> => {
  const sim = await createJujuSim({ config: configFor(etcd, options.config), params: { target } });
  t.teardown(() => sim.cleanup());
  const env = options.binDir === undefined ? {} : { env: { PATH: `${options.binDir}:${sim.env().PATH ?? ''}` } };
  return runDispatch(sim, { charmDir: CHARM_DIR, dispatchPath: 'actions/snapshot', timeoutMs: 120_000, ...env });
};

// A directory holding an igzip that records its arguments, waits until the save is done (the scratch dir holds db,
// no longer db.part), then is the real igzip: the archive's write is the one that meets a full disk.
const igzipAfterSave = async (t: Test, target: string): Promise<{ dir: string; calls: string }> => {
  const dir = await tempDir(t, 'disk-full-igzip-bin');
  const calls = join(dir, 'calls');
  writeFileSync(calls, '');
  const wait = `i=0; until [ -e ${target}/.etcd-agent-work-*/db ] || [ $i -ge 3000 ]; do sleep 0.02; i=$((i + 1)); done`;
  writeFileSync(join(dir, 'igzip'), `#!/bin/sh\necho "$*" >> ${calls}\n${wait}\nexec ${igzipPath()} "$@"\n`);
  chmodSync(join(dir, 'igzip'), 0o755);
  return { dir, calls };
};

const startsWith = (lines: string[], prefix: string): string[] => lines.filter((line) => line.startsWith(prefix));

// Every archive name a snapshot started between from and to could have.
const namesBetween = (from: number, to: number): string[] => {
  const names: string[] = [];
  for (let s = Math.floor(from / 1000); s <= Math.floor(to / 1000); s++) names.push(snapshotName(new Date(s * 1000), { codec: 'gzip', encrypted: false }));
  return names;
};

// The run failed for the full disk, naming an archive it could have started.
const failedNamingArchive = (t: Test, run: DispatchRun, target: string, from: number, to: number): void => {
  t.equal(run.exitCode, 0);
  t.equal(run.status, 'failed');
  const expected = namesBetween(from, to).map((name) => `no space left in ${target} (target ${join(target, name)}); free space there and try again`);
  t.ok(expected.includes(run.message ?? ''), `message ${JSON.stringify(run.message)} is one of ${JSON.stringify(expected)}`);
};

// Nothing of the run is left in target, nothing beside it on the tmpfs, and every byte it wrote was released.
const nothingKept = async (t: Test, mount: string, target: string): Promise<void> => {
  t.strictSame(await listDir(target), [], 'no archive, partial archive or scratch left');
  t.strictSame(await listDir(mount), ['snapshots']);
  t.equal(await freeBytes(mount), roomyMiB * MiB, 'every byte written was released');
};

t.test('the setup: a tmpfs of roomyMiB passes the pre-check but cannot take the db and its archive', async (t) => {
  t.ok(2 * dbSize * 0.98 > roomyMiB * MiB, `db (${dbSize}) + archive (~${dbSize}) > ${roomyMiB} MiB`);
});

t.test('a target too small for the pre-check: refused with the need and the free space, nothing written', async (t) => {
  const mount = await mountTmpfs(t, 64, 'disk-full-small');
  const target = join(mount, 'snapshots');
  const run = await snapshot(t, target);
  t.equal(run.exitCode, 0);
  t.equal(run.status, 'failed');
  const free = await freeBytes(mount);
  t.equal(free, 64 * MiB, 'the tmpfs is as empty as it was: nothing was written and removed either');
  t.equal(
    run.message,
    `a snapshot of etcd's ${dbSize}-byte db needs ~${humanSize(need)}, ${humanSize(free)} free in ${target}; free space there or choose another target`,
  );
  t.strictSame(startsWith(run.actionLogs, 'saving a snapshot from'), [], 'etcd was never asked for a snapshot');
  t.strictSame(await listDir(target), [], 'nothing in the target');
  t.strictSame(await listDir(mount), ['snapshots'], 'nothing beside it');
});

t.test('the disk fills while the archive is written: no space left, naming the archive; nothing kept', async (t) => {
  const mount = await mountTmpfs(t, roomyMiB, 'disk-full-archive');
  const target = join(mount, 'snapshots');
  const from = Date.now();
  // The agent's own zlib at level 6 compresses random bytes slower than etcd streams them: the save is done first,
  // and the archive meets the full disk (with igzip the two grow together: see below).
  const run = await snapshot(t, target, { config: { 'snapshot-compression': 'gzip:6' } });
  const to = Date.now();
  failedNamingArchive(t, run, target, from, to);
  t.equal(run.message?.slice(0, `no space left in ${target} (target ${target}/`.length), `no space left in ${target} (target ${target}/`);
  t.equal(startsWith(run.actionLogs, 'saving a snapshot from').length, 1, 'the pre-check passed');
  // The archive is written while etcd streams the db: the disk may fill before or after the save completes.
  await nothingKept(t, mount, target);
});

t.test('igzip meets the full disk after the save: no space left, naming the archive; no second pass with zlib; nothing kept', async (t) => {
  const mount = await mountTmpfs(t, roomyMiB, 'disk-full-igzip');
  const target = join(mount, 'snapshots');
  const igzip = await igzipAfterSave(t, target);
  const from = Date.now();
  const run = await snapshot(t, target, { binDir: igzip.dir });
  const to = Date.now();
  t.equal(readFileSync(igzip.calls, 'utf8'), '-1 -c\n', 'the default gzip:1 went to igzip, once');
  failedNamingArchive(t, run, target, from, to);
  t.strictSame(startsWith(run.actionLogs, 'compressing with '), [], 'a full disk is not a broken igzip: no second pass');
  t.strictSame(startsWith(run.actionLogs, 'snapshot verified: '), []);
  await nothingKept(t, mount, target);
});

t.test('the disk fills while etcd streams and igzip compresses at once: no space left, naming the db or the archive; no second pass', async (t) => {
  const mount = await mountTmpfs(t, roomyMiB, 'disk-full-both');
  const target = join(mount, 'snapshots');
  const from = Date.now();
  const running = snapshot(t, target);
  const scratch = await waitForPath(() => entryStartingWith(target, '.etcd-agent-work-'), 60_000);
  const run = await running;
  t.equal(run.exitCode, 0);
  t.equal(run.status, 'failed');
  const named = [join(scratch, 'db'), ...namesBetween(from, Date.now()).map((name) => join(target, name))];
  t.ok(named.some((path) => run.message === `no space left in ${target} (target ${path}); free space there and try again`), `message ${JSON.stringify(run.message)} names the db or the archive`);
  t.strictSame(startsWith(run.actionLogs, 'compressing with '), [], 'a full disk is not a broken igzip: no second pass');
  await nothingKept(t, mount, target);
});

t.test('the disk fills during etcdctl snapshot save: no space left in the target, not an etcd error', async (t) => {
  const mount = await mountTmpfs(t, roomyMiB, 'disk-full-save');
  const target = join(mount, 'snapshots');
  const filler = join(mount, 'filler');
  const from = Date.now();
  const running = snapshot(t, target);
  // As soon as etcdctl opens <scratch>/db.part, take every free byte.
  const scratch = await waitForPath(async () => {
    const dir = await entryStartingWith(target, '.etcd-agent-work-');
    if (dir === undefined) return undefined;
    return (await stat(join(dir, 'db.part')).then(() => true, () => false)) ? dir : undefined;
  }, 60_000);
  const held = await fillUp(filler, mount);
  const run = await running;
  t.ok(held > 0, `the filler took the remaining ${held} bytes`);
  t.equal(run.exitCode, 0);
  t.equal(run.status, 'failed');
  // The archive is written while etcdctl writes the db: whichever of the two met the full disk first is named.
  const named = [join(scratch, 'db'), ...namesBetween(from, Date.now()).map((name) => join(target, name))];
  t.ok(named.some((path) => run.message === `no space left in ${target} (target ${path}); free space there and try again`), `message ${JSON.stringify(run.message)} names the db or the archive`);
  t.equal(run.message?.includes('against etcd'), false, 'not explained as an etcd failure');
  t.equal(startsWith(run.actionLogs, 'saving a snapshot from').length, 1);
  t.strictSame(startsWith(run.actionLogs, 'snapshot verified: '), [], 'it stopped in the save');
  t.strictSame(await listDir(target), [], 'no scratch, db.part or archive left');
  t.strictSame(await listDir(mount), ['filler', 'snapshots'], 'only the filler beside it');
  await rm(filler);
  t.equal(await freeBytes(mount), roomyMiB * MiB, 'with the filler gone, the tmpfs is empty: nothing hidden was left');
});

t.test('restore: an archive whose db is bigger than the data dir filesystem can spare is refused before etcd is touched', async (t) => {
  // A real archive of the ~90 MiB etcd, kept on the big disk.
  const store = await tempDir(t, 'disk-full-archive-store');
  const made = await snapshot(t, store);
  t.equal(made.status, 'completed', made.message ?? '');
  const archive = snapshotPath(made);

  // etcd's data dir lives on a 200 MiB tmpfs: its WAL takes 2 x 64 MiB (the segment and the next one, preallocated),
  // so ~45 MiB is left beyond the margin.
  const mount = await mountTmpfs(t, 200, 'disk-full-restore');
  const unit = await restoreUnit(t, 20, { etcdDir: mount });
  const parent = dirname(unit.etcd.dataDir);
  t.equal(parent, mount);
  // A first, refused run takes the unit lock once, so the lock file (one page) exists before the free space is read.
  const warm = await unit.run('restore', { source: join(store, 'missing.tar.gz'), target: unit.backupDir });
  t.equal(warm.status, 'failed');
  await unit.etcd.put('/registry/still-here', 'yes');
  const keysBefore = await unit.etcd.count();
  const parentBefore = await listDir(parent);
  t.strictSame(parentBefore, [lockFileName(unit.etcd.dataDir), 'etcd-0.etcd', 'etcd-0.log'].sort());
  const freeBefore = await freeBytes(parent);
  const room = freeBefore - MARGIN;
  t.ok(room > 0 && room < dbSize, `room ${room} is less than the db (${dbSize})`);

  const watcher = await watchFree(parent);
  const running = unit.run('restore', { source: archive, target: unit.backupDir });
  const scratch = await waitForPath(() => entryStartingWith(parent, '.etcd-agent-restore-'), 60_000);
  const run = await running;
  const least = await watcher.stop();

  t.equal(run.exitCode, 0);
  t.equal(run.status, 'failed');
  t.equal(
    run.message,
    `no space left in ${parent} (target ${join(scratch, 'unpacked')}): unpacking ${archive} needs more than the ${humanSize(room)} free there; free space and try again`,
  );
  t.ok(freeBefore - least <= room + MiB, `the unpack wrote at most the room it had (${freeBefore - least} <= ${room} + 1 MiB)`);
  t.strictSame(startsWith((await unit.systemctlCalls()).split('\n'), 'stop'), [], 'etcd was never stopped');
  t.equal(await unit.etcd.count(), keysBefore, 'etcd serves the same number of keys');
  t.equal(await unit.etcd.get('/registry/still-here'), 'yes');
  t.strictSame(await listDir(parent), parentBefore, 'nothing left beside the data dir');
  t.strictSame(await listDir(unit.backupDir), [], 'no safety snapshot for a refused restore');
});
