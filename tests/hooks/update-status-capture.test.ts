// update-status with point-in-time capture on: how far back the unit can be restored, and blocked when capture
// failed, stopped or lags (the hook through dispatch, a real etcd as the etcd service, the scheduler a stand-in).
import t, { type Test } from 'tap';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { CaptureStatus } from '../../src/delta/delta-types.ts';
import { STATE_FILE } from '../../src/state/schedule-state.ts';
import { startEtcd } from '../support/etcd/server.ts';
import { installEtcdService, SYSTEMCTL, SYSTEMCTL_DIR } from '../support/etcd/service.ts';
import { tempDir } from '../support/files/dirs.ts';
import { CHARM_DIR, configFor } from '../support/juju/charm-run.ts';
import { createJujuSim, runDispatch } from '../support/juju/sim.ts';
import { waitFor } from '../support/juju/agent-process.ts';
import { chainBase, writeBase, writeSegment } from '../delta/window-fixture.ts';

const UNIT = 'etcd-agent-scheduler-etcd-0';
const TODO = `check the scheduler with \`systemctl status ${UNIT}\` and \`journalctl -u ${UNIT}\``;
const LAST = 'last snapshot 2h 5m ago (rev 42, 68K)';
const etcd = await startEtcd();
t.teardown(() => etcd.cleanup());
const etcdSim = await mkdtemp(join(tmpdir(), 'status-capture-etcd-'));
const etcdService = await installEtcdService(etcdSim, 'snap.etcd.etcd', etcd);
t.teardown(async () => {
  await etcdService.systemctl(['stop', 'snap.etcd.etcd']);
  await rm(etcdSim, { recursive: true, force: true });
});

const ago = (ms: number): string => new Date(Date.now() - ms).toISOString();
const BASE = chainBase('2026-11-30-16.00.00', 300);

// A unit whose scheduler service is a stand-in that runs (so update-status finds it active and writes nothing), with
// a chain in its snapshot dir; status(state, config) writes the state file and runs update-status.
const captureUnit = async (t: Test) => {
  const work = await tempDir(t, 'status-capture');
  const sim = join(work, 'systemctl');
  const snapshots = join(work, 'snapshots');
  await mkdir(sim);
  await mkdir(snapshots);
  await copyFile(etcdService.unitFile, join(sim, 'snap.etcd.etcd.json'));
  await writeFile(join(sim, `${UNIT}.json`), JSON.stringify({ command: ['sleep', '600'], startGraceMs: 100 }));
  const env = { SYSTEMCTL_SIM_DIR: sim, SYSTEMCTL_UNIT_DIR: join(work, 'systemd'), ETCD_AGENT_SYSTEMD_DIR: join(work, 'systemd'), ETCD_AGENT_STATE_DIR: join(work, 'state') };
  const systemctl = (args: string[]) => execa(SYSTEMCTL, args, { reject: false, env });
  t.equal((await systemctl(['enable', '--now', UNIT])).exitCode, 0);
  t.teardown(() => systemctl(['stop', UNIT]));
  await writeBase(snapshots, BASE);
  await writeSegment(snapshots, BASE, 301, 340);
  const good = { started: ago(125 * 60_000), finished: ago(2 * 3600_000 + 5 * 60_000), outcome: 'ok', revision: 42, diskBytes: 69632 };
  return async (capture: CaptureStatus | undefined, config: Record<string, unknown> = {}) => {
    await writeFile(join(snapshots, STATE_FILE), JSON.stringify({ started: ago(3 * 3600_000), lastRun: good, lastSuccess: good, ...(capture ? { capture } : {}) }));
    const juju = await createJujuSim({ config: configFor(etcd, { 'snapshot-dir': snapshots, 'snapshot-schedule': '0 */6 * * *', 'delta-interval': 10, ...config }) });
    t.teardown(() => juju.cleanup());
    const run = await runDispatch(juju, { charmDir: CHARM_DIR, dispatchPath: 'hooks/update-status', env: { ...env, PATH: `${SYSTEMCTL_DIR}:${juju.env().PATH}` }, timeoutMs: 90_000 });
    t.equal(run.exitCode, 0, run.stderr);
    return run.statusHistory.at(-1);
  };
};

// A running capture of BASE's chain that etcd confirmed 2½ minutes ago.
const capture = (over: Partial<CaptureStatus> = {}): CaptureStatus => ({ state: 'running', base: BASE.name, coveredRevision: 340, coveredAt: ago(150_000), gaps: [], intervalSeconds: 3600, ...over });

t.test('update-status with capture: recoverable to, lagging, failed, stopped, a gap, and capture off', async (t) => {
  const status = await captureUnit(t);
  t.strictSame(await status(capture(), { 'delta-interval': 3600 }), { status: 'active', message: `${LAST}; recoverable to 2m ago (rev 340)` });
  t.strictSame(await status(capture({ intervalSeconds: 10 })), {
    status: 'blocked',
    message: `point-in-time capture lags: recoverable to 2m ago (rev 340), more than 3 × delta-interval (10s); ${TODO}; ${LAST}`,
  });
  t.strictSame(await status(capture({ state: 'failed', error: 'etcd at http://127.0.0.1:2379 compacted past revision 341 and a full snapshot failed' })), {
    status: 'blocked',
    message: `point-in-time capture failed: etcd at http://127.0.0.1:2379 compacted past revision 341 and a full snapshot failed; recoverable to 2m ago (rev 340); ${TODO}; ${LAST}`,
  });
  t.strictSame(await status(capture({ state: 'stopped' })), { status: 'blocked', message: `point-in-time capture stopped while the scheduler runs; recoverable to 2m ago (rev 340); ${TODO}; ${LAST}` });
  const gaps = [{ time: ago(20 * 60_000), fromRevision: 320, toRevision: 325, reason: 'etcd compacted past revision 320' }];
  t.strictSame(await status(capture({ gaps })), { status: 'active', message: `${LAST}; recoverable to 2m ago (rev 340); capture gap 20m ago: revisions 320-325 not recoverable (etcd compacted past revision 320)` });
  t.strictSame(await status(undefined), { status: 'blocked', message: `point-in-time capture has not reported since the scheduler started; ${TODO}; ${LAST}` });
  // delta-interval 0: capture is off, a status left from before says nothing.
  t.strictSame(await status(capture({ state: 'failed', error: 'x' }), { 'delta-interval': 0 }), { status: 'active', message: LAST });
});

t.test('with the real scheduler capturing: update-status and list-snapshots show how far back the unit can be restored', async (t) => {
  const work = await tempDir(t, 'status-capture-real');
  const sim = join(work, 'systemctl');
  const snapshots = join(work, 'snapshots');
  const systemd = join(work, 'systemd');
  await mkdir(sim);
  await copyFile(etcdService.unitFile, join(sim, 'snap.etcd.etcd.json'));
  const env = { SYSTEMCTL_SIM_DIR: sim, SYSTEMCTL_UNIT_DIR: systemd, ETCD_AGENT_SYSTEMD_DIR: systemd, ETCD_AGENT_STATE_DIR: join(work, 'state') };
  const config = configFor(etcd, { 'snapshot-dir': snapshots, 'snapshot-schedule': '0 */6 * * *', 'delta-interval': 1, 'metrics-address': '' });
  const juju = await createJujuSim({ config });
  t.teardown(async () => {
    await execa(SYSTEMCTL, ['stop', UNIT], { reject: false, env });
    await juju.cleanup();
  });
  const run = (path: string) => runDispatch(juju, { charmDir: CHARM_DIR, dispatchPath: path, env: { ...env, PATH: `${SYSTEMCTL_DIR}:${juju.env().PATH}` }, timeoutMs: 90_000 });
  // etcd holds a key, so the capture's first full snapshot can start a chain.
  await etcd.put('/registry/namespaces/default', '{}');
  t.equal((await run('hooks/install')).exitCode, 0);
  // The capture asks for a first full snapshot, then follows the watch; a write after it lands in a segment.
  const stateOf = async () => JSON.parse(await readFile(join(snapshots, STATE_FILE), 'utf8')) as { capture?: CaptureStatus };
  const log = () => readFile(join(sim, `${UNIT}.log`), 'utf8').catch(() => '');
  await waitFor('the capture to start a chain', async () => ((await stateOf()).capture?.base ? true : undefined), 60_000).catch(async (e) => { console.error(await log(), JSON.stringify(await stateOf().catch(() => ({})))); throw e; });
  await etcd.put('/registry/configmaps/default/pitr', 'one');
  const revision = Number(/"revision":(\d+)/.exec((await execa('/usr/bin/etcdctl', ['--endpoints', etcd.endpoint, 'get', '/registry/configmaps/default/pitr', '-w', 'json'])).stdout)?.[1]);
  await waitFor(`the capture to cover revision ${revision}`, async () => (((await stateOf()).capture?.coveredRevision ?? 0) >= revision ? true : undefined), 60_000);

  const status = (await run('hooks/update-status')).statusHistory.at(-1)!;
  t.equal(status.status, 'active', status.message);
  const shown = /^last snapshot \d+s ago \(rev \d+, [\d.]+K\); recoverable to \d+s ago \(rev (\d+)\)$/.exec(status.message);
  t.ok(shown, status.message);
  t.ok(Number(shown?.[1]) >= revision, `recoverable to revision ${shown?.[1]}, at least ${revision}`);

  const list = await run('actions/list-snapshots');
  const recoverable = (list.results as { recoverable?: Record<string, string> }).recoverable;
  t.ok(recoverable !== undefined && Number(recoverable['to-revision']) >= revision, JSON.stringify(list.results));
  t.equal(recoverable?.gaps, '0');
});
