// Like tests/support/restore-unit.ts, but etcd's workspace (so the parent of its data dir) is a directory the test
// chooses, e.g. a small tmpfs: a real etcd run by the systemctl stand-in, and a simulated Juju configured for it.
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Test } from 'tap';
import { createJujuSim, runDispatch, type DispatchRun, type JujuSim, type SimSetup } from './juju-sim.ts';
import { seedKubernetesKeys, startEtcd, type EtcdServer } from './etcd-server.ts';
import { installEtcdService, SYSTEMCTL_DIR, type EtcdService } from './etcd-service.ts';
import { CHARM_DIR, configFor, tempDir } from '../support/charm-run.ts';
import { SERVICE } from '../support/restore-unit.ts';

// One etcd unit for restore tests, its data dir where the test says.
export interface RestoreUnitIn {
  etcd: EtcdServer;
  service: EtcdService;
  sim: JujuSim;
  work: string;
  snapshotDir: string;
  backupDir: string;
  config: Record<string, unknown>;
  /** Runs an action through dispatch. */
  run(action: string, params: Record<string, unknown>, setup?: SimSetup): Promise<DispatchRun>;
  /** run() with extra environment for dispatch (e.g. TMPDIR). */
  runEnv(action: string, params: Record<string, unknown>, extraEnv: Record<string, string>): Promise<DispatchRun>;
  /** The systemctl stand-in's calls.log: one call a line. */
  systemctlCalls(): Promise<string>;
}

// Starts a seeded etcd whose data dir is <etcdDir>/etcd-0.etcd (the stand-in's state and the other dirs live in a
// fresh temp dir, not in etcdDir).
export const restoreUnitIn = async (t: Test, etcdDir: string, keys = 20): Promise<RestoreUnitIn> => {
  const work = await tempDir(t, 'restore-unit-in');
  const etcd = await startEtcd({ dir: etcdDir });
  t.teardown(() => etcd.cleanup());
  await seedKubernetesKeys(etcd, keys);
  const service = await installEtcdService(join(work, 'systemd'), SERVICE, etcd);
  t.teardown(() => service.systemctl(['stop', SERVICE]));
  const snapshotDir = join(work, 'snapshots');
  const backupDir = join(work, 'backups');
  const config = configFor(etcd, {
    'etcd-data-dir': etcd.dataDir,
    'etcd-service': SERVICE,
    'etcd-name': etcd.name,
    'etcd-peer-url': etcd.peerUrl,
    'snapshot-dir': snapshotDir,
    'restore-health-timeout': 20,
  });
  const sim = await createJujuSim({ config });
  t.teardown(() => sim.cleanup());
  const env = { SYSTEMCTL_SIM_DIR: service.simDir, PATH: `${SYSTEMCTL_DIR}:${sim.env().PATH}` };
  const dispatch = async (action: string, params: Record<string, unknown>, setup: SimSetup, extraEnv: Record<string, string>): Promise<DispatchRun> => {
    await sim.setup({ params, config, resources: {}, relations: {}, ...setup });
    return runDispatch(sim, { charmDir: CHARM_DIR, dispatchPath: `actions/${action}`, env: { ...env, ...extraEnv }, timeoutMs: 120_000 });
  };
  return {
    etcd,
    service,
    sim,
    work,
    snapshotDir,
    backupDir,
    config,
    run: (action, params, setup = {}) => dispatch(action, params, setup, {}),
    runEnv: (action, params, extraEnv) => dispatch(action, params, {}, extraEnv),
    async systemctlCalls() {
      return readFile(join(service.simDir, 'calls.log'), 'utf8').catch(() => '');
    },
  };
};

// The unit lock an exclusive action leaves beside the data dir (src/engine/lock-path.ts).
export const lockFileName = (dataDir: string): string => `.${basename(dataDir)}.etcd-agent.lock`;
