import t, { type Test } from 'tap';
import { copyFile, mkdtemp, readFile, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEtcd } from '../support/etcd/server.ts';
import { execa } from 'execa';
import { installEtcdService, SYSTEMCTL, SYSTEMCTL_DIR } from '../support/etcd/service.ts';
import { createJujuSim, runDispatch, type SimSetup } from '../support/juju/sim.ts';
import { CHARM_DIR, configFor } from '../support/juju/charm-run.ts';
import { listDir, tempDir } from '../support/files/dirs.ts';
import { readState, waitFor, waitForCatchUp } from '../support/juju/agent-process.ts';
import { execRecorder } from '../support/etcd/exec-recorder.ts';

const UNIT = 'etcd-agent-scheduler-etcd-0';
const etcd = await startEtcd();
t.teardown(() => etcd.cleanup());
// etcd runs as the charm's default etcd-service under the systemctl stand-in: update-status asks whether it is active.
const etcdSim = await mkdtemp(join(tmpdir(), 'hooks-etcd-service-'));
const etcdService = await installEtcdService(etcdSim, 'snap.etcd.etcd', etcd);
t.teardown(async () => {
  await etcdService.systemctl(['stop', 'snap.etcd.etcd']);
  await rm(etcdSim, { recursive: true, force: true });
});

// A unit with its own systemd dir, state dir and snapshot dir, and hooks run through dispatch.
const hookUnit = async (t: Test, config: Record<string, unknown>) => {
  const work = await tempDir(t, 'hooks');
  const systemd = join(work, 'systemd');
  const sim = join(work, 'systemctl');
  const snapshots = join(work, 'snapshots');
  await mkdir(sim);
  await copyFile(etcdService.unitFile, join(sim, 'snap.etcd.etcd.json'));
  // Point-in-time capture off: these cases are about full snapshots (tests/hooks/update-status-capture.test.ts has it on).
  const juju = await createJujuSim({ config: configFor(etcd, { 'snapshot-dir': snapshots, 'delta-interval': 0, ...config }) });
  const systemctl = (args: string[]) => execa(SYSTEMCTL, args, { reject: false, env: { SYSTEMCTL_SIM_DIR: sim, SYSTEMCTL_UNIT_DIR: systemd } });
  t.teardown(async () => {
    await systemctl(['stop', UNIT]);
    await juju.cleanup();
  });
  const env = {
    SYSTEMCTL_SIM_DIR: sim,
    SYSTEMCTL_UNIT_DIR: systemd,
    ETCD_AGENT_SYSTEMD_DIR: systemd,
    ETCD_AGENT_STATE_DIR: join(work, 'state'),
    PATH: `${SYSTEMCTL_DIR}:${juju.env().PATH}`,
  };
  return {
    work,
    systemd,
    sim,
    snapshots,
    configFile: join(work, 'state', 'etcd-0', 'config.yaml'),
    async hook(name: string, setup: SimSetup = {}) {
      if (Object.keys(setup).length) await juju.setup(setup);
      return runDispatch(juju, { charmDir: CHARM_DIR, dispatchPath: `hooks/${name}`, env, timeoutMs: 90_000 });
    },
    systemctl,
    calls: () => readFile(join(sim, 'calls.log'), 'utf8').catch(() => ''),
  };
};

t.test('config-changed with an invalid cron blocks the unit, naming snapshot-schedule and the value', async (t) => {
  const unit = await hookUnit(t, { 'snapshot-schedule': '0 25 * * *' });
  const run = await unit.hook('config-changed');
  t.equal(run.exitCode, 0, 'a bad option is not a hook error');
  t.match(run.statusHistory.at(-1), { status: 'blocked', message: /invalid config option snapshot-schedule="0 25 \* \* \*".*juju config/ });
  t.same(await listDir(unit.systemd), [], 'no scheduler installed');
  const other = await unit.hook('config-changed', { config: configFor(etcd, { 'etcd-endpoints': 'etcd:2379' }) });
  t.match(other.statusHistory.at(-1), { status: 'blocked', message: /etcd-endpoints="etcd:2379"/ });
});

t.test('install writes and starts the scheduler service, which takes scheduled snapshots; stop removes it', async (t) => {
  const unit = await hookUnit(t, { 'snapshot-schedule': '*/2 * * * * *', 'snapshot-retention': 3 });
  const run = await unit.hook('install');
  t.equal(run.exitCode, 0, run.stderr);
  const unitFile = await readFile(join(unit.systemd, `${UNIT}.service`), 'utf8');
  t.match(unitFile, new RegExp(`ExecStart=\\S+/node --max-semi-space-size=1 --expose-gc \\S+ schedule --config-file ${unit.configFile} --unit etcd/0`));
  t.match(unitFile, /WantedBy=multi-user.target/);
  t.equal((await stat(unit.configFile)).mode & 0o777, 0o600, 'the config file is private');
  t.match(await readFile(unit.configFile, 'utf8'), /snapshot-schedule: "\*\/2 \* \* \* \* \*"/);
  t.match(await unit.calls(), new RegExp(`daemon-reload[\\s\\S]*enable --now ${UNIT}`));
  t.equal((await unit.systemctl(['is-active', UNIT])).stdout.trim(), 'active');
  await waitFor('a scheduled snapshot', async () => ((await readState(unit.snapshots))?.lastSuccess ? true : undefined));

  const again = await unit.hook('config-changed', { config: configFor(etcd, { 'snapshot-dir': unit.snapshots, 'snapshot-schedule': '*/3 * * * * *', 'delta-interval': 0 }) });
  t.equal(again.exitCode, 0);
  t.match(await unit.calls(), new RegExp(`restart ${UNIT}`), 'a config change restarts the scheduler');

  const stop = await unit.hook('stop');
  t.equal(stop.exitCode, 0);
  t.same(await listDir(unit.systemd), [], 'the unit file is gone');
  t.equal((await unit.systemctl(['is-active', UNIT])).stdout.trim(), 'inactive');
  t.ok((await listDir(unit.snapshots)).some((n) => n.endsWith('.tar.gz')), 'snapshots stay');
});

t.test('update-status: fresh, failed, not running, stale with a catch-up', async (t) => {
  const unit = await hookUnit(t, { 'snapshot-schedule': '0 */6 * * *' });
  t.equal((await unit.hook('install')).exitCode, 0);
  await waitFor('the scheduler to record its start', async () => ((await readState(unit.snapshots))?.pid ? true : undefined));
  const stateFile = join(unit.snapshots, '.etcd-agent-schedule.json');
  const base = JSON.parse(await readFile(stateFile, 'utf8'));
  const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
  const good = { started: ago(125 * 60_000), finished: ago(2 * 3600_000 + 5 * 60_000), outcome: 'ok', revision: 42, diskBytes: 69632 };

  await writeFile(stateFile, JSON.stringify({ ...base, lastRun: good, lastSuccess: good }));
  const fresh = await unit.hook('update-status');
  t.match(fresh.statusHistory.at(-1), { status: 'active', message: 'last snapshot 2h 5m ago (rev 42, 68K)' });
  const serverVersion = /etcd Version: (\S+)/.exec((await execa('/usr/bin/etcd', ['--version'])).stdout)?.[1];
  // The simulator's calls add up over the unit's hooks: install set it too.
  t.strictSame(fresh.calls.filter((c) => c[0] === 'application-version-set').at(-1), ['application-version-set', serverVersion], 'juju status shows etcd\'s version');

  const failed = { ...good, finished: ago(60_000), outcome: 'failed', error: 'etcd at http://x did not answer' };
  await writeFile(stateFile, JSON.stringify({ ...base, lastRun: failed, lastSuccess: good }));
  const bad = await unit.hook('update-status');
  t.match(bad.statusHistory.at(-1), { status: 'blocked', message: /^last scheduled snapshot failed 1m ago: etcd at http:\/\/x did not answer/ });

  const drill = { finished: ago(30 * 60_000), outcome: 'failed', reason: 'the restored snapshot came up at revision 3, the manifest records 4' };
  await writeFile(stateFile, JSON.stringify({ ...base, lastRun: good, lastSuccess: good, lastDrill: drill }));
  const drilled = await unit.hook('update-status');
  t.match(drilled.statusHistory.at(-1), { status: 'blocked', message: 'restore drill failed 30m ago: the restored snapshot came up at revision 3, the manifest records 4' });
  await writeFile(stateFile, JSON.stringify({ ...base, lastRun: good, lastSuccess: good, lastDrill: { ...drill, outcome: 'ok' } }));
  const drilledOk = await unit.hook('update-status');
  t.match(drilledOk.statusHistory.at(-1), { status: 'active', message: 'last snapshot 2h 5m ago (rev 42, 68K); restore drill OK 30m ago' });

  await unit.systemctl(['stop', UNIT]);
  const down = await unit.hook('update-status');
  t.match(down.statusHistory.at(-1), { status: 'blocked', message: /^snapshot scheduler was not running \(restarted it\)/ });
  t.equal((await unit.systemctl(['is-active', UNIT])).stdout.trim(), 'active', 'update-status restarted the scheduler');
  // The restarted scheduler records its start: wait for its own pid, so the stale state below is not overwritten
  // by that start record (the race that made this test flaky).
  await waitFor('the restarted scheduler to record its start', async () => ((await readState(unit.snapshots))?.pid !== base.pid ? true : undefined));

  const old = { ...good, finished: ago(13 * 3600_000) };
  const restarted = await readState(unit.snapshots);
  await writeFile(stateFile, JSON.stringify({ ...restarted, lastRun: old, lastSuccess: old, lastDrill: undefined }));
  const stale = await unit.hook('update-status');
  t.equal(stale.exitCode, 0, stale.stderr);
  t.strictSame(stale.statusHistory.slice(-1), [{ status: 'active', message: 'last snapshot 13h ago (rev 42, 68K); catch-up snapshot requested' }], 'the hook asks, and takes no snapshot');
  t.match(await unit.calls(), new RegExp(`kill --kill-who=main --signal=SIGUSR2 ${UNIT}`));
  const state = await waitForCatchUp(unit.snapshots);
  t.match(state, { lastSuccess: { catchUp: true, outcome: 'ok' } });
  t.ok((await listDir(unit.snapshots)).some((n) => /^etcd-snapshot-.*\.tar\.gz$/.test(n)), 'a catch-up snapshot was taken');
  t.notOk((await listDir(unit.snapshots)).includes('.etcd-agent-catch-up-request.json'), 'the scheduler took the request');
  const after = await unit.hook('update-status');
  t.match(after.statusHistory.at(-1), { status: 'active', message: /^last snapshot \d+s ago \(rev \d+, [\d.]+K\)$/ });
});

t.test('a catch-up snapshot is taken by the running scheduler process; update-status runs no snapshot save', async (t) => {
  // Two recorders tell the processes apart: the scheduler runs the etcdctl its config file named at install, the
  // update-status hook the one the charm config names by then.
  const work = await tempDir(t, 'catch-up-execs');
  const scheduler = execRecorder(join(work, 'scheduler'));
  const hook = execRecorder(join(work, 'hook'));
  // No point-in-time capture: its own first snapshot would be a second save.
  const unit = await hookUnit(t, { 'snapshot-schedule': '0 */6 * * *', 'delta-interval': 0, 'etcdctl-path': await scheduler.wrap('/usr/bin/etcdctl') });
  t.equal((await unit.hook('install')).exitCode, 0);
  const started = await waitFor('the scheduler to record its start', async () => ((await readState(unit.snapshots))?.pid ? await readState(unit.snapshots) : undefined));
  const old = { started: new Date(Date.now() - 13 * 3600_000 - 60_000).toISOString(), finished: new Date(Date.now() - 13 * 3600_000).toISOString(), outcome: 'ok', revision: 7, diskBytes: 69632 };
  await writeFile(join(unit.snapshots, '.etcd-agent-schedule.json'), JSON.stringify({ ...started, lastRun: old, lastSuccess: old }));

  const hookConfig = configFor(etcd, { 'snapshot-dir': unit.snapshots, 'snapshot-schedule': '0 */6 * * *', 'delta-interval': 0, 'etcdctl-path': await hook.wrap('/usr/bin/etcdctl') });
  const run = await unit.hook('update-status', { config: hookConfig });
  t.equal(run.exitCode, 0, run.stderr);
  t.strictSame(run.statusHistory.at(-1), { status: 'active', message: 'last snapshot 13h ago (rev 7, 68K); catch-up snapshot requested' });
  // What etcdctl was asked, without its connection flags; the two questions run side by side, in either order.
  const asked = async (): Promise<string[]> => (await hook.execs()).map((e) => e.argv.filter((a) => !a.startsWith('--')).join(' ')).sort();
  t.strictSame(await asked(), ['endpoint health', 'endpoint status -w json'], 'the hook asked etcd for its health and version and ran nothing else');

  const caught = await waitForCatchUp(unit.snapshots);
  t.match(caught, { pid: started?.pid, lastSuccess: { catchUp: true, outcome: 'ok' } }, 'the scheduler that was running took it, without a restart');
  const saves = (await scheduler.execs()).filter((e) => e.argv.includes('save'));
  t.equal(saves.length, 1, 'the scheduler ran one snapshot save');
  t.strictSame(await asked(), ['endpoint health', 'endpoint status -w json'], 'and the hook still none');

  // A scheduler that cannot start takes no request, and the status does not claim one.
  await unit.systemctl(['stop', UNIT]);
  await writeFile(join(unit.sim, `${UNIT}.fail-start`), '');
  await writeFile(join(unit.snapshots, '.etcd-agent-schedule.json'), JSON.stringify({ ...caught, lastRun: old, lastSuccess: old }));
  const down = await unit.hook('update-status');
  t.strictSame(down.statusHistory.at(-1), { status: 'blocked', message: 'snapshot scheduler was not running; last snapshot 13h ago (rev 7, 68K)' });
  t.equal((await hook.execs()).filter((e) => e.argv.includes('save')).length, 0, 'the hook took no snapshot in its place');
});

t.test('a rotated S3 credential reaches the scheduler through secret-changed', async (t) => {
  const s3 = { 's3-bucket': 'etcd-backups', 's3-endpoint': 'http://127.0.0.1:9', 's3-force-path-style': true, 's3-credentials-secret': 'secret:s3', 's3-allow-unencrypted': true };
  const unit = await hookUnit(t, { 'snapshot-schedule': '0 */6 * * *', ...s3 });
  const first = await unit.hook('install', { secrets: { 'secret:s3': { 'access-key': 'AKIAFIRST', 'secret-key': 'first-secret' } } });
  t.equal(first.exitCode, 0, first.stderr);
  const before = await readFile(unit.configFile, 'utf8');
  t.match(before, /s3-secret-key: first-secret/, 'the scheduler gets the resolved credential in its 0600 file');
  t.notMatch(before, /s3-credentials-secret/);
  const rotated = await unit.hook('secret-changed', { secrets: { 'secret:s3': { 'access-key': 'AKIASECOND', 'secret-key': 'second-secret' } } });
  t.equal(rotated.exitCode, 0, rotated.stderr);
  t.match(await readFile(unit.configFile, 'utf8'), /s3-secret-key: second-secret/);
  // The simulated secret-get returns the tracked (first) revision unless asked with --refresh, as Juju does: the
  // config file holding second-secret proves the refresh; the calls since install show it was asked for.
  t.equal(rotated.calls.slice(first.calls.length).filter((c) => c[0] === 'secret-get' && c.includes('--refresh')).length, 1, 'the latest revision was asked for');
  t.match(await unit.calls(), new RegExp(`restart ${UNIT}`), 'the scheduler restarted with it');
  // The running scheduler got the credential through its 0600 file only: not in its argv, not in its environment.
  const pid = (await readFile(join(unit.sim, `${UNIT}.pid`), 'utf8')).trim();
  const [cmdline, environ] = await Promise.all([readFile(`/proc/${pid}/cmdline`, 'utf8'), readFile(`/proc/${pid}/environ`, 'utf8')]);
  t.equal(cmdline.split('\0').includes('schedule'), true, `pid ${pid} is the scheduler`);
  t.equal([cmdline, environ].some((text) => text.includes('second-secret') || text.includes('AKIASECOND')), false, 'no credential in the scheduler\'s argv or environment');
  const everything = JSON.stringify([rotated.logs, rotated.statusHistory, rotated.stdout, rotated.stderr]);
  t.notOk(everything.includes('second-secret') || everything.includes('first-secret'), 'no credential in logs or status');
});

t.test('with snapshot-schedule empty no scheduler runs and the status says so', async (t) => {
  const unit = await hookUnit(t, { 'snapshot-schedule': '' });
  const run = await unit.hook('config-changed');
  t.equal(run.exitCode, 0);
  t.match(run.statusHistory.at(-1), { status: 'active', message: /^scheduled snapshots off/ });
  t.same(await listDir(unit.systemd), []);
});

t.test('S3 with no recipients blocks the unit naming what to set; s3-allow-unencrypted is a visible choice', async (t) => {
  const s3 = { 's3-bucket': 'etcd-backups', 's3-endpoint': 'http://127.0.0.1:9', 's3-force-path-style': true, 's3-access-key': 'AKIA', 's3-secret-key': 'hidden-secret' };
  const unit = await hookUnit(t, { 'snapshot-schedule': '', ...s3 });
  const blocked = await unit.hook('install');
  t.equal(blocked.exitCode, 0, blocked.stderr);
  t.strictSame(blocked.statusHistory.at(-1), {
    status: 'blocked',
    message:
      'off-site copies would carry every Kubernetes Secret in clear: set encryption-recipients (age public keys) to encrypt them, or s3-allow-unencrypted=true to upload unencrypted archives; scheduled snapshots off; no scheduled snapshot yet',
  });
  const allowed = await unit.hook('config-changed', { config: configFor(etcd, { 'snapshot-dir': unit.snapshots, 'snapshot-schedule': '', ...s3, 's3-allow-unencrypted': true }) });
  t.strictSame(allowed.statusHistory.at(-1), { status: 'active', message: 'scheduled snapshots off; no scheduled snapshot yet; off-site copies are not encrypted (s3-allow-unencrypted=true)' });
  const remote = await unit.hook('config-changed', { config: configFor(etcd, { 'snapshot-dir': unit.snapshots, 'snapshot-schedule': '', ...s3, 's3-endpoint': 'http://minio.example:9000', 's3-allow-unencrypted': true }) });
  t.strictSame(remote.statusHistory.at(-1), {
    status: 'blocked',
    message:
      'invalid config option s3-endpoint="http://minio.example:9000": is plain http to another host, so credentials and snapshots would cross the network unencrypted; use https://, or set s3-allow-http=true to accept that; fix it with juju config',
  });
});
