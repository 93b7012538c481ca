import { oneLine } from '../errors/agent-error.ts';
import { configure } from './configure.ts';
import type { HookContext } from './hook-context.ts';
import { stopScheduler } from './stop.ts';
import { updateStatus } from './update-status.ts';

// The hooks the charm answers to; the cluster relation hooks have nothing to do yet.
export const HOOKS = [
  'install',
  'config-changed',
  'start',
  'stop',
  'update-status',
  'upgrade-charm',
  'leader-elected',
  'cluster-relation-joined',
  'cluster-relation-changed',
  'cluster-relation-departed',
  'secret-changed',
] as const;

type HookHandler = (context: HookContext) => Promise<void>;

const HANDLERS: Partial<Record<string, HookHandler>> = {
  install: configure,
  'config-changed': configure,
  start: configure,
  'upgrade-charm': configure,
  'secret-changed': configure,
  stop: stopScheduler,
  'update-status': updateStatus,
};

// Runs one hook; an unexpected error is logged and turned into a non-zero exit so Juju retries it.
export const runHook = async (context: HookContext): Promise<number> => {
  const handler = HANDLERS[context.hook];
  if (!handler) {
    context.log.debug(`hook ${context.hook}: nothing to do`);
    return 0;
  }
  try {
    await handler(context);
    return 0;
  } catch (error) {
    context.log.error(`hook ${context.hook} failed: ${oneLine(error)}`);
    if (error instanceof Error && error.stack) context.log.debug(error.stack);
    return 1;
  }
};
