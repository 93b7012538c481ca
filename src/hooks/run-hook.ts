import { oneLine, UsageError } from '../errors/agent-error.ts';
import { describeErrorChain } from '../errors/error-chain.ts';
import { normalizeConfig } from '../config/normalize-config.ts';
import { recoverInterruptedRestore, unitGuard } from '../engine/unit-guard.ts';
import { describeHolder } from '../system/unit-lock.ts';
import type { HookContext } from './hook-context.ts';
import { OBSERVABILITY_HANDLERS, OBSERVABILITY_HOOKS } from './observability-hooks.ts';

// The hooks the charm answers to; the cluster and juju-info relation hooks have nothing to do yet (juju-info is the
// subordinate's relation to its etcd principal). Any other hook name does nothing and exits 0.
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
  'juju-info-relation-joined',
  'juju-info-relation-changed',
  'juju-info-relation-departed',
  'juju-info-relation-broken',
  ...OBSERVABILITY_HOOKS,
] as const;

type HookHandler = (context: HookContext) => Promise<void>;

// Each handler's code loads when its hook runs: update-status never loads configure's (etcd-install, the scheduler
// unit, node-cron's validation).
const configure: HookHandler = async (context) => (await import('./configure.ts')).configure(context);
const stopScheduler: HookHandler = async (context) => (await import('./stop.ts')).stopScheduler(context);
const updateStatus: HookHandler = async (context) => (await import('./update-status.ts')).updateStatus(context);

const HANDLERS: Partial<Record<string, HookHandler>> = {
  install: configure,
  'config-changed': configure,
  start: configure,
  'upgrade-charm': configure,
  'secret-changed': configure,
  stop: stopScheduler,
  'update-status': updateStatus,
  ...OBSERVABILITY_HANDLERS,
};

// Before every hook but stop: a restore a dead run left unfinished is settled first. While it cannot be, the unit is
// blocked naming the command that fixes it and the hook does nothing else; while a restore runs, update-status says so.
// Returns the context to run the handler with, or undefined to stop here.
const settleFirst = async (context: HookContext): Promise<HookContext | undefined> => {
  let config;
  try {
    config = normalizeConfig(await context.tools.configGet(), context.charm.options);
  } catch (error) {
    if (error instanceof UsageError) return context;
    throw error;
  }
  const parts = { lock: await context.makeLock(config), etcd: context.makeEtcd(config), service: context.service };
  const report = await recoverInterruptedRestore(unitGuard(config, { ...parts, clock: context.clock, progress: async (m) => context.log.info(m) }));
  switch (report.kind) {
    case 'none':
      return context;
    case 'settled':
      context.log.warn(report.message);
      return { ...context, recovered: report.message };
    case 'blocked':
      context.log.error(report.message);
      await context.tools.statusSet('blocked', report.message);
      return undefined;
    case 'busy':
      if (context.hook !== 'update-status') return context;
      await context.tools.statusSet('maintenance', `restoring etcd: ${describeHolder(report.holder)} is running`);
      return undefined;
  }
};

// Runs one hook; an unexpected error is logged and turned into a non-zero exit so Juju retries it.
export const runHook = async (context: HookContext): Promise<number> => {
  const handler = HANDLERS[context.hook];
  if (!handler) {
    context.log.debug(`hook ${context.hook}: nothing to do`);
    return 0;
  }
  try {
    const settled = context.hook === 'stop' ? context : await settleFirst(context);
    if (settled) await handler(settled);
    return 0;
  } catch (error) {
    context.log.error(`hook ${context.hook} failed: ${oneLine(error)}`);
    context.log.debug(`hook ${context.hook} failed; the error and its causes:\n${describeErrorChain(error).join('\n')}`);
    return 1;
  }
};
