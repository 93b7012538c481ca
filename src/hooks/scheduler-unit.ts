import { loadYaml } from '../format/yaml.ts';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { AgentConfig } from '../config/agent-config.ts';
import { writeTextAtomically } from '../fs/atomic-file.ts';
import { MMAP_THRESHOLD_BYTES } from '../system/malloc-threshold.ts';
import type { HookContext } from './hook-context.ts';

// The scheduler's systemd unit name for a Juju unit: etcd/0 → etcd-agent-scheduler-etcd-0.
export const schedulerUnitName = (unit: string): string => `etcd-agent-scheduler-${unit.replace(/\//g, '-')}`;

// Where the scheduler's unit file and config file live.
export const schedulerFiles = (context: Pick<HookContext, 'unit' | 'paths'>): { name: string; unitFile: string; configFile: string } => {
  const name = schedulerUnitName(context.unit);
  return { name, unitFile: join(context.paths.unitDir, `${name}.service`), configFile: join(context.paths.stateDir, context.unit.replace(/\//g, '-'), 'config.yaml') };
};

// Where the scheduler writes, and nothing else (ProtectSystem=strict makes the rest read-only): the snapshot dir
// (archives, their scratch, the schedule state, catch-up requests); the data dir's parent (the unit's lock, settling
// a restore a dead run left: the journal, the swapped data dirs, their scratch); /run/lock (the lock's fallback when
// that parent cannot be written, the same fallback hooks and actions take). Restore drills use the private /tmp.
// Each is optional ("-"): a missing one does not stop the service, and the run that needs it names it.
export const schedulerWritePaths = (config: Pick<AgentConfig, 'snapshotDir' | 'etcdDataDir'>): string[] => [...new Set([config.snapshotDir, dirname(config.etcdDataDir), '/run/lock'])];

// The V8 flags the scheduler's Node runs with (bin/etcd-agent passes the same for `schedule`): a young generation
// of at most 1 MiB per semi-space (capture makes short-lived garbage for every event, and V8 otherwise grows the
// young generation to 16 MiB and more under load), and gc() exposed, which the capture calls after each closed
// segment (src/process/collect-garbage.ts) so the memory of what it wrote is given back at once.
export const SCHEDULER_NODE_FLAGS = ['--max-semi-space-size=1', '--expose-gc'];

// The scheduler's environment, as dispatch and bin/etcd-agent set it for every run: glibc's mmap threshold fixed
// (see malloc-threshold.ts).
export const SCHEDULER_ENVIRONMENT: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: String(MMAP_THRESHOLD_BYTES) };

// The systemd unit that runs `etcd-agent schedule` with the charm's config file, sandboxed: it reads the whole
// system (etcd's certificates, the S3 CA, its config file) but writes only schedulerWritePaths, and yields CPU and
// disk to etcd.
export const renderSchedulerUnit = (context: Pick<HookContext, 'unit' | 'agent'>, configFile: string, config: Pick<AgentConfig, 'snapshotDir' | 'etcdDataDir'>): string =>
  [
    '[Unit]',
    `Description=Scheduled etcd snapshots for ${context.unit} (etcd-agent)`,
    'After=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    ...Object.entries(SCHEDULER_ENVIRONMENT).map(([name, value]) => `Environment=${name}=${value}`),
    `ExecStart=${[context.agent.node, ...SCHEDULER_NODE_FLAGS, context.agent.main].join(' ')} schedule --config-file ${configFile} --unit ${context.unit}`,
    'Restart=on-failure',
    'RestartSec=30',
    'KillSignal=SIGTERM',
    'TimeoutStopSec=30',
    'Nice=10',
    'IOSchedulingClass=idle',
    'ProtectSystem=strict',
    `ReadWritePaths=${schedulerWritePaths(config).map((path) => `-${path}`).join(' ')}`,
    'ProtectHome=read-only',
    'PrivateTmp=yes',
    'PrivateDevices=yes',
    'NoNewPrivileges=yes',
    'ProtectKernelTunables=yes',
    'ProtectKernelModules=yes',
    'ProtectKernelLogs=yes',
    'ProtectControlGroups=yes',
    'ProtectClock=yes',
    'ProtectHostname=yes',
    'RestrictSUIDSGID=yes',
    'RestrictRealtime=yes',
    'RestrictNamespaces=yes',
    'LockPersonality=yes',
    'SystemCallArchitectures=native',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');

const readOrEmpty = (path: string): Promise<string> => readFile(path, 'utf8').catch(() => '');

// Writes the config file (0600: it may hold credentials) and the unit file; true when either changed.
export const writeSchedulerFiles = async (context: Pick<HookContext, 'unit' | 'paths' | 'agent'>, agentConfig: Pick<AgentConfig, 'snapshotDir' | 'etcdDataDir'>, rawConfig: Record<string, unknown>): Promise<boolean> => {
  const files = schedulerFiles(context);
  const { stringify } = await loadYaml();
  const config = stringify(rawConfig);
  const unit = renderSchedulerUnit(context, files.configFile, agentConfig);
  const changed = (await readOrEmpty(files.configFile)) !== config || (await readOrEmpty(files.unitFile)) !== unit;
  await mkdir(join(files.configFile, '..'), { recursive: true, mode: 0o700 });
  await mkdir(context.paths.unitDir, { recursive: true });
  await writeTextAtomically(files.configFile, config, 0o600);
  await writeTextAtomically(files.unitFile, unit, 0o644);
  return changed;
};

// Removes the unit file and config file.
export const removeSchedulerFiles = async (context: Pick<HookContext, 'unit' | 'paths'>): Promise<void> => {
  const files = schedulerFiles(context);
  await rm(files.unitFile, { force: true });
  await rm(files.configFile, { force: true });
};
