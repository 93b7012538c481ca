import t, { type Test } from 'tap';
import { randomBytes } from 'node:crypto';
import { chmod, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { restoreUnit, type RestoreUnit } from '../support/juju/restore-unit.ts';
import { listDir } from '../support/files/dirs.ts';

// A snapshot killed (SIGKILL of the agent's process group) during the save and during the archive write leaves its
// hidden scratch behind; the next snapshot removes it and succeeds, and nothing stale remains.

const ARCHIVE = /^etcd-snapshot-\d{4}-\d\d-\d\d-\d\d\.\d\d\.\d\d\.tar\.gz(\.sha256)?$/;

// Kills the agent's process group (its leader is the pid in the scratch name) once found() names a file in dir.
const killWhen = async (dir: string, found: (names: string[]) => string | undefined): Promise<string> => {
  for (let i = 0; i < 6000; i++) {
    const name = found(await readdir(dir).catch(() => [] as string[]));
    if (name) {
      const pid = Number(/(?:partial|work)-(\d+)-\d+-/.exec(name)?.[1]);
      process.kill(-pid, 'SIGKILL');
      return name;
    }
    await sleep(5);
  }
  throw new Error(`nothing appeared in ${dir}`);
};

// The next snapshot into the same target: it succeeds, logs what it removed, and only archives remain.
const nextSnapshotCleans = async (t: Test, unit: RestoreUnit, target: string, left: string): Promise<void> => {
  const next = await unit.run('snapshot', { target });
  t.equal(next.status, 'completed', next.message ?? '');
  t.equal(next.logs.filter((l) => l.message.startsWith(`removed ${join(target, left)}, left by a run that died`)).length, 1);
  t.strictSame((await listDir(target)).filter((n) => !ARCHIVE.test(n)), [], 'nothing but archives and their checksums');
};

t.test('killed during the save', async (t) => {
  const unit = await restoreUnit(t, 20);
  const target = join(unit.work, 'snaps');
  // etcdctl saves, then lingers: the agent is still waiting on it when it is killed.
  const lingering = join(unit.work, 'etcdctl');
  await writeFile(lingering, '#!/bin/sh\n/usr/bin/etcdctl "$@" || exit $?\ncase " $* " in *" snapshot save "*) sleep 30;; esac\n');
  await chmod(lingering, 0o755);
  const run = unit.runDetached('snapshot', { target }, { config: { ...unit.config, 'etcdctl-path': lingering } });
  const scratch = await killWhen(target, (names) => names.find((n) => n.startsWith('.etcd-agent-work-')));
  t.equal((await run).message, 'signal: killed');
  await nextSnapshotCleans(t, unit, target, scratch);
});

t.test('killed during the archive write', async (t) => {
  const unit = await restoreUnit(t, 20);
  for (let i = 0; i < 24; i++) await unit.etcd.etcdctl(['put', `/registry/secrets/default/blob-${i}`], randomBytes(768 * 1024).toString('base64'));
  const target = join(unit.work, 'snaps');
  const run = unit.runDetached('snapshot', { target });
  const partial = await killWhen(target, (names) => names.find((n) => n.includes('.tar.gz.partial-')));
  t.equal((await run).message, 'signal: killed');
  t.strictSame((await listDir(target)).filter((n) => ARCHIVE.test(n)), [], 'no archive under a final name');
  await nextSnapshotCleans(t, unit, target, partial);
});
