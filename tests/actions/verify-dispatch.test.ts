import t, { type Test } from 'tap';
import { execa } from 'execa';
import { copyFile, open, readFile, readdir, readlink, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DB_NAME, MANIFEST_NAME, type Manifest } from '../../src/archive/manifest.ts';
import { writeArchive } from '../support/files/tar-build.ts';
import { createJujuSim, runDispatch, type DispatchRun } from '../support/juju/sim.ts';
import { kubernetesKey, kubernetesValue, seedKubernetesKeys, startEtcd } from '../support/etcd/server.ts';
import { CHARM_DIR, configFor } from '../support/juju/charm-run.ts';
import { listDir, tempDir, unpack } from '../support/files/dirs.ts';

const etcd = await startEtcd();
t.teardown(() => etcd.cleanup());
await seedKubernetesKeys(etcd, 40);

type VerifyResults = { verify: Record<string, string> };
type SnapshotResults = { snapshot: Record<string, string> };

// Runs an action through dispatch with a private TMPDIR (where verify puts its scratch).
const dispatch = async (t: Test, action: string, params: Record<string, unknown>, extra: { config?: Record<string, unknown>; tmp?: string } = {}): Promise<DispatchRun> => {
  const sim = await createJujuSim({ config: configFor(etcd, { 'etcd-data-dir': etcd.dataDir, ...extra.config }), params });
  t.teardown(() => sim.cleanup());
  const env: Record<string, string> = extra.tmp ? { TMPDIR: extra.tmp } : {};
  return runDispatch(sim, { charmDir: CHARM_DIR, dispatchPath: `actions/${action}`, env, timeoutMs: 120_000 });
};

// Every file under dir with its size and mtime, to prove the running member's data was not touched.
const fingerprint = async (dir: string): Promise<string[]> => {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const lines = await Promise.all(entries.map(async (e) => {
    const path = join(e.parentPath, e.name);
    const info = await stat(path);
    return `${path} ${info.isDirectory() ? 'dir' : info.size} ${info.mtimeMs}`;
  }));
  return lines.sort();
};

// Pids of processes whose command line mentions marker (a private TMPDIR): a throwaway etcd left running.
const processesMentioning = async (marker: string): Promise<number[]> => {
  const pids: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const cmdline = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(marker) && !(await readlink(`/proc/${name}/exe`).catch(() => '')).endsWith('/node')) pids.push(Number(name));
  }
  return pids;
};

const snapshotDir = join(await tempDir(t, 'verify'), 'etcd-snapshots');
const snap = await (async () => {
  const run = await dispatch(t, 'snapshot', { target: snapshotDir });
  if (run.status !== 'completed') throw new Error(`snapshot failed: ${run.message}`);
  return (run.results as SnapshotResults).snapshot;
})();
const liveKeys = await etcd.count();
// An older snapshot beside it, so "newest" has to choose.
const older = join(snapshotDir, 'etcd-snapshot-2020-01-02-03.04.05.tar.gz');
await copyFile(snap.path!, older);

// Verifies and checks the common result shape; returns the verify results.
const verify = async (t: Test, params: Record<string, unknown>, config: Record<string, unknown> = {}) => {
  const tmp = await tempDir(t, 'verify-tmp');
  const run = await dispatch(t, 'verify-snapshot', params, { tmp, config: { 'snapshot-dir': snapshotDir, ...config } });
  t.equal(run.exitCode, 0, 'actions exit 0');
  t.same(await listDir(tmp), [], 'no scratch left in TMPDIR');
  t.same(await processesMentioning(tmp), [], 'no throwaway etcd left running');
  return { run, results: (run.results as Partial<VerifyResults>).verify ?? {} };
};

t.test('verify by path, by name and by default (newest): ok, counts match, the running member untouched', async (t) => {
  const before = await fingerprint(join(etcd.dataDir, 'member'));
  for (const [how, source] of [['path', snap.path], ['name', snap.name], ['default', '']] as const) {
    const { run, results } = await verify(t, { source });
    t.equal(run.status, 'completed', `${how}: ${run.message ?? ''}`);
    const { seconds, ...exact } = results as Record<string, string>;
    t.strictSame(exact, {
      ok: 'true',
      source: snap.path,
      sha256: snap.sha256,
      format: 'agent',
      'hash-check': 'verified',
      encrypted: 'false',
      revision: snap.revision,
      'live-revision': snap.revision,
      'total-keys': snap['total-keys'],
      'key-count': String(liveKeys),
    }, how);
    t.equal(/^\d+\.\d$/.test(seconds ?? ''), true, `${how}: seconds ${seconds}`);
    t.match(run.actionLogs.join('\n'), /checking[\s\S]*throwaway etcd answering on http:\/\/127\.0\.0\.1:\d+/, `${how}: progress`);
  }
  t.same(await fingerprint(join(etcd.dataDir, 'member')), before, 'the running member\'s data dir is unchanged');
  t.equal(await etcd.get(kubernetesKey(7)), kubernetesValue(7), 'the running etcd still serves its keys');
  t.equal(await etcd.count(), liveKeys);
});

t.test('a damaged snapshot: verify.ok=false and a failed action with the reason, nothing left behind', async (t) => {
  const dir = await tempDir(t, 'verify-bad');
  const flipped = join(dir, 'flipped.db');
  await etcd.etcdctl(['snapshot', 'save', flipped]);
  const handle = await open(flipped, 'r+');
  const at = Math.floor((await handle.stat()).size / 2);
  const byte = Buffer.alloc(1);
  await handle.read(byte, 0, 1, at);
  await handle.write(Buffer.from([byte[0]! ^ 0xff]), 0, 1, at);
  await handle.close();
  const truncated = join(dir, 'etcd-snapshot-2021-01-01-00.00.00.tar.gz');
  await copyFile(snap.path!, truncated);
  await truncate(truncated, Math.floor((await stat(truncated)).size / 2));

  const cases: [string, string, RegExp][] = [
    ['flipped byte in a bare db', flipped, /fails etcd's integrity hash/],
    ['truncated archive', truncated, /etcd-snapshot-2021-01-01-00\.00\.00\.tar\.gz is truncated or corrupt .*refused/],
  ];
  for (const [name, source, message] of cases) {
    const { run, results } = await verify(t, { source });
    t.equal(run.status, 'failed', name);
    t.match(run.message, message, name);
    t.notMatch(run.message, /\n/, 'one line');
    t.match(results, { ok: 'false', source, reason: run.message, seconds: /^\d+\.\d$/ }, name);
  }
});

t.test('a manifest whose key count the restored data does not match fails after the throwaway etcd ran', async (t) => {
  const dir = await tempDir(t, 'verify-tampered');
  const parts = await tempDir(t, 'verify-parts');
  await unpack(snap.path!, parts);
  const manifest = JSON.parse(await readFile(join(parts, MANIFEST_NAME), 'utf8')) as Manifest;
  await writeFile(join(parts, MANIFEST_NAME), JSON.stringify({ ...manifest, keyCount: liveKeys + 1 }));
  const tampered = join(dir, 'etcd-snapshot-2022-02-02-02.02.02.tar.gz');
  await writeArchive(tampered, parts, [MANIFEST_NAME, DB_NAME]);
  const { run, results } = await verify(t, { source: tampered });
  t.equal(run.status, 'failed');
  t.equal(run.message, `the restored snapshot holds ${liveKeys} keys at revision ${snap.revision}, the manifest records ${liveKeys + 1}; this snapshot is damaged or altered`);
  t.match(results, { ok: 'false', 'key-count': String(liveKeys), 'live-revision': snap.revision, revision: snap.revision });
});

t.test('no snapshot in snapshot-dir: a clear failure', async (t) => {
  const empty = await tempDir(t, 'verify-empty');
  const { run, results } = await verify(t, { source: '' }, { 'snapshot-dir': empty });
  t.equal(run.status, 'failed');
  t.equal(run.message, `no source given and no snapshot in snapshot-dir ${empty}; run snapshot first or pass source=<path or name>`);
  t.equal(results.ok, 'false');
});

t.test('etcd-agent verify --source exits 0 when restorable, 1 when not', async (t) => {
  const tmp = await tempDir(t, 'verify-cli-tmp');
  const agent = (source: string) =>
    execa(join(CHARM_DIR, 'bin', 'etcd-agent'), ['verify', '--source', source, '--snapshot-dir', snapshotDir, '--etcdctl-path', '/usr/bin/etcdctl', '--etcd-endpoints', etcd.endpoint], {
      reject: false,
      env: { NODE_OPTIONS: '', TMPDIR: tmp },
    });
  const good = await agent(snap.name!);
  t.equal(good.exitCode, 0, good.stderr);
  t.match(parse(good.stdout), { verify: { ok: 'true', source: snap.path, 'key-count': String(liveKeys) } });
  const bad = join(await tempDir(t, 'verify-cli-bad'), 'broken.tar.gz');
  await writeFile(bad, (await readFile(snap.path!)).subarray(0, 200));
  const broken = await agent(bad);
  t.equal(broken.exitCode, 1);
  t.match(parse(broken.stdout), { verify: { ok: 'false', source: bad } });
  t.match(broken.stderr, /error: .*broken\.tar\.gz is truncated or corrupt/);
  t.same(await listDir(tmp), [], 'no scratch left');
});
