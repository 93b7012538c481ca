// Small tmpfs mounts for disk-full tests (needs root), ways to fill one up, and watches on free space and disk usage.
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { lstat, mkdtemp, readdir, rm, statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const MiB = 1024 ** 2;

// Bytes an unprivileged writer may still use in dir's filesystem (what the agent's free-space checks read).
export const freeBytes = async (dir: string): Promise<number> => {
  const fs = await statfs(dir);
  return fs.bavail * fs.bsize;
};

const umount = async (dir: string): Promise<void> => {
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      execFileSync('umount', [dir], { stdio: 'pipe' });
      return;
    } catch {
      await sleep(250);
    }
  }
  // Something still holds a file open there: detach it now, the kernel frees it when the holder closes it.
  execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
};

// Mounts a fresh tmpfs of sizeMiB on a new mkdtemp directory and returns it. The unmount (and the directory's
// removal) is registered first, so with tap's last-registered-first teardowns it runs after everything the test
// registers later (etcd, the systemctl stand-in) has let go of the mount.
export const mountTmpfs = async (t: { teardown(fn: () => unknown): void }, sizeMiB: number, prefix = 'tmpfs'): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), `${prefix}-`));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m,mode=0755`, 'tmpfs', dir], { stdio: 'pipe' });
  t.teardown(() => umount(dir));
  return dir;
};

// Fills file's filesystem to the last byte: a fallocate of (nearly) all that is free, then writes until ENOSPC.
// Returns the bytes the filler holds.
export const fillUp = async (file: string, dir: string): Promise<number> => {
  const free = await freeBytes(dir);
  if (free > MiB) {
    try {
      execFileSync('fallocate', ['-l', String(free - MiB), file], { stdio: 'pipe' });
    } catch {
      // Someone else wrote meanwhile; the writes below take what is left.
    }
  }
  const fd = openSync(file, 'a');
  let held = 0;
  try {
    for (const size of [MiB, 64 * 1024, 4096, 1]) {
      const chunk = Buffer.alloc(size, 0x55);
      for (;;) {
        try {
          const written = writeSync(fd, chunk);
          held += written;
          if (written < size) break;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
          break;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return held;
};

// Calls find every 2 ms until it returns a path, and returns that path; throws after timeoutMs.
export const waitForPath = async (find: () => Promise<string | undefined>, timeoutMs: number): Promise<string> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const path = await find();
    if (path !== undefined) return path;
    if (Date.now() > deadline) throw new Error(`nothing appeared within ${timeoutMs} ms`);
    await sleep(2);
  }
};

// The first entry of dir whose name starts with prefix, or undefined.
export const entryStartingWith = async (dir: string, prefix: string): Promise<string | undefined> => {
  const names = await readdir(dir).catch(() => [] as string[]);
  const name = names.find((n) => n.startsWith(prefix));
  return name === undefined ? undefined : join(dir, name);
};

// Polls measure() every everyMs until stopped, keeping the extreme pick() chooses; stop() returns it, measured once more.
const watchExtreme = async (measure: () => Promise<number>, pick: (a: number, b: number) => number, everyMs: number): Promise<{ stop(): Promise<number> }> => {
  let extreme = await measure();
  let running = true;
  const loop = (async () => {
    while (running) {
      extreme = pick(extreme, await measure());
      await sleep(everyMs);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return pick(extreme, await measure());
    },
  };
};

// Records the least free space dir's filesystem had while it ran; stop() returns it.
export const watchFree = (dir: string, everyMs = 5): Promise<{ stop(): Promise<number> }> => watchExtreme(() => freeBytes(dir), Math.min, everyMs);

// Bytes allocated on disk under dir (what `du -s -B1` counts), files vanishing mid-walk skipped.
export const diskUsage = async (dir: string): Promise<number> => {
  const info = await lstat(dir).catch(() => undefined);
  if (info === undefined) return 0;
  let bytes = info.blocks * 512;
  if (!info.isDirectory()) return bytes;
  for (const name of await readdir(dir).catch(() => [] as string[])) bytes += await diskUsage(join(dir, name));
  return bytes;
};

// Records the most disk usage under dir while it ran (polling; on a shared filesystem, where free space says
// nothing about one directory); stop() returns it.
export const watchUsage = (dir: string, everyMs = 5): Promise<{ stop(): Promise<number> }> => watchExtreme(() => diskUsage(dir), Math.max, everyMs);
