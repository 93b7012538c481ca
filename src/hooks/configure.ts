import { normalizeConfig } from '../config/normalize-config.ts';
import { AgentError, UsageError } from '../errors/agent-error.ts';
import { validateSchedule } from '../policy/cron.ts';
import { prepareDir } from '../engine/prepare-dir.ts';
import type { AgentConfig } from '../config/agent-config.ts';
import type { HookTools } from '../juju/hook-tools.ts';
import type { HookContext } from './hook-context.ts';
import { removeSchedulerFiles, schedulerFiles, writeSchedulerFiles } from './scheduler-unit.ts';
import { installEtcd } from './install-etcd.ts';
import { reportStatus } from './update-status.ts';

// The scheduler runs outside hooks, where secret-get does not work: it gets the secret's keys in its 0600 config file.
const withResolvedCredentials = async (raw: Record<string, unknown>, config: AgentConfig, tools: HookTools): Promise<Record<string, unknown>> => {
  const id = config.s3?.credentialsSecret;
  if (!id) return raw;
  const content = await tools.secretGet(id, { refresh: true });
  const rest = { ...raw };
  delete rest['s3-credentials-secret'];
  return { ...rest, 's3-access-key': content['access-key'] ?? '', 's3-secret-key': content['secret-key'] ?? '' };
};

// install, config-changed, start, upgrade-charm, secret-changed (a rotated S3 credential): check every option, then (re)write and run the scheduler service.
// A bad option blocks the unit with its name and value; it is not a hook error, since only the operator can fix it.
export const configure = async (context: HookContext): Promise<void> => {
  const { tools, service } = context;
  const raw = await tools.configGet();
  let config;
  let serviceConfig;
  try {
    config = normalizeConfig(raw, context.charm.options);
    if (config.snapshotSchedule) validateSchedule(config.snapshotSchedule, config.snapshotTimezone);
    if (config.verifySchedule) validateSchedule(config.verifySchedule, config.snapshotTimezone, 'verify-schedule');
    serviceConfig = await withResolvedCredentials(raw, config, tools);
    // The scheduler may write only in directories that exist when it starts (ReadWritePaths=).
    if (config.snapshotSchedule) await prepareDir(config.snapshotDir, 'snapshot-dir');
  } catch (error) {
    if (!(error instanceof AgentError)) throw error;
    context.log.warn(error.message);
    await tools.statusSet('blocked', error instanceof UsageError ? `${error.message}; fix it with juju config` : error.message);
    return;
  }
  // etcd-install: on install, and on config-changed when it is turned on later.
  const installed = context.hook === 'install' || context.hook === 'config-changed' ? await installEtcd(context, config) : { kind: 'done' as const };
  if (installed.kind === 'blocked') {
    context.log.error(installed.message);
    await tools.statusSet('blocked', installed.message);
    return;
  }
  const { name } = schedulerFiles(context);
  if (!config.snapshotSchedule) {
    if (await service.isActive(name)) await service.disable(name);
    await removeSchedulerFiles(context);
    await service.daemonReload();
    context.log.info('snapshot-schedule is empty: scheduled snapshots are off');
  } else {
    const changed = await writeSchedulerFiles(context, config, serviceConfig);
    await service.daemonReload();
    const active = await service.isActive(name);
    if (active && (changed || context.hook === 'upgrade-charm')) await service.restart(name);
    else if (!active) await service.enable(name);
    context.log.info(`scheduler service ${name} ${active ? (changed ? 'restarted' : 'running') : 'started'}`);
  }
  // A scheduler (re)started here catches up by itself when the last good snapshot is stale.
  await reportStatus(context, config, { requestCatchUp: false, notes: installed.kind === 'note' ? [installed.note] : [] });
};
