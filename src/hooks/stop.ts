import type { HookContext } from './hook-context.ts';
import { removeSchedulerFiles, schedulerFiles } from './scheduler-unit.ts';

// stop: the unit is going away; stop and disable its scheduler and remove its files. Snapshots stay.
export const stopScheduler = async (context: HookContext): Promise<void> => {
  const { name } = schedulerFiles(context);
  await context.service.disable(name).catch((error: unknown) => context.log.warn(`could not disable ${name}: ${String(error)}`));
  await removeSchedulerFiles(context);
  await context.service.daemonReload().catch(() => undefined);
};
