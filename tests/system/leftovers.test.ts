import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { leftoverOwner, removeLeftovers } from '../../src/engine/leftovers.ts';
import { RUN_TAG } from '../../src/system/process-tag.ts';
import { listDir, tempDir } from '../support/files/dirs.ts';

// The pid of a process that has already exited.
const deadPid = (): number => Number(spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' }).stdout.trim());

t.test('only the agent\'s own hidden names of dead runs are removed', async (t) => {
  const dir = await tempDir(t, 'leftovers');
  const dead = `${deadPid()}-12345`;
  const stale = [
    `.etcd-agent-work-${dead}-AbC123`,
    `.etcd-agent-restore-${dead}-x1y2z3`,
    `.etcd-agent-verify-${dead}-qwerty`,
    `.etcd-snapshot-2026-01-01-00.00.00.tar.gz.partial-${dead}-1`,
    `.etcd-snapshot-2026-01-01-00.00.00.tar.gz.age.sha256.partial-${dead}-2`,
    `..etcd-agent-schedule.json.partial-${dead}-3`,
  ];
  const kept = [
    `.etcd-agent-work-${RUN_TAG}-AbC123`,
    `.etcd-snapshot-2026-01-01-00.00.00.tar.gz.partial-${RUN_TAG}-1`,
    `.etcd-snapshot-2026-01-01-00.00.00.tar.gz.partial-1-2`,
    '.etcd-agent-work-abcdef',
    'etcd-snapshot-2026-01-01-00.00.00.tar.gz',
    '.etcd-agent-schedule.json',
    `.mine-${dead}-AbC123`,
    `.etcd-agent-work-${dead}-AbC123-extra`,
  ];
  for (const name of [...stale, ...kept]) {
    if (name.startsWith('.etcd-agent-work') || name.startsWith('.etcd-agent-restore')) {
      await mkdir(join(dir, name));
      await writeFile(join(dir, name, 'db'), 'x');
    } else await writeFile(join(dir, name), 'x');
  }
  const removed = await removeLeftovers(dir);
  t.strictSame(removed.sort(), stale.map((n) => join(dir, n)).sort());
  t.strictSame(await listDir(dir), [...kept].sort());
});

t.test('leftoverOwner reads the pid and start ticks a name carries', async (t) => {
  t.strictSame(leftoverOwner('.etcd-agent-work-42-777-abcdef'), { pid: 42, ticks: '777' });
  t.equal(leftoverOwner('.etcd-agent-work-42-abcdef'), undefined);
  t.equal(leftoverOwner('etcd-agent-work-42-777-abcdef'), undefined);
});
