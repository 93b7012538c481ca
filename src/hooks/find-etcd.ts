import { join } from 'node:path';
import type { AgentConfig } from '../config/agent-config.ts';
import { exists } from '../engine/data-dir.ts';
import { findEtcdServer } from '../etcd/etcd-binaries.ts';
import type { HookContext } from './hook-context.ts';

// The unit the etcd snap runs its member as, whatever etcd-service says.
const SNAP_UNIT = 'snap.etcd.etcd';

// "No etcd on the unit" means all of: systemd knows no unit named etcd-service (nor the etcd snap's), no etcd server
// binary is at etcd-path (or, empty, at the snap's path or on PATH), and etcd-data-dir holds no member/. Returns what
// was found first, or undefined when there is no etcd.
export const findEtcd = async (context: Pick<HookContext, 'service' | 'searchPath'>, config: Pick<AgentConfig, 'etcdService' | 'etcdPath' | 'etcdDataDir'>): Promise<string | undefined> => {
  for (const unit of new Set([config.etcdService, SNAP_UNIT])) {
    if (await context.service.isKnown(unit)) return `systemd knows the unit ${unit}.service`;
  }
  const binary = findEtcdServer(config, context.searchPath);
  if (binary !== undefined) return `an etcd server binary is at ${binary}`;
  if (await exists(join(config.etcdDataDir, 'member'))) return `etcd-data-dir ${config.etcdDataDir} holds a member`;
  return undefined;
};
