import { governBuffers } from '../system/buffer-governor.ts';
import type { Clock } from '../clock/clock.ts';
import type { CharmFiles } from '../charm/charm-files.ts';
import type { AgentConfig } from '../config/agent-config.ts';
import { normalizeConfig } from '../config/normalize-config.ts';
import type { EtcdClient } from '../etcd/etcd-client.ts';
import { UsageError, oneLine } from '../errors/agent-error.ts';
import { describeErrorChain } from '../errors/error-chain.ts';
import type { HookTools } from '../juju/hook-tools.ts';
import type { Logger } from '../log/logger.ts';
import type { ServiceManager } from '../system/service-manager.ts';
import type { CommandRunner } from '../process/command-runner.ts';
import type { Place } from './action.ts';
import { ACTIONS } from './registry.ts';
import { progressMeters } from '../progress/progress-meter.ts';
import { validateParams } from './validate-params.ts';
import { jujuNaming, type Naming } from '../config/naming.ts';
import type { UnitLock } from '../system/unit-lock.ts';
import type { Stores } from '../store/stores.ts';
import type { ArchiveCodecs } from '../archive/codecs.ts';
import { RecoveryBlockedError, recoverInterruptedRestore, unitGuard, withUnitLock } from '../engine/unit-guard.ts';

// What an action run needs from the composition root.
export interface ActionDeps {
  tools: HookTools;
  log: Logger;
  clock: Clock;
  charm: CharmFiles;
  place: Place;
  service: ServiceManager;
  runner: CommandRunner;
  codecs: ArchiveCodecs;
  makeEtcd(config: AgentConfig): EtcdClient;
  makeLock(config: AgentConfig): Promise<UnitLock>;
  makeStores(config: AgentConfig, secrets: Pick<HookTools, 'secretGet'>, unit: string, log?: (message: string) => void): Stores;
  // How messages name params and options on this surface (Juju's words when absent).
  naming?: Naming;
}

// How an action ended: ok, failed, or refused for bad input.
export type ActionOutcome = 'ok' | 'failed' | 'usage';

// Runs one action with the failure protocol: action-fail with one line, the trace to the log, never a throw.
export const runAction = async (name: string, deps: ActionDeps): Promise<ActionOutcome> => {
  const { tools, log } = deps;
  try {
    const load = ACTIONS[name];
    const spec = deps.charm.actions[name];
    if (!load || !spec) throw new UsageError(`unknown action "${name}"; known actions: ${Object.keys(deps.charm.actions).join(', ')}`);
    const action = await load();
    const params = await validateParams(name, spec, await tools.actionGet(), action.hints, deps.naming);
    const config = normalizeConfig(await tools.configGet(), deps.charm.options, deps.naming);
    log.info(`action ${name} started with ${JSON.stringify(params)}`);
    const progress = async (message: string): Promise<void> => {
      log.info(message);
      await tools.actionLog(message);
    };
    const meter = progressMeters((update) => tools.progress(update), deps.clock);
    const etcd = deps.makeEtcd(config);
    const stores = deps.makeStores(config, tools, deps.place.unit, (m) => log.warn(m));
    // Every action streams archives: the buffer governor keeps memory flat while it does.
    const run = () =>
      governBuffers(() => action.run({ params, config, tools, log, clock: deps.clock, place: deps.place, service: deps.service, runner: deps.runner, codecs: deps.codecs, etcd, stores, progress, meter, naming: deps.naming ?? jujuNaming }));
    const guard = unitGuard(config, { lock: await deps.makeLock(config), etcd, service: deps.service, clock: deps.clock, progress });
    let results;
    if (action.exclusive) {
      results = await withUnitLock(guard, name, { waitMs: config.lockTimeoutMs }, run);
    } else {
      const report = await recoverInterruptedRestore(guard);
      if (report.kind === 'blocked') await tools.statusSet('blocked', report.message);
      if (report.kind === 'blocked' || report.kind === 'settled') log.warn(report.message);
      results = await run();
    }
    await tools.actionSet(results);
    log.info(`action ${name} completed`);
    return 'ok';
  } catch (error) {
    const message = oneLine(error);
    log.error(`action ${name} failed: ${message}`);
    if (error instanceof RecoveryBlockedError) await tools.statusSet('blocked', message).catch(() => undefined);
    log.debug(`action ${name} failed; the error and its causes:\n${describeErrorChain(error).join('\n')}`);
    await tools.actionFail(message).catch((e: unknown) => log.error(`action-fail itself failed: ${oneLine(e)}`));
    return error instanceof UsageError ? 'usage' : 'failed';
  }
};
