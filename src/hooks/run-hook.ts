import { oneLine } from '../errors/agent-error.ts';
import type { Logger } from '../log/logger.ts';

// The hooks the charm answers to; each exits 0 quietly until it has work to do.
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
] as const;

type HookHandler = () => Promise<void>;

const HANDLERS: Partial<Record<string, HookHandler>> = {};

// Runs one hook; an error is logged and turned into a non-zero exit so Juju retries it.
export const runHook = async (name: string, log: Logger): Promise<number> => {
  const handler = HANDLERS[name];
  if (!handler) {
    log.debug(`hook ${name}: nothing to do`);
    return 0;
  }
  try {
    await handler();
    return 0;
  } catch (error) {
    log.error(`hook ${name} failed: ${oneLine(error)}`);
    return 1;
  }
};
