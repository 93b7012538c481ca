import { loadYaml } from '../format/yaml.ts';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeTextAtomically } from '../fs/atomic-file.ts';
import type { HookContext } from './hook-context.ts';

// The scheduler's systemd unit name for a Juju unit: etcd/0 → etcd-agent-scheduler-etcd-0.
export const schedulerUnitName = (unit: string): string => `etcd-agent-scheduler-${unit.replace(/\//g, '-')}`;

// Where the scheduler's unit file and config file live.
export const schedulerFiles = (context: Pick<HookContext, 'unit' | 'paths'>): { name: string; unitFile: string; configFile: string } => {
  const name = schedulerUnitName(context.unit);
  return { name, unitFile: join(context.paths.unitDir, `${name}.service`), configFile: join(context.paths.stateDir, context.unit.replace(/\//g, '-'), 'config.yaml') };
};

// The systemd unit that runs `etcd-agent schedule` with the charm's config file.
export const renderSchedulerUnit = (context: Pick<HookContext, 'unit' | 'agent'>, configFile: string): string =>
  [
    '[Unit]',
    `Description=Scheduled etcd snapshots for ${context.unit} (etcd-agent)`,
    'After=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${context.agent.node} ${context.agent.main} schedule --config-file ${configFile} --unit ${context.unit}`,
    'Restart=on-failure',
    'RestartSec=30',
    'KillSignal=SIGTERM',
    'TimeoutStopSec=30',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');

const readOrEmpty = (path: string): Promise<string> => readFile(path, 'utf8').catch(() => '');

// Writes the config file (0600: it may hold credentials) and the unit file; true when either changed.
export const writeSchedulerFiles = async (context: Pick<HookContext, 'unit' | 'paths' | 'agent'>, rawConfig: Record<string, unknown>): Promise<boolean> => {
  const files = schedulerFiles(context);
  const { stringify } = await loadYaml();
  const config = stringify(rawConfig);
  const unit = renderSchedulerUnit(context, files.configFile);
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
