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
    `.etcd-agent-delta-2026-01-01-00.00.00-101.partial-${dead}-4`,
    `.etcd-delta-2026-01-01-00.00.00-101-200.jsonl.gz.sha256.partial-${dead}-5`,
    `.etcd-delta-2026-01-01-00.00.00-101-200.jsonl.gz.age.sha256.partial-${dead}-6`,
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
    `.etcd-agent-delta-2026-01-01-00.00.00-101.partial-${RUN_TAG}-4`,
    'etcd-delta-2026-01-01-00.00.00-101-200.jsonl.gz',
    `.etcd-delta-2026-01-01-00.00.00-101-200.jsonl.gz.partial-${dead}-7`,
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

t.test("a dead run's partial delta segment is removed, a live run's kept", async (t) => {
  const dir = await tempDir(t, 'leftovers');
  // A run that opens a segment, appends an event and dies without closing it.
  const script = [
    `import { openSegment } from ${JSON.stringify(new URL('../../src/delta/segment-writer.ts', import.meta.url).href)};`,
    `const base = { name: 'etcd-snapshot-2026-01-01-00.00.00.tar.gz', stamp: '2026-01-01-00.00.00', revision: 100, created: '2026-01-01T00:00:00.000Z', clusterId: 'abc' };`,
    `const writer = await openSegment({ dir: ${JSON.stringify(dir)}, base, firstRevision: 101, clusterId: 'abc', recipients: [] });`,
    `await writer.append({ revision: 101, type: 'put', key: Buffer.from('k'), value: Buffer.from('v'), lease: '0', createRevision: 101, version: 1, time: '2026-01-01T00:00:01.000Z' });`,
    'process.exit(0);',
  ].join('\n');
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  t.equal(run.status, 0, run.stderr);
  const [partial] = await listDir(dir);
  t.match(partial, /^\.etcd-agent-delta-2026-01-01-00\.00\.00-101\.partial-\d+-\d+-1$/);
  const { openSegment } = await import('../../src/delta/segment-writer.ts');
  const live = await openSegment({ dir, base: { name: 'etcd-snapshot-2026-01-01-00.00.00.tar.gz', stamp: '2026-01-01-00.00.00', revision: 100, created: '2026-01-01T00:00:00.000Z', clusterId: 'abc' }, firstRevision: 101, clusterId: 'abc', recipients: [] });
  const [mine] = (await listDir(dir)).filter((name) => name !== partial);
  t.strictSame(await removeLeftovers(dir), [join(dir, partial as string)]);
  t.strictSame(await listDir(dir), [mine]);
  await live.abort();
  t.strictSame(await listDir(dir), []);
});

t.test('leftoverOwner reads the pid and start ticks a name carries', async (t) => {
  t.strictSame(leftoverOwner('.etcd-agent-work-42-777-abcdef'), { pid: 42, ticks: '777' });
  t.equal(leftoverOwner('.etcd-agent-work-42-abcdef'), undefined);
  t.equal(leftoverOwner('etcd-agent-work-42-777-abcdef'), undefined);
});
