import type { LogLevel } from '../log/log-level.ts';
import type { ProgressUpdate } from '../progress/progress-meter.ts';

// Log levels juju-log accepts (the logger's own, so log/ needs nothing from juju/).
export type { LogLevel };

// Workload status values status-set accepts.
export type WorkloadStatus = 'maintenance' | 'blocked' | 'waiting' | 'active';

// Flat action results: dotted keys (`snapshot.total-keys`) to string values.
export type Results = Record<string, string>;

// Everything the agent says to or asks of Juju; the CLI provides a local stand-in.
export interface HookTools {
  actionGet(): Promise<Record<string, unknown>>;
  actionSet(results: Results): Promise<void>;
  actionFail(message: string): Promise<void>;
  actionLog(message: string): Promise<void>;
  // A long step's bytes so far: an action-log line in Juju, a line or a bar on the CLI's terminal.
  progress(update: ProgressUpdate): Promise<void>;
  log(level: LogLevel, message: string): Promise<void>;
  statusSet(status: WorkloadStatus, message: string): Promise<void>;
  // The workload version `juju status` shows (application-version-set).
  applicationVersionSet(version: string): Promise<void>;
  configGet(): Promise<Record<string, unknown>>;
  relationIds(relation: string): Promise<string[]>;
  relationList(relationId: string): Promise<string[]>;
  // Writes settings on a relation (an empty value removes its key): this unit's, or with app its application's
  // (leader only). Never for secrets: the values are visible to the related application.
  relationSet(relationId: string, settings: Record<string, string>, options?: { app?: boolean }): Promise<void>;
  resourceGet(name: string): Promise<string | undefined>;
  isLeader(): Promise<boolean>;
  // The address this unit listens on and advertises to its peers: the `cluster` binding's bind address (network-get).
  privateAddress(): Promise<string>;
  // refresh: move to the secret's latest revision (after a rotation) instead of the one last seen.
  secretGet(id: string, options?: { refresh?: boolean }): Promise<Record<string, string>>;
}
