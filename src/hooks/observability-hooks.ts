import type { HookContext } from './hook-context.ts';
import { COS_AGENT, METRICS_ENDPOINT, publishObservability } from './publish-observability.ts';

// The relation hooks of the observability relations.
export const OBSERVABILITY_HOOKS = [`${METRICS_ENDPOINT}-relation-joined`, `${METRICS_ENDPOINT}-relation-changed`, `${COS_AGENT}-relation-joined`, `${COS_AGENT}-relation-changed`] as const;

// configure's code loads only for the hooks that run it.
const configureAndPublish = async (context: HookContext): Promise<void> => {
  await (await import('./configure.ts')).configure(context);
  await publishObservability(context);
};

// What they run, and the hooks that also republish: config-changed and upgrade-charm (the port, the rules or the
// dashboards may have changed) after configure, and leader-elected (a new leader writes the application data).
export const OBSERVABILITY_HANDLERS: Record<string, (context: HookContext) => Promise<void>> = {
  ...Object.fromEntries(OBSERVABILITY_HOOKS.map((hook) => [hook, publishObservability])),
  'config-changed': configureAndPublish,
  'upgrade-charm': configureAndPublish,
  'leader-elected': publishObservability,
};
