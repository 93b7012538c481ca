import t from 'tap';
import { execFileSync } from 'node:child_process';
import { copyFile, stat, truncate } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SYSTEMCTL_DIR } from '../support/etcd/service.ts';
import type { EtcdServer } from '../support/etcd/server.ts';
import { startCluster } from '../support/etcd/server.ts';
import { createJujuSim, runDispatch } from '../support/juju/sim.ts';
import { CHARM_DIR, configFor } from '../support/juju/charm-run.ts';
import { listDir, tempDir } from '../support/files/dirs.ts';
import { restoreUnit, snapshotPath } from '../support/juju/restore-unit.ts';

// The revision a member reports.
const revisionOf = async (member: EtcdServer): Promise<number> =>
  (JSON.parse(await member.etcdctl(['endpoint', 'status', '-w', 'json'])) as { Status: { header: { revision: number } } }[])[0]!.Status.header.revision;

t.test('refused before etcd is touched', async (t) => {
  const unit = await restoreUnit(t);
  const snap = await unit.run('snapshot', { target: unit.snapshotDir });
  const good = snapshotPath(snap);
  const dir = await tempDir(t, 'hostile');
  const parent = dirname(unit.etcd.dataDir);
  const parentBefore = await listDir(parent);
  const grandBefore = await listDir(dirname(parent));
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
  const withMember = (file: string, name: string): string => python(file, `${member(JSON.stringify(name))}d=b'hello'\ni.size=len(d)\nt.addfile(i,io.BytesIO(d))\nt.close()`);
  // An escape from <parent>/.etcd-agent-restore-*/unpacked would land beside the data dir (../../x) or above it.
  const dotdot = withMember('dotdot.tar.gz', '../x');
  const escape = withMember('escape.tar.gz', '../../x');
  const higher = withMember('higher.tar.gz', '../../../x');
  // An absolute member aimed at this test's own directory, where the test can look.
  const evil = join(dir, 'evil-absolute');
  const absolute = withMember('absolute.tar.gz', evil);
  const symlink = python('symlink.tar.gz', `${member("'db'")}i.type=tarfile.SYMTYPE\ni.linkname='/etc/passwd'\nt.addfile(i)\nt.close()`);

  const goodSha = execFileSync('sha256sum', [good], { encoding: 'utf8' }).split(' ')[0];
  const searched = [...new Set([unit.snapshotDir, unit.backupDir])].join(' or ');
  // Each refusal is named exactly: a message that matched any refusal would prove nothing.
  const cases: [string, Record<string, unknown>, string | RegExp][] = [
    ['a flipped byte in db', { source: bareFlipped }, `refusing ${bareFlipped}: the db fails etcd's integrity hash (a changed byte); this snapshot is damaged, use another one`],
    ['a truncated archive', { source: truncated }, new RegExp(`^${truncated.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is truncated or corrupt \\([^)]+\\); refused, copy it again or use another snapshot$`)],
    ['a wrong sha256', { source: good, sha256: 'a'.repeat(64) }, `refusing ${good}: its SHA-256 is ${goodSha}, not the expected ${'a'.repeat(64)}; check that you have the right file and that it was copied whole`],
    ['a member ../x', { source: dotdot }, `refusing ${dotdot}: member "../x" escapes the archive`],
    ['a member ../../x', { source: escape }, `refusing ${escape}: member "../../x" escapes the archive`],
    ['a member ../../../x', { source: higher }, `refusing ${higher}: member "../../../x" escapes the archive`],
    ['an absolute member', { source: absolute }, `refusing ${absolute}: member "${evil}" has an absolute path`],
    ['a symlink member', { source: symlink }, `refusing ${symlink}: member "db" is a symbolic link; only regular files are accepted`],
    ['a missing file', { source: join(dir, 'nope.tar.gz') }, `source ${join(dir, 'nope.tar.gz')} does not exist or is not a file on this unit; run list-snapshots to see what is here`],
    ['an unknown name', { source: 'etcd-snapshot-1999-01-01-00.00.00.tar.gz' }, `no snapshot named "etcd-snapshot-1999-01-01-00.00.00.tar.gz" in ${searched}; run list-snapshots to see what is here`],
  ];
  for (const [name, params, message] of cases) {
    const run = await unit.run('restore', { target: unit.backupDir, ...params });
    t.equal(run.status, 'failed', name);
    if (typeof message === 'string') t.equal(run.message, message, name);
    else t.match(run.message, message, name);
  }
  const malformed = await unit.run('restore', { target: unit.backupDir, source: good, sha256: 'xyz' });
  t.equal(malformed.status, 'failed');
  t.equal(malformed.message?.startsWith('invalid param sha256="xyz": '), true, malformed.message ?? '');
  t.notMatch(await unit.systemctlCalls(), /\bstop\b/, 'etcd was never stopped');
  t.equal(await unit.etcd.get('/registry/still-here'), 'yes', 'etcd still serves its data');
  t.strictSame(await listDir(parent), parentBefore, 'nothing left beside the data dir: no x from ../../x');
  t.strictSame(await listDir(dirname(parent)), grandBefore, 'no x from ../../../x above it');
  t.strictSame(await listDir(unit.backupDir), [], 'no safety copy for a refused restore');
  t.strictSame((await listDir(dir)).includes('evil-absolute'), false, 'no absolute member written');
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
  const before = await Promise.all(members.map(async (m) => [await m.count(''), await revisionOf(m)]));
  // The systemctl stand-in on PATH records every call: a refused restore makes none.
  const systemctlDir = await tempDir(t, 'cluster-systemctl');
  const env = { SYSTEMCTL_SIM_DIR: systemctlDir, PATH: `${SYSTEMCTL_DIR}:${sim.env().PATH}` };
  const run = await runDispatch(sim, { charmDir: CHARM_DIR, dispatchPath: 'actions/restore', env });
  t.equal(run.status, 'failed');
  t.match(run.message, /refusing to restore: etcd has 3 units\/members .*3 etcd member\(s\).*juju remove-unit etcd\/N.*juju add-unit etcd/);
  t.strictSame(await Promise.all(members.map(async (m) => [await m.count(''), await revisionOf(m)])), before, 'every member holds what it held, at the same revision');
  t.strictSame(await listDir(systemctlDir), [], 'no systemctl call at all');
});

t.test('refused when a peer unit is on the cluster relation', async (t) => {
  const unit = await restoreUnit(t, 2);
  const snap = await unit.run('snapshot', { target: unit.snapshotDir });
  const run = await unit.run('restore', { source: snapshotPath(snap), target: unit.backupDir }, { relations: { cluster: { 'cluster:1': ['etcd/1', 'etcd/2'] } } });
  t.equal(run.status, 'failed');
  t.match(run.message, /etcd has 3 units\/members \(3 Juju unit\(s\) \(etcd\/0, etcd\/1, etcd\/2\).*juju remove-unit etcd\/1, juju remove-unit etcd\/2/);
  t.notMatch(await unit.systemctlCalls(), /\bstop\b/);
});

