import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { systemClock } from '../../src/clock/clock.ts';
import { execaRunner } from '../../src/process/execa-runner.ts';
import { flockLock, LockBusyError, type LockHolder } from '../../src/system/unit-lock.ts';
import { tempDir } from '../support/files/dirs.ts';

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'hold-lock.ts');
const lockAt = (path: string) => flockLock(path, execaRunner, () => systemClock.now());

// What the holder wrote into the lock file.
const holderInfo = async (path: string): Promise<LockHolder> => JSON.parse(await readFile(path, 'utf8')) as LockHolder;

// A child process holding the lock at path, once it has said so.
const childHolding = async (path: string): Promise<ChildProcess> => {
  const child = spawn(process.execPath, [FIXTURE, path], { stdio: ['pipe', 'pipe', 'inherit'] });
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  if (chunk.toString().trim() !== 'held') throw new Error(`the child said ${chunk.toString()}`);
  return child;
};

t.test('a second taker is refused at once, naming the holder; release lets it in', async (t) => {
  const path = join(await tempDir(t, 'lock'), 'unit.lock');
  const first = await lockAt(path).acquire('snapshot', { waitMs: 0 });
  const error = await lockAt(path).acquire('restore', { waitMs: 0 }).catch((e: unknown) => e);
  t.type(error, LockBusyError);
  const holder = (error as LockBusyError).holder;
  t.equal(holder?.what, 'snapshot');
  t.equal(holder?.pid, process.pid);
  t.equal((error as Error).message, `snapshot (pid ${process.pid}, since ${holder?.since}) holds the unit lock ${path}; try again once it has finished`);
  await first.release();
  const second = await lockAt(path).acquire('restore', { waitMs: 0 });
  await second.release();
});

t.test('the kernel releases the lock when its holder is killed with SIGKILL', async (t) => {
  const path = join(await tempDir(t, 'lock'), 'unit.lock');
  const child = await childHolding(path);
  t.teardown(() => void child.kill('SIGKILL'));
  const error = (await lockAt(path).acquire('restore', { waitMs: 0 }).catch((e: unknown) => e)) as LockBusyError;
  t.strictSame(
    { name: error.name, what: error.holder?.what, pid: error.holder?.pid },
    { name: 'LockBusyError', what: 'child holder', pid: child.pid },
  );
  child.kill('SIGKILL');
  await once(child, 'exit');
  const held = await lockAt(path).acquire('restore', { waitMs: 0 });
  await held.release();
});

t.test('a waiting taker is told who holds the lock and gets it once released', async (t) => {
  const path = join(await tempDir(t, 'lock'), 'unit.lock');
  const child = await childHolding(path);
  t.teardown(() => void child.kill('SIGKILL'));
  const seen: (LockHolder | undefined)[] = [];
  const waiting = lockAt(path).acquire('snapshot', { waitMs: 20_000, onBusy: (holder) => void seen.push(holder) });
  setTimeout(() => child.stdin!.end(), 300);
  const held = await waiting;
  t.equal(seen.length, 1);
  t.equal(seen[0]?.what, 'child holder');
  await held.release();
});

t.test('a wait that runs out ends in LockBusyError; onBusy returning true gives up without waiting', async (t) => {
  const path = join(await tempDir(t, 'lock'), 'unit.lock');
  const holder = await lockAt(path).acquire('restore', { waitMs: 0 });
  await t.rejects(lockAt(path).acquire('snapshot', { waitMs: 300 }), { name: 'LockBusyError', message: new RegExp(`^restore \\(pid ${process.pid}, since \\S+\\) still holds the unit lock ${path} after 0s; try again`) });
  // Giving up is the refusal without a wait: "holds", not "still holds ... after 60s".
  const info = await holderInfo(path);
  await t.rejects(lockAt(path).acquire('scheduled snapshot', { waitMs: 60_000, onBusy: (h) => h?.what === 'restore' }), {
    name: 'LockBusyError',
    message: `restore (pid ${process.pid}, since ${info.since}) holds the unit lock ${path}; try again once it has finished`,
  });
  await holder.release();
});
