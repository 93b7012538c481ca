import type { CharmFiles } from '../charm/charm-files.ts';
import type { Clock } from '../clock/clock.ts';
import type { AgentConfig } from '../config/agent-config.ts';
import type { EtcdClient } from '../etcd/etcd-client.ts';
import type { HookTools } from '../juju/hook-tools.ts';
import type { Logger } from '../log/logger.ts';
import type { CommandRunner } from '../process/command-runner.ts';
import type { ServiceManager } from '../system/service-manager.ts';
import type { UnitLock } from '../system/unit-lock.ts';
import type { Stores } from '../store/stores.ts';

// Where the charm keeps its scheduler service on the machine.
export interface HostPaths {
  // systemd unit files (/etc/systemd/system).
  unitDir: string;
  // per-unit agent state, such as the scheduler's config file (/var/lib/etcd-agent).
  stateDir: string;
}

// Everything a hook gets from the composition root.
export interface HookContext {
  hook: string;
  unit: string;
  tools: HookTools;
  log: Logger;
  charm: CharmFiles;
  clock: Clock;
  service: ServiceManager;
  // Starts commands (apt-get when etcd-install installs etcd).
  runner: CommandRunner;
  // The PATH programs are looked up on (where etcd-install finds an etcd server binary).
  searchPath: string;
  paths: HostPaths;
  // The runtime and entry script the scheduler service runs (the ones running this hook).
  agent: { node: string; main: string };
  makeEtcd(config: AgentConfig): EtcdClient;
  makeLock(config: AgentConfig): Promise<UnitLock>;
  makeStores(config: AgentConfig, secrets: Pick<HookTools, 'secretGet'>, unit: string, log?: (message: string) => void): Stores;
  // Where the unit sits in Juju and where its charm is (the observability relations publish them); absent outside Juju.
  juju?: { model: string; modelUuid: string; charmDir: string };
  // What settling an interrupted restore did at the start of this hook, if anything.
  recovered?: string;
}
