import type { Clock } from '../clock/clock.ts';
import type { AgentConfig } from '../config/agent-config.ts';
import type { Naming } from '../config/naming.ts';
import type { EtcdClient } from '../etcd/etcd-client.ts';
import type { HookTools, Results } from '../juju/hook-tools.ts';
import type { Logger } from '../log/logger.ts';
import type { ServiceManager } from '../system/service-manager.ts';
import type { CommandRunner } from '../process/command-runner.ts';
import type { ParamHints } from './validate-params.ts';
import type { Stores } from '../store/stores.ts';
import type { StartMeter } from '../progress/progress-meter.ts';
import type { ArchiveCodecs } from '../archive/codecs.ts';

// Where the agent runs: a Juju unit, or a plain host for the CLI.
export interface Place {
  // The unit name (etcd/0) in Juju, the host name outside.
  unit: string;
  // A unit of the etcd-backup subordinate: it comes and goes with the etcd unit it runs beside.
  subordinate?: boolean;
  // How an operator fetches a file from here.
  copyCommand(path: string): string;
  // The age identity for encrypted archives: from the Juju secret named by identity-secret, or the CLI's --identity-file.
  readIdentity(secretId: string): Promise<string | undefined>;
}

// Everything an action gets; it never knows whether it runs under Juju or the CLI.
export interface ActionContext {
  params: Record<string, unknown>;
  config: AgentConfig;
  tools: HookTools;
  log: Logger;
  clock: Clock;
  etcd: EtcdClient;
  service: ServiceManager;
  // Starts long-running processes (the throwaway etcd of verify-snapshot).
  runner: CommandRunner;
  place: Place;
  // The local and off-unit stores, built once for this run.
  stores: Stores;
  progress(message: string): Promise<void>;
  // How messages name params, options and actions on this surface.
  naming: Naming;
  // Byte progress of long steps (save, compress, encrypt, upload), through HookTools.progress.
  meter: StartMeter;
  // What compresses snapshots: igzip for gzip:1 where installed (archives are always decompressed in process).
  codecs: ArchiveCodecs;
}

// One action: its name, explanations for refused values, and what it does.
export interface ActionDefinition {
  name: string;
  // Runs holding the unit's lock (everything that writes snapshots or touches etcd's data).
  exclusive?: boolean;
  hints?: ParamHints;
  run(context: ActionContext): Promise<Results>;
}
