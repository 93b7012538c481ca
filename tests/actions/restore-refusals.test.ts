import t from 'tap';
import { execFileSync } from 'node:child_process';
import { copyFile, readdir, stat, truncate } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { startCluster } from '../helpers/etcd-server.ts';
import { createJujuSim, runDispatch } from '../helpers/juju-sim.ts';
import { CHARM_DIR, configFor, listDir, tempDir } from '../support/charm-run.ts';
import { restoreUnit, snapshotPath } from '../support/restore-unit.ts';

t.test('refused before etcd is touched', async (t) => {
  const unit = await restoreUnit(t);
  const snap = await unit.run('snapshot', { target: unit.snapshotDir });
  const good = snapshotPath(snap);
  const dir = await tempDir(t, 'hostile');
  const parent = dirname(unit.etcd.dataDir);
  const parentBefore = await listDir(parent);
  await unit.etcd.put('/registry/still-here', 'yes');

  const bareFlipped = join(dir, 'flipped.db');
  await unit.etcd.etcdctl(['snapshot', 'save', bareFlipped]);
  execFileSync('dd', ['of=' + bareFlipped, 'bs=1', 'seek=3000', 'count=1', 'conv=notrunc'], { input: 'Z' });
  const truncated = join(dir, 'etcd-snapshot-truncated.tar.gz');
  await copyFile(good, truncated);
  await truncate(truncated, Math.floor((await stat(good)).size / 2));
  const python = (name: string, script: string): string => {
    const out = join(dir, name);
    execFileSync('python3', ['-c', script, out]);
    return out;
  };
  const member = (kind: string) =>
    `import sys,tarfile,io\nt=tarfile.open(sys.argv[1],'w:gz')\ni=tarfile.TarInfo(${kind})\n`;
  const dotdot = python('dotdot.tar.gz', `${member("'../x'")}d=b'hello'\ni.size=len(d)\nt.addfile(i,io.BytesIO(d))\nt.close()`);
  const absolute = python('absolute.tar.gz', `${member("'/tmp/etcd-agent-evil-absolute'")}d=b'hello'\ni.size=len(d)\nt.addfile(i,io.BytesIO(d))\nt.close()`);
  const symlink = python('symlink.tar.gz', `${member("'db'")}i.type=tarfile.SYMTYPE\ni.linkname='/etc/passwd'\nt.addfile(i)\nt.close()`);

  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['a flipped byte in db', { source: bareFlipped }, /fails etcd's integrity hash/],
    ['a truncated archive', { source: truncated }, /truncated or corrupt/],
    ['a wrong sha256', { source: good, sha256: 'a'.repeat(64) }, /its SHA-256 is [0-9a-f]{64}, not the expected a{64}/],
    ['a malformed sha256', { source: good, sha256: 'xyz' }, /sha256="xyz": must be 64 hex digits/],
    ['a member ../x', { source: dotdot }, /\.\.\/x/],
    ['an absolute member', { source: absolute }, /etcd-agent-evil-absolute/],
    ['a symlink member', { source: symlink }, /link|symbolic/i],
    ['a missing file', { source: join(dir, 'nope.tar.gz') }, /does not exist/],
    ['an unknown name', { source: 'etcd-snapshot-1999-01-01-00.00.00.tar.gz' }, /no snapshot named/],
  ];
  for (const [name, params, message] of cases) {
    const run = await unit.run('restore', { target: unit.backupDir, ...params });
    t.equal(run.status, 'failed', name);
    t.match(run.message, message, name);
    t.notMatch(run.message, /\n/, `${name}: one line`);
  }
  t.notMatch(await unit.systemctlCalls(), /\bstop\b/, 'etcd was never stopped');
  t.equal(await unit.etcd.get('/registry/still-here'), 'yes', 'etcd still serves its data');
  t.same(await listDir(parent), parentBefore, 'nothing left beside the data dir');
  t.same(await listDir(unit.backupDir), [], 'no safety copy for a refused restore');
  t.same(await readdir(dirname(dir)).then((names) => names.filter((n) => n === 'x')), [], 'no ../x written');
  await t.rejects(stat('/tmp/etcd-agent-evil-absolute'), 'no absolute member written');
});

t.test('refused when etcd has more than one member (a real three-member cluster, no relation data)', async (t) => {
  const members = await startCluster(3);
  t.teardown(() => Promise.all(members.map((m) => m.cleanup())));
  const target = await tempDir(t, 'cluster');
  const sim = await createJujuSim({ config: configFor(members[0]!, { 'snapshot-dir': target }), params: { target } });
  t.teardown(() => sim.cleanup());
  const snap = await runDispatch(sim, { charmDir: CHARM_DIR, dispatchPath: 'actions/snapshot' });
  t.equal(snap.status, 'completed', snap.message ?? '');
  await sim.setup({ params: { source: snapshotPath(snap), target: join(target, 'backups') } });
  const run = await runDispatch(sim, { charmDir: CHARM_DIR, dispatchPath: 'actions/restore' });
  t.equal(run.status, 'failed');
  t.match(run.message, /refusing to restore: etcd has 3 units\/members .*3 etcd member\(s\).*juju remove-unit etcd\/N.*juju add-unit etcd/);
  t.equal(await members[0]!.count('/'), await members[1]!.count('/'), 'the cluster is untouched');
});

t.test('refused when a peer unit is on the cluster relation', async (t) => {
  const unit = await restoreUnit(t, 2);
  const snap = await unit.run('snapshot', { target: unit.snapshotDir });
  const run = await unit.run('restore', { source: snapshotPath(snap), target: unit.backupDir }, { relations: { cluster: { 'cluster:1': ['etcd/1', 'etcd/2'] } } });
  t.equal(run.status, 'failed');
  t.match(run.message, /etcd has 3 units\/members \(3 Juju unit\(s\) \(etcd\/0, etcd\/1, etcd\/2\).*juju remove-unit etcd\/1, juju remove-unit etcd\/2/);
  t.notMatch(await unit.systemctlCalls(), /\bstop\b/);
});

