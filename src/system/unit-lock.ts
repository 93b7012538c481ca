import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { AgentError } from '../errors/agent-error.ts';
import { CommandError, type CommandRunner } from '../process/command-runner.ts';

// Who holds the unit's lock, as the holder wrote it into the lock file.
export interface LockHolder {
  pid: number;
  what: string;
  since: string;
}

// A held lock; release() lets the next one in. The kernel releases it too when the holder dies.
export interface HeldLock {
  release(): Promise<void>;
}

// How long to wait for a busy lock, and what to say while waiting.
export interface AcquireOptions {
  waitMs: number;
  // Called once when the lock is busy, before waiting; true = do not wait (LockBusyError at once).
  onBusy?(holder: LockHolder | undefined): Promise<boolean | void> | boolean | void;
}

// One lock per unit around everything that writes snapshots or touches etcd's data.
export interface UnitLock {
  readonly path: string;
  // Takes the lock for `what`, waiting up to waitMs; throws LockBusyError naming the holder.
  acquire(what: string, options: AcquireOptions): Promise<HeldLock>;
}

// The lock was still held when the wait ended.
export class LockBusyError extends AgentError {
  override readonly name = 'LockBusyError';
  readonly holder: LockHolder | undefined;
  constructor(message: string, holder: LockHolder | undefined) {
    super(message);
    this.holder = holder;
  }
}

// How a holder is named in a message: "restore (pid 123, since 2026-...)".
export const describeHolder = (holder: LockHolder | undefined): string =>
  holder ? `${holder.what} (pid ${holder.pid}, since ${holder.since})` : 'another etcd-agent run';

const BUSY = 75;

const readHolder = async (handle: FileHandle): Promise<LockHolder | undefined> => {
  const { size } = await handle.stat();
  if (size === 0 || size > 4096) return undefined;
  const buffer = Buffer.alloc(size);
  await handle.read(buffer, 0, size, 0);
  try {
    const value = JSON.parse(buffer.toString('utf8')) as Partial<LockHolder>;
    return typeof value.pid === 'number' && typeof value.what === 'string' && typeof value.since === 'string' ? (value as LockHolder) : undefined;
  } catch {
    return undefined;
  }
};

// The real UnitLock: flock(2) taken by util-linux's flock(1) on the agent's own open file (passed as fd 3), so the
// lock belongs to this process's open file and the kernel drops it the moment the agent dies, however it dies.
export const flockLock = (path: string, runner: CommandRunner, now: () => Date): UnitLock => {
  const flock = async (handle: FileHandle, waitMs: number): Promise<boolean> => {
    const wait = waitMs > 0 ? ['--wait', (waitMs / 1000).toFixed(3)] : ['--nonblock'];
    try {
      await runner.run('flock', ['--exclusive', ...wait, '--conflict-exit-code', String(BUSY), '3'], { fd3: handle.fd, timeoutMs: waitMs + 30_000 });
      return true;
    } catch (error) {
      if (error instanceof CommandError && error.exitCode === BUSY) return false;
      throw new AgentError(`cannot take the unit lock ${path}: ${error instanceof CommandError ? error.reason : String(error)}; is util-linux's flock installed?`, { cause: error });
    }
  };
  return {
    path,
    async acquire(what, options) {
      let handle: FileHandle;
      try {
        handle = await open(path, constants.O_RDWR | constants.O_CREAT, 0o600);
      } catch (error) {
        throw new AgentError(`cannot open the unit lock ${path}: ${(error as Error).message}`, { cause: error });
      }
      try {
        if (!(await flock(handle, 0))) {
          const holder = await readHolder(handle);
          const giveUp = (await options.onBusy?.(holder)) === true;
          if (giveUp || options.waitMs <= 0) throw new LockBusyError(`${describeHolder(holder)} holds the unit lock ${path}; try again once it has finished`, holder);
          if (!(await flock(handle, options.waitMs))) {
            const still = await readHolder(handle);
            throw new LockBusyError(`${describeHolder(still)} still holds the unit lock ${path} after ${Math.round(options.waitMs / 1000)}s; try again once it has finished, or raise lock-timeout`, still);
          }
        }
        const holder: LockHolder = { pid: process.pid, what, since: now().toISOString() };
        await handle.truncate(0);
        await handle.write(`${JSON.stringify(holder)}\n`, 0);
      } catch (error) {
        await handle.close();
        throw error;
      }
      let released = false;
      return {
        async release() {
          if (released) return;
          released = true;
          await handle.truncate(0).catch(() => undefined);
          await handle.close();
        },
      };
    },
  };
};
