import t from 'tap';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { parse } from 'yaml';
import { seedKubernetesKeys, startEtcd } from '../support/etcd/server.ts';
import { createJujuSim, runDispatch } from '../support/juju/sim.ts';
import { CHARM_DIR, configFor } from '../support/juju/charm-run.ts';
import { listDir, tempDir } from '../support/files/dirs.ts';

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

// Pack once for the whole file, the way an operator does.
const packed = await execa('npm', ['run', '--silent', 'pack'], { cwd: CHARM_DIR, reject: false, timeout: 100_000 });
const charm = await tempDir(t, 'etcd-charm');
if (packed.exitCode === 0) await unzip(join(CHARM_DIR, 'etcd.charm'), charm);

t.test('npm run pack writes etcd.charm and prints its size', async (t) => {
  t.equal(packed.exitCode, 0, packed.stderr);
  const bytes = (await stat(join(CHARM_DIR, 'etcd.charm'))).size;
  t.match(packed.stdout, new RegExp(`etcd\\.charm: [\\d.]+ MiB \\(${bytes} bytes, \\d+ entries\\) in [\\d.]+s`));
  t.same((await listDir(CHARM_DIR)).filter((name) => /\.partial$/.test(name)), [], 'no partial archive left behind');
});

t.test('the charm holds the charm files, the bundled agent, its protos and a Node runtime, and no node_modules', async (t) => {
  t.same(await listDir(charm), ['README.md', 'actions.yaml', 'config.yaml', 'dispatch', 'dist', 'hooks', 'manifest.yaml', 'metadata.yaml', 'runtime', 'src']);
  t.same(await walk(join(charm, 'src')), ['grafana_dashboards', 'grafana_dashboards/etcd-agent.json', 'prometheus_alert_rules', 'prometheus_alert_rules/etcd-agent.rules'], 'only the alert rules and the dashboard of src/');
  const agent = await listDir(join(charm, 'dist', 'agent'));
  t.same(agent.filter((name) => !name.endsWith('.mjs')), ['charm-files.json', 'cos-dashboards.json', 'proto'], 'the bundle, the parsed charm files, the encoded dashboards and the protos');
  t.equal(agent.includes('etcd-agent.mjs'), true, 'the entry point');
  t.ok(agent.filter((name) => name.endsWith('.mjs')).length > 3, 'the chunks loaded on first use');
  for (const name of ['metadata.yaml', 'actions.yaml', 'config.yaml', 'dispatch']) {
    t.equal(await readFile(join(charm, name), 'utf8'), await readFile(join(CHARM_DIR, name), 'utf8'), `${name} is the charm's own`);
  }
  t.same(await listDir(join(charm, 'hooks')), await listDir(join(CHARM_DIR, 'hooks')), 'every hook shim');
  t.same(await listDir(join(charm, 'dist', 'agent', 'proto', 'etcd3')), ['auth.proto', 'kv.proto', 'rpc.proto'], "etcd3's gRPC definitions");
  t.same(await listDir(join(charm, 'runtime')), ['LICENSE', 'bin']);
  t.same(await listDir(join(charm, 'runtime', 'bin')), ['node']);
  t.same((await walk(charm)).filter((path) => path.split('/').includes('node_modules')), [], 'no node_modules anywhere');

  for (const exe of ['dispatch', 'runtime/bin/node', ...(await listDir(join(charm, 'hooks'))).map((h) => `hooks/${h}`)]) {
    t.ok(await isExecutable(join(charm, exe)), `${exe} is executable`);
  }
  const pinned = (JSON.parse(await readFile(join(CHARM_DIR, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies.node;
  t.equal(execFileSync(join(charm, 'runtime', 'bin', 'node'), ['--version'], { encoding: 'utf8' }).trim(), `v${pinned}`, 'the pinned Node');

  const manifest = parse(await readFile(join(charm, 'manifest.yaml'), 'utf8')) as { bases: { name: string; channel: string; architectures: string[] }[] };
  t.same(manifest.bases.map((b) => [b.name, b.channel, b.architectures]), [['ubuntu', '22.04', ['amd64']], ['ubuntu', '24.04', ['amd64']]]);
});

t.test('the bundled agent runs as the command-line tool on the runtime', async (t) => {
  const help = await execa(join(charm, 'runtime', 'bin', 'node'), [join(charm, 'dist', 'agent', 'etcd-agent.mjs'), '--help'], { cwd: '/', reject: false });
  t.equal(help.exitCode, 0, help.stderr);
  t.match(help.stdout, /etcd-agent snapshot/);
});

t.test("snapshot through the unpacked charm's dispatch, on the charm's own Node", async (t) => {
  const etcd = await startEtcd();
  t.teardown(() => etcd.cleanup());
  await seedKubernetesKeys(etcd, 20);
  const target = join(await tempDir(t, 'packed-snap'), 'etcd-snapshots');
  const sim = await createJujuSim({ config: configFor(etcd), params: { target, 'keys-version': 'v3' } });
  t.teardown(() => sim.cleanup());

  // PATH: the hook tools (run by this test's Node, by absolute path) and a decoy `node` that shadows every
  // other one and records being called; dispatch must use runtime/bin/node.
  const tools = await tempDir(t, 'packed-tools');
  const marker = join(tools, 'node-from-path-was-used');
  await writeFile(join(tools, 'node'), `#!/bin/sh\necho "$0 $*" >> '${marker}'\nexit 97\n`);
  await chmod(join(tools, 'node'), 0o755);
  for (const tool of (await readdir(sim.binDir)).filter((name) => name !== 'package.json')) {
    await writeFile(join(tools, tool), `#!/bin/sh\nexec '${process.execPath}' '${join(sim.binDir, tool)}' "$@"\n`);
    await chmod(join(tools, tool), 0o755);
  }

  const run = await runDispatch(sim, { charmDir: charm, dispatchPath: 'actions/snapshot', env: { PATH: [tools, '/usr/bin', '/bin'].join(':') } });
  t.equal(run.exitCode, 0, run.stderr);
  t.equal(run.status, 'completed', run.message ?? '');
  t.notOk(existsSync(marker), 'node on PATH was never run');

  const snapshot = (run.results as { snapshot: Record<string, string> }).snapshot;
  const path = snapshot.path!;
  t.match(path, new RegExp(`^${target}/etcd-snapshot-\\d{4}-\\d{2}-\\d{2}-\\d{2}\\.\\d{2}\\.\\d{2}\\.tar\\.gz$`));
  t.ok(existsSync(path), 'the archive exists');
  t.equal(snapshot.sha256, execFileSync('sha256sum', [path], { encoding: 'utf8' }).split(' ')[0], 'sha256 reported is the file on disk');
  t.equal(execFileSync('sha256sum', ['-c', `${path}.sha256`], { cwd: target, encoding: 'utf8' }).trim(), `${path.split('/').at(-1)}: OK`);
  t.equal(snapshot['member-count'], '1', 'etcd answered through etcdctl');
  t.equal(/^[0-9a-f]+$/.test(snapshot['cluster-id'] ?? ''), true, `cluster-id ${snapshot['cluster-id']} is hex`);
});
