import { normalizeConfig } from '../config/normalize-config.ts';
import { UsageError } from '../errors/agent-error.ts';
import { validateSchedule } from '../schedule/cron.ts';
import type { HookContext } from './hook-context.ts';
import { removeSchedulerFiles, schedulerFiles, writeSchedulerFiles } from './scheduler-unit.ts';
import { reportStatus } from './update-status.ts';

// install, config-changed, start, upgrade-charm: check every option, then (re)write and run the scheduler service.
// A bad option blocks the unit with its name and value; it is not a hook error, since only the operator can fix it.
export const configure = async (context: HookContext): Promise<void> => {
  const { tools, service } = context;
  const raw = await tools.configGet();
  let config;
  try {
    config = normalizeConfig(raw, context.charm.options);
    if (config.snapshotSchedule) validateSchedule(config.snapshotSchedule, config.snapshotTimezone);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    context.log.warn(error.message);
    await tools.statusSet('blocked', `${error.message}; fix it with juju config`);
    return;
  }
  const { name } = schedulerFiles(context);
  if (!config.snapshotSchedule) {
    if (await service.isActive(name)) await service.disable(name);
    await removeSchedulerFiles(context);
    await service.daemonReload();
    context.log.info('snapshot-schedule is empty: scheduled snapshots are off');
  } else {
    const changed = await writeSchedulerFiles(context, raw);
    await service.daemonReload();
    const active = await service.isActive(name);
    if (active && (changed || context.hook === 'upgrade-charm')) await service.restart(name);
    else if (!active) await service.enable(name);
    context.log.info(`scheduler service ${name} ${active ? (changed ? 'restarted' : 'running') : 'started'}`);
  }
  await reportStatus(context, config, { catchUp: false });
};
