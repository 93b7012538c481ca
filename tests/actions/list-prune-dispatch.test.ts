import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { MANIFEST_NAME, DB_NAME, type Manifest } from '../../src/archive/manifest.ts';
import { parseSnapshotName, snapshotName } from '../../src/archive/snapshot-name.ts';
import { writeChecksumFile } from '../../src/archive/write-archive.ts';
import { writeArchive } from '../support/files/tar-build.ts';
import { createJujuSim, runDispatch, type DispatchRun } from '../support/juju/sim.ts';
import { seedKubernetesKeys, startEtcd } from '../support/etcd/server.ts';
import { CHARM_DIR, configFor } from '../support/juju/charm-run.ts';
import { tempDir, unpack } from '../support/files/dirs.ts';

const etcd = await startEtcd();
t.teardown(() => etcd.cleanup());
await seedKubernetesKeys(etcd, 30);

const HOUR = 3_600_000;
const NOTES = 'etcd-snapshot-notes.txt';

const dispatch = async (t: Test, action: string, config: Record<string, unknown>, params: Record<string, unknown> = {}): Promise<DispatchRun> => {
  const sim = await createJujuSim({ config: configFor(etcd, config), params });
  t.teardown(() => sim.cleanup());
  const run = await runDispatch(sim, { charmDir: CHARM_DIR, dispatchPath: `actions/${action}` });
  t.equal(run.exitCode, 0, `${action} exits 0`);
  t.equal(run.status, 'completed', run.message ?? `${action} completed`);
  return run;
};

const sha256sum = (path: string): string => execFileSync('sha256sum', [path], { encoding: 'utf8' }).split(' ')[0]!;
const duH = (path: string): string => execFileSync('du', ['-h', path], { encoding: 'utf8' }).split('\t')[0]!;

// A snapshot dir holding: a manual snapshot taken through dispatch, four scheduled ones an hour apart before it
// (its db with a scheduled manifest), a legacy archive with no manifest, a foreign file and a file being written.
const seedDir = async (t: Test) => {
  const dir = join(await tempDir(t, 'list-prune'), 'etcd-snapshots');
  const run = await dispatch(t, 'snapshot', {}, { target: dir });
  const manualPath = (run.results as { snapshot: { path: string } }).snapshot.path;
  const manual = basename(manualPath);
  const at = parseSnapshotName(manual)!;
  const scratch = await tempDir(t, 'craft');
  await unpack(manualPath, scratch);
  const base = JSON.parse(await readFile(join(scratch, MANIFEST_NAME), 'utf8')) as Manifest;
  const scheduled: string[] = [];
  for (const back of [1, 2, 3, 4]) {
    const created = new Date(at.getTime() - back * HOUR);
    await writeFile(join(scratch, MANIFEST_NAME), JSON.stringify({ ...base, trigger: 'scheduled', created: created.toISOString() }));
    await writeChecksumFile(await writeArchive(join(dir, snapshotName(created)), scratch, [MANIFEST_NAME, DB_NAME]));
    scheduled.push(snapshotName(created));
  }
  const legacy = snapshotName(new Date(at.getTime() - 5 * HOUR));
  await writeArchive(join(dir, legacy), scratch, [DB_NAME]);
  await writeFile(join(dir, NOTES), 'operator notes, not a snapshot\n');
  const partial = `.${snapshotName(new Date(at.getTime() + HOUR))}.partial-123-456`;
  await writeFile(join(dir, partial), 'half written');
  return { dir, manual, base, scheduled, legacy, partial };
};

t.test('list-snapshots and prune-snapshots through dispatch', async (t) => {
  const seed = await seedDir(t);
  const { dir, manual, scheduled, legacy } = seed;
  const config = { 'snapshot-dir': dir, 'snapshot-retention': 2 };

  t.test('list: newest first, every field matching the file on disk', async (t) => {
    const run = await dispatch(t, 'list-snapshots', config);
    const results = run.results as { count: string; snapshots: Record<string, Record<string, string>> };
    const order = [manual, ...scheduled, legacy];
    t.equal(results.count, String(order.length));
    t.same(Object.keys(results.snapshots), order.map((_, i) => String(i + 1)));
    for (const [i, name] of order.entries()) {
      const entry = results.snapshots[String(i + 1)]!;
      const path = join(dir, name);
      t.equal(entry.name, name, `${i + 1} name`);
      t.equal(entry.size, duH(path), `${name} size as du -h`);
      t.equal(entry.bytes, String((await stat(path)).size), `${name} bytes`);
      t.equal(entry.sha256, name === legacy ? 'unknown' : sha256sum(path), `${name} sha256`);
      t.equal(entry.created, parseSnapshotName(name)!.toISOString(), `${name} created`);
      t.equal(entry.location, 'local');
      const trigger = name === manual ? 'manual' : name === legacy ? 'unknown' : 'scheduled';
      t.equal(entry.trigger, trigger, `${name} trigger`);
      t.equal(entry.revision, name === legacy ? 'unknown' : String(seed.base.revision), `${name} revision`);
    }
  });

  t.test('prune dry-run: reports, removes nothing', async (t) => {
    const before = (await readdir(dir)).sort();
    const run = await dispatch(t, 'prune-snapshots', config, { 'dry-run': true });
    t.same(run.results, { 'dry-run': 'true', retention: '2', kept: '4', removed: { 1: scheduled[2], 2: scheduled[3] } });
    t.same((await readdir(dir)).sort(), before);
    const logs = run.logs.map((l) => l.message).join('\n');
    t.match(logs, `would remove scheduled snapshot ${scheduled[2]}`);
    t.match(logs, `would remove scheduled snapshot ${scheduled[3]}`);
  });

  t.test('prune: exactly K scheduled left, beside the manual, the legacy and the foreign file', async (t) => {
    const run = await dispatch(t, 'prune-snapshots', config);
    t.same(run.results, { 'dry-run': 'false', retention: '2', kept: '4', removed: { 1: scheduled[2], 2: scheduled[3] } });
    const left = [manual, scheduled[0]!, scheduled[1]!].flatMap((n) => [n, `${n}.sha256`]);
    t.same((await readdir(dir)).sort(), [...left, legacy, NOTES, seed.partial].sort());
    t.equal(execFileSync('sha256sum', ['-c', ...[manual, scheduled[0]!, scheduled[1]!].map((n) => `${n}.sha256`)], { cwd: dir, encoding: 'utf8' }).split('\n').filter((l) => l.endsWith(': OK')).length, 3);
    const removals = run.logs.filter((l) => l.level === 'INFO' && l.message.startsWith('removed scheduled snapshot'));
    t.same(removals.map((l) => l.message.split(' ')[3]), [scheduled[2], scheduled[3]], 'each removal logged');

    const list = await dispatch(t, 'list-snapshots', config);
    t.equal((list.results as { count: string }).count, '4');
    const again = await dispatch(t, 'prune-snapshots', config);
    t.same(again.results, { 'dry-run': 'false', retention: '2', kept: '4' }, 'nothing more to remove');
  });
});

t.test('a snapshot dir that does not exist: list count 0, prune removes nothing and keeps 0', async (t) => {
  const dir = join(await tempDir(t, 'list-missing'), 'never-made');
  const list = await dispatch(t, 'list-snapshots', { 'snapshot-dir': dir });
  t.same(list.results, { count: '0' });
  const prune = await dispatch(t, 'prune-snapshots', { 'snapshot-dir': dir });
  t.same(prune.results, { 'dry-run': 'false', retention: '28', kept: '0' });
  t.same(await readdir(dirname(dir)), [], 'nothing was created');
});

t.test('an empty snapshot dir lists nothing', async (t) => {
  const dir = await tempDir(t, 'list-empty');
  await writeFile(join(dir, NOTES), 'not a snapshot');
  const list = await dispatch(t, 'list-snapshots', { 'snapshot-dir': dir });
  t.same(list.results, { count: '0' });
});

t.test('a snapshot-dir that is a file fails with a clear one-line message', async (t) => {
  const dir = await tempDir(t, 'list-file');
  await writeFile(join(dir, 'plain'), 'x');
  const sim = await createJujuSim({ config: configFor(etcd, { 'snapshot-dir': join(dir, 'plain') }), params: {} });
  t.teardown(() => sim.cleanup());
  for (const action of ['list-snapshots', 'prune-snapshots']) {
    const run = await runDispatch(sim, { charmDir: CHARM_DIR, dispatchPath: `actions/${action}` });
    t.equal(run.exitCode, 0);
    t.equal(run.status, 'failed');
    t.match(run.message, /cannot list snapshots in store local \(.*plain\) \(not a directory\)/);
  }
});
