// `etcd-agent delete NAME`: one archive of snapshot-dir and its .sha256 go, nothing else ever does, and it waits
// for the unit lock like prune.
import t, { type Test } from 'tap';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { systemClock } from '../../src/clock/clock.ts';
import { unitLockPath } from '../../src/engine/lock-path.ts';
import { execaRunner } from '../../src/process/execa-runner.ts';
import { flockLock } from '../../src/system/unit-lock.ts';
import { runAgent } from '../support/cli/run-agent.ts';
import { listDir, tempDir } from '../support/files/dirs.ts';

const OLD = 'etcd-snapshot-2026-01-01-00.00.00.tar.gz';
const NEW = 'etcd-snapshot-2026-02-01-06.00.00.tar.zst.age';

// A snapshot dir with two archives of the charm's pattern (with sidecars) and files that are not its own.
const snapshotDir = async (t: Test): Promise<{ dir: string; args: string[]; dataDir: string }> => {
  const work = await tempDir(t, 'cli-delete');
  const dir = join(work, 'snaps');
  await mkdir(dir);
  for (const name of [OLD, NEW]) {
    await writeFile(join(dir, name), `archive ${name}\n`);
    await writeFile(join(dir, `${name}.sha256`), `${'0'.repeat(64)}  ${name}\n`);
  }
  await writeFile(join(dir, 'notes.txt'), 'mine\n');
  await writeFile(join(work, 'outside.tar.gz'), 'not in the dir\n');
  await symlink(join(work, 'outside.tar.gz'), join(dir, 'etcd-snapshot-2026-03-01-00.00.00.tar.gz'));
  const dataDir = join(work, 'data');
  return { dir, dataDir, args: ['--snapshot-dir', dir, '--etcd-data-dir', dataDir] };
};

const ALL = [NEW, `${NEW}.sha256`, OLD, `${OLD}.sha256`, 'etcd-snapshot-2026-03-01-00.00.00.tar.gz', 'notes.txt'].sort();

t.test('delete NAME removes that archive and its .sha256, and only them', async (t) => {
  const { dir, args } = await snapshotDir(t);
  const run = await runAgent(['delete', OLD, ...args]);
  t.equal(run.exitCode, 0, run.stderr);
  t.strictSame(parse(run.stdout), { deleted: OLD, dir, bytes: String(`archive ${OLD}\n`.length) });
  t.strictSame(await listDir(dir), ALL.filter((f) => !f.startsWith(OLD)));
});

t.test('any other name is refused and nothing is removed: other files, paths, links, missing archives', async (t) => {
  const { dir, args } = await snapshotDir(t);
  const cases: [string, number, string][] = [
    ['notes.txt', 2, "error: invalid NAME notes.txt: is not the name of one of this charm's archives"],
    [`${OLD}.sha256`, 2, 'error: invalid NAME'],
    [join(dir, OLD), 2, 'error: invalid NAME'],
    [`../snaps/${OLD}`, 2, 'error: invalid NAME'],
    ['', 2, 'error: invalid NAME "": is not the name of one of this charm\'s archives'],
    ['etcd-snapshot-2026-03-01-00.00.00.tar.gz', 1, `error: no snapshot named etcd-snapshot-2026-03-01-00.00.00.tar.gz in ${dir}; run etcd-agent list to see the snapshots there`],
    ['etcd-snapshot-2025-12-31-00.00.00.tar.gz', 1, `error: no snapshot named etcd-snapshot-2025-12-31-00.00.00.tar.gz in ${dir}`],
  ];
  for (const [name, exitCode, says] of cases) {
    const run = await runAgent(['delete', name, ...args]);
    t.equal(run.exitCode, exitCode, name);
    t.equal(run.stderr.split('\n')[0]?.startsWith(says), true, `${name}: ${run.stderr.split('\n')[0]}`);
    t.strictSame(await listDir(dir), ALL, `${name}: every file is still there`);
  }
});

t.test('delete takes the unit lock: while another run holds it, it gives up after --lock-timeout and removes nothing', async (t) => {
  const { dir, dataDir, args } = await snapshotDir(t);
  const lock = flockLock(await unitLockPath(dataDir), execaRunner, () => systemClock.now());
  const held = await lock.acquire('restore', { waitMs: 0 });
  t.teardown(() => held.release());
  const run = await runAgent(['delete', NEW, ...args, '--lock-timeout', '1']);
  t.equal(run.exitCode, 1);
  t.match(run.stderr, new RegExp(`error: restore \\(pid ${process.pid}, since \\S+\\) still holds the unit lock ${lock.path} after 1s; try again`));
  t.strictSame(await listDir(dir), ALL);
  await held.release();
  const after = await runAgent(['delete', NEW, ...args]);
  t.equal(after.exitCode, 0, after.stderr);
  t.strictSame(await listDir(dir), ALL.filter((f) => !f.startsWith(NEW)));
});
