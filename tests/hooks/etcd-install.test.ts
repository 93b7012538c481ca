import t, { type Test } from 'tap';
import { cp, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { SYSTEMCTL, SYSTEMCTL_DIR } from '../support/etcd/service.ts';
import { guardPidFile } from '../support/etcd/exit-guard.ts';
import { APT_DIR, aptSim } from '../support/apt/apt-sim.ts';
import { createJujuSim, runDispatch, type SimSetup } from '../support/juju/sim.ts';
import { CHARM_DIR } from '../support/juju/charm-run.ts';
import { listDir, tempDir } from '../support/files/dirs.ts';
import { freePorts } from '../support/net/ports.ts';

const PACKAGES = 'install -y --no-install-recommends etcd-server etcd-client';
const LOCK = '-o DPkg::Lock::Timeout=300';

// A unit with no etcd: its own systemd dir, state dir, snapshot dir and data dir, an etcd-path where nothing is
// yet, apt-get and systemctl stand-ins first on PATH, and hooks and actions run through dispatch.
const bareUnit = async (t: Test, extra: Record<string, unknown> = {}, charmDir = CHARM_DIR) => {
  const work = await tempDir(t, 'etcd-install');
  const [client, peer] = await freePorts(2);
  const paths = {
    systemd: join(work, 'systemd'),
    sim: join(work, 'systemctl'),
    snapshots: join(work, 'snapshots'),
    etcdBinary: join(work, 'bin', 'etcd'),
    dataDir: join(work, 'var-lib-etcd', 'etcd-agent'),
    state: join(work, 'state'),
  };
  await mkdir(join(work, 'bin'));
  await mkdir(join(work, 'apt'));
  await mkdir(paths.sim);
  const apt = aptSim(join(work, 'apt'));
  const endpoint = `http://127.0.0.1:${client}`;
  const peerUrl = `http://127.0.0.1:${peer}`;
  const config = {
    'etcd-install': true,
    'etcd-path': paths.etcdBinary,
    'etcd-data-dir': paths.dataDir,
    'etcd-endpoints': endpoint,
    'etcd-peer-url': peerUrl,
    'etcdctl-path': '/usr/bin/etcdctl',
    'etcd-timeout': 5,
    'snapshot-dir': paths.snapshots,
    'snapshot-schedule': '',
    ...extra,
  };
  const juju = await createJujuSim({ config });
  const systemctl = (args: string[]) => execa(SYSTEMCTL, args, { reject: false, env: { SYSTEMCTL_SIM_DIR: paths.sim, SYSTEMCTL_UNIT_DIR: paths.systemd } });
  const service = typeof extra['etcd-service'] === 'string' ? extra['etcd-service'] : 'etcd';
  for (const unit of new Set(['etcd', service])) guardPidFile(join(paths.sim, `${unit}.pid`));
  t.teardown(async () => {
    await systemctl(['stop', 'etcd-agent-scheduler-etcd-0']);
    await systemctl(['stop', ...new Set(['etcd', service])]);
    await juju.cleanup();
  });
  const env = {
    ...apt.env,
    SYSTEMCTL_SIM_DIR: paths.sim,
    SYSTEMCTL_UNIT_DIR: paths.systemd,
    ETCD_AGENT_SYSTEMD_DIR: paths.systemd,
    ETCD_AGENT_STATE_DIR: paths.state,
    PATH: `${APT_DIR}:${SYSTEMCTL_DIR}:${juju.env().PATH}`,
  };
  const dispatch = async (dispatchPath: string, setup: SimSetup = {}) => {
    if (Object.keys(setup).length) await juju.setup(setup);
    return runDispatch(juju, { charmDir, dispatchPath, env, timeoutMs: 120_000 });
  };
  return { work, paths, apt, config, endpoint, peerUrl, systemctl, hook: (name: string, setup?: SimSetup) => dispatch(`hooks/${name}`, setup), action: dispatch };
};

t.test('install with etcd-install=true and no etcd: apt-get, one member under etcd.service, healthy; snapshot and restore work on it', async (t) => {
  const unit = await bareUnit(t);
  await unit.apt.installEtcdAt(unit.paths.etcdBinary);
  const run = await unit.hook('install');
  t.equal(run.exitCode, 0, run.stderr);
  t.strictSame(await unit.apt.calls(), [`DEBIAN_FRONTEND=noninteractive ${LOCK} ${PACKAGES}`], 'one apt-get install, non-interactive');
  t.equal(
    await readFile(join(unit.paths.systemd, 'etcd.service'), 'utf8'),
    [
      '[Unit]',
      'Description=etcd member etcd0 of etcd/0 (installed by etcd-agent)',
      'Documentation=man:etcd',
      'After=network-online.target',
      'Wants=network-online.target',
      '',
      '[Service]',
      'Type=notify',
      `ExecStart=${unit.paths.etcdBinary} --name=etcd0 --data-dir=${unit.paths.dataDir} --listen-client-urls=${unit.endpoint} --advertise-client-urls=${unit.endpoint} --listen-peer-urls=${unit.peerUrl} --initial-advertise-peer-urls=${unit.peerUrl} --initial-cluster=etcd0=${unit.peerUrl} --initial-cluster-state=new --initial-cluster-token=etcd-agent-etcd-0`,
      'Restart=on-failure',
      'RestartSec=5',
      'LimitNOFILE=65536',
      '',
      '[Install]',
      'WantedBy=multi-user.target',
      '',
    ].join('\n'),
    'etcd-service defaults to etcd while etcd-install is true',
  );
  t.equal((await unit.systemctl(['is-active', 'etcd'])).stdout.trim(), 'active');
  t.equal((await unit.systemctl(['is-enabled', 'etcd'])).stdout.trim(), 'enabled');
  t.strictSame(run.statusHistory, [
    { status: 'maintenance', message: 'installing etcd-server and etcd-client with apt-get (etcd-install=true)' },
    { status: 'maintenance', message: 'starting etcd member etcd0 (etcd)' },
    { status: 'active', message: 'scheduled snapshots off; no scheduled snapshot yet' },
  ]);
  t.ok((await stat(join(unit.paths.dataDir, 'member'))).isDirectory(), 'the member keeps its data in etcd-data-dir');
  t.strictSame(run.logs.filter((l) => l.message.startsWith('etcd-install')), [{ level: 'INFO', message: `etcd-install: installed etcd-server etcd-client and started member etcd0 as etcd: data in ${unit.paths.dataDir}, clients on ${unit.endpoint}, peers on ${unit.peerUrl}` }]);

  const etcdctl = async (...args: string[]) => (await execa('/usr/bin/etcdctl', [`--endpoints=${unit.endpoint}`, ...args], { env: { ETCDCTL_API: '3' } })).stdout.trim();
  await etcdctl('put', '/registry/before', 'v1');
  const snapshot = await unit.action('actions/snapshot', { params: { target: unit.paths.snapshots } });
  t.equal(snapshot.status, 'completed', snapshot.message ?? '');
  const archives = (await listDir(unit.paths.snapshots)).filter((n) => /^etcd-snapshot-.*\.tar\.gz$/.test(n));
  t.equal(archives.length, 1, 'the snapshot action saved the installed member');

  // A restore stops, swaps and starts the installed member with the same options.
  await etcdctl('put', '/registry/after', 'v2');
  const restore = await unit.action('actions/restore', { params: { source: join(unit.paths.snapshots, archives[0] as string), target: join(unit.work, 'backups') } });
  t.equal(restore.status, 'completed', restore.message ?? '');
  t.equal(await etcdctl('get', '--print-value-only', '/registry/before'), 'v1');
  t.equal(await etcdctl('get', '--print-value-only', '/registry/after'), '', 'the key written after the snapshot is gone');
  t.equal((await unit.systemctl(['is-active', 'etcd'])).stdout.trim(), 'active');

  const again = await unit.hook('config-changed');
  t.equal(again.exitCode, 0, again.stderr);
  t.equal((await unit.apt.calls()).length, 1, 'a member this charm installed is not installed again');
  t.equal(again.statusHistory.at(-1)?.status, 'active');
});

t.test('under another etcd-service name, the member the package started as etcd.service is stopped and disabled', async (t) => {
  const unit = await bareUnit(t, { 'etcd-service': 'etcd-member' });
  await unit.apt.installEtcdAt(unit.paths.etcdBinary);
  await unit.apt.startPackageUnit();
  const run = await unit.hook('install');
  t.equal(run.exitCode, 0, run.stderr);
  t.strictSame(await listDir(unit.paths.systemd), ['etcd-member.service']);
  t.strictSame(
    (await unit.systemctl(['is-active', 'etcd', 'etcd-member'])).stdout.split('\n'),
    ['inactive', 'active'],
    'only the charm\'s member runs',
  );
  t.equal((await unit.systemctl(['is-enabled', 'etcd'])).stdout.trim(), 'disabled');
  t.strictSame(run.logs.filter((l) => l.message.startsWith('stopping and disabling')), [
    { level: 'INFO', message: 'stopping and disabling etcd.service, the member the etcd-server package started as it was installed (the charm\'s member runs as etcd-member)' },
  ]);
  t.strictSame(run.statusHistory.at(-1), { status: 'active', message: 'scheduled snapshots off; no scheduled snapshot yet' });
});

t.test('an etcd already on the unit is left alone: no apt-get, no unit file, the log and status say so', async (t) => {
  // The default search finds Debian's /usr/bin/etcd, as on a unit where someone installed etcd.
  const found = await bareUnit(t, { 'etcd-path': '' });
  const run = await found.hook('install');
  t.equal(run.exitCode, 0, run.stderr);
  t.strictSame(await found.apt.calls(), []);
  t.strictSame(await listDir(found.paths.systemd), []);
  t.strictSame(run.logs.filter((l) => l.message.startsWith('etcd-install')), [{ level: 'WARNING', message: 'etcd-install=true, but etcd is already on this unit (an etcd server binary is at /usr/bin/etcd): a managed etcd is left alone; set etcd-install=false' }]);
  t.match(run.statusHistory.at(-1), { status: 'blocked', message: /^etcd-install=true left the etcd already on this unit alone \(an etcd server binary is at \/usr\/bin\/etcd\); etcd-service etcd is not active/ });

  // A unit systemd knows under etcd-service (here the snap's name, set explicitly).
  const known = await bareUnit(t, { 'etcd-service': 'snap.etcd.etcd' });
  await writeFile(join(known.paths.sim, 'snap.etcd.etcd.json'), JSON.stringify({ command: ['/bin/sleep', '600'] }));
  const second = await known.hook('install');
  t.strictSame(await known.apt.calls(), []);
  t.strictSame(second.logs.filter((l) => l.message.startsWith('etcd-install')), [{ level: 'WARNING', message: 'etcd-install=true, but etcd is already on this unit (systemd knows the unit snap.etcd.etcd.service): a managed etcd is left alone; set etcd-install=false' }]);

  // A data dir that holds a member.
  const data = await bareUnit(t);
  await mkdir(join(data.paths.dataDir, 'member'), { recursive: true });
  const third = await data.hook('install');
  t.strictSame(await data.apt.calls(), []);
  t.strictSame(third.logs.filter((l) => l.message.startsWith('etcd-install')), [{ level: 'WARNING', message: `etcd-install=true, but etcd is already on this unit (etcd-data-dir ${data.paths.dataDir} holds a member): a managed etcd is left alone; set etcd-install=false` }]);
});

t.test('apt-get failing blocks the unit naming the option and what to run; turning the option on again retries', async (t) => {
  const unit = await bareUnit(t);
  await unit.apt.failing('install', true);
  const run = await unit.hook('install');
  t.equal(run.exitCode, 0, 'a refusal is a status, not a hook error');
  t.strictSame(await unit.apt.calls(), [`DEBIAN_FRONTEND=noninteractive ${LOCK} ${PACKAGES}`, `DEBIAN_FRONTEND=noninteractive ${LOCK} update`, `DEBIAN_FRONTEND=noninteractive ${LOCK} ${PACKAGES}`], 'install, then update and install once more');
  t.strictSame(run.statusHistory.at(-1), {
    status: 'blocked',
    message:
      'etcd-install=true: apt-get install etcd-server etcd-client failed: E: Unable to locate package etcd-server; see why with juju ssh etcd/0 sudo apt-get install -y etcd-server etcd-client, fix the unit\'s package sources, then retry with juju config etcd etcd-install=false followed by juju config etcd etcd-install=true',
  });
  t.strictSame(await listDir(unit.paths.systemd), [], 'no unit file, no scheduler');

  await unit.apt.failing('install', false);
  await unit.apt.installEtcdAt(unit.paths.etcdBinary);
  t.equal((await unit.hook('config-changed', { config: { ...unit.config, 'etcd-install': false } })).statusHistory.at(-1)?.status, 'blocked', 'with etcd-install=false nothing is installed');
  t.equal((await unit.apt.calls()).length, 3);
  const retried = await unit.hook('config-changed', { config: unit.config });
  t.equal(retried.exitCode, 0, retried.stderr);
  t.equal((await unit.apt.calls()).length, 4, 'the retry ran apt-get install again');
  t.strictSame(retried.statusHistory.at(-1), { status: 'active', message: 'scheduled snapshots off; no scheduled snapshot yet' });
  t.equal((await unit.systemctl(['is-active', 'etcd'])).stdout.trim(), 'active');
});

t.test('etcd-install refuses https (no CA relation) and a subordinate charm, naming the option', async (t) => {
  const tls = await bareUnit(t, { 'etcd-endpoints': 'https://127.0.0.1:2379' });
  const run = await tls.hook('install');
  t.strictSame(run.statusHistory.at(-1), {
    status: 'blocked',
    message: 'etcd-install=true: the installed member serves plain http only (no CA relation signs certificates), but etcd-endpoints has https://127.0.0.1:2379; set etcd-endpoints=http://127.0.0.1:2379 or leave it unset',
  });
  t.strictSame(await tls.apt.calls(), []);

  // A copy of the charm whose metadata says subordinate (the etcd-backup charm, had its pack kept the option).
  const charm = await tempDir(t, 'subordinate-charm');
  for (const name of ['dispatch', 'config.yaml', 'actions.yaml', 'dist/agent']) await cp(join(CHARM_DIR, name), join(charm, name), { recursive: true, verbatimSymlinks: true });
  await writeFile(join(charm, 'metadata.yaml'), 'name: etcd-backup\nsubordinate: true\nrequires:\n  juju-info:\n    interface: juju-info\n    scope: container\n');
  const sub = await bareUnit(t, {}, charm);
  const refused = await sub.hook('install');
  t.equal(refused.exitCode, 0, refused.stderr);
  t.strictSame(refused.statusHistory.at(-1), {
    status: 'blocked',
    message: 'etcd-install=true: this subordinate charm backs up the etcd of the principal it is related to and never installs one; set etcd-install=false',
  });
  t.strictSame(await sub.apt.calls(), []);
});
