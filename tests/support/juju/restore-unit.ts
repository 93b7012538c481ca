import { basename, join } from 'node:path';
import type { Test } from 'tap';
import { createJujuSim, runDispatch, type DispatchRun, type JujuSim, type SimSetup } from './sim.ts';
import { seedKubernetesKeys, startEtcd, type EtcdServer } from '../etcd/server.ts';
import { installEtcdService, SYSTEMCTL_DIR, type EtcdService } from '../etcd/service.ts';
import { tempDir } from '../files/dirs.ts';
import { CHARM_DIR, configFor } from './charm-run.ts';

// The service name the charm's default config uses.
export const SERVICE = 'snap.etcd.etcd';

// One etcd unit for restore tests: a real etcd run by the systemctl stand-in, and a simulated Juju.
export interface RestoreUnit {
  etcd: EtcdServer;
  service: EtcdService;
  sim: JujuSim;
  work: string;
  snapshotDir: string;
  backupDir: string;
  config: Record<string, unknown>;
  run(action: string, params: Record<string, unknown>, setup?: SimSetup): Promise<DispatchRun>;
  // run() with extra environment for dispatch (e.g. TMPDIR).
  runEnv(action: string, params: Record<string, unknown>, extraEnv: Record<string, string>): Promise<DispatchRun>;
  // Runs a hook through dispatch.
  hook(name: string, config?: Record<string, unknown>): Promise<DispatchRun>;
  // Like run, with the agent in a process group of its own (for fault injection that kills it).
  runDetached(action: string, params: Record<string, unknown>, setup?: SimSetup): Promise<DispatchRun>;
  systemctlCalls(): Promise<string>;
}

// Starts a seeded etcd under the systemctl stand-in and a hook-tool simulator configured for it.
// With etcdDir, etcd's workspace (so the parent of its data dir) is where the test says, e.g. a small tmpfs; with
// charmDir and unit, dispatch is another charm's (an unpacked artifact) and Juju names the unit so.
export const restoreUnit = async (t: Test, keys = 20, options: { tls?: boolean; etcdDir?: string; charmDir?: string; unit?: string } = {}): Promise<RestoreUnit> => {
  const charmDir = options.charmDir ?? CHARM_DIR;
  const unit = options.unit ? { unit: options.unit } : {};
  const work = await tempDir(t, 'restore-unit');
  const etcd = await startEtcd({ dir: options.etcdDir ?? join(work, 'etcd'), ...(options.tls ? { tls: true } : {}) });
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
  return {
    etcd,
    service,
    sim,
    work,
    snapshotDir,
    backupDir,
    config,
    async run(action, params, setup = {}) {
      await sim.setup({ params, config, resources: {}, relations: {}, ...setup });
      return runDispatch(sim, { charmDir, ...unit, dispatchPath: `actions/${action}`, env, timeoutMs: 120_000 });
    },
    async runEnv(action, params, extraEnv) {
      await sim.setup({ params, config, resources: {}, relations: {} });
      return runDispatch(sim, { charmDir, ...unit, dispatchPath: `actions/${action}`, env: { ...env, ...extraEnv }, timeoutMs: 120_000 });
    },
    async runDetached(action, params, setup = {}) {
      await sim.setup({ params, config, resources: {}, relations: {}, ...setup });
      return runDispatch(sim, { charmDir, ...unit, dispatchPath: `actions/${action}`, env, timeoutMs: 120_000, detached: true });
    },
    async hook(name, extra = {}) {
      await sim.setup({ params: {}, config: { ...config, ...extra }, resources: {}, relations: {} });
      return runDispatch(sim, { charmDir, ...unit, dispatchPath: `hooks/${name}`, env: { ...env, ETCD_AGENT_SYSTEMD_DIR: join(work, 'units'), ETCD_AGENT_STATE_DIR: join(work, 'state') }, timeoutMs: 120_000 });
    },
    async systemctlCalls() {
      const { readFile } = await import('node:fs/promises');
      return readFile(join(service.simDir, 'calls.log'), 'utf8').catch(() => '');
    },
  };
};

// The unit lock an exclusive action leaves beside the data dir (src/engine/lock-path.ts).
export const lockFileName = (dataDir: string): string => `.${basename(dataDir)}.etcd-agent.lock`;

// The path of the archive a completed snapshot action wrote.
export const snapshotPath = (run: DispatchRun): string => (run.results as { snapshot: { path: string } }).snapshot.path;
