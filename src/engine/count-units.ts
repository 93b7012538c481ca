import type { EtcdClient } from '../etcd/etcd-client.ts';
import { AgentError } from '../errors/agent-error.ts';
import type { HookTools } from '../juju/hook-tools.ts';

// How many etcd units and members there are, as far as Juju and etcd can tell.
export interface UnitCount {
  units: number;
  peers: string[];
  members: number | undefined;
  memberNames: string[];
}

// Counts this unit plus the remote units on every `cluster` relation, and the members etcd reports.
export const countUnits = async (tools: HookTools, etcd: EtcdClient): Promise<UnitCount> => {
  const peers = new Set<string>();
  for (const id of await tools.relationIds('cluster')) for (const unit of await tools.relationList(id)) peers.add(unit);
  const cluster = await etcd.cluster().catch(() => undefined);
  return {
    units: 1 + peers.size,
    peers: [...peers].sort(),
    members: cluster?.memberCount,
    memberNames: cluster?.members.map((m) => m.name || m.id) ?? [],
  };
};

// Refuses a restore when more than one etcd unit or member exists, naming the count and the way out.
export const assertSingleUnit = (count: UnitCount, unit: string): void => {
  const total = Math.max(count.units, count.members ?? 0);
  if (total <= 1) return;
  const seen = `${count.units} Juju unit(s)${count.peers.length ? ` (${unit}, ${count.peers.join(', ')})` : ''}, ${count.members ?? 'unknown'} etcd member(s)${count.memberNames.length > 1 ? ` (${count.memberNames.join(', ')})` : ''}`;
  const removal = count.peers.length ? count.peers.map((p) => `juju remove-unit ${p}`).join(', ') : 'remove the other members (juju remove-unit etcd/N)';
  throw new AgentError(
    `refusing to restore: etcd has ${total} units/members (${seen}) and a snapshot can only be restored into a single-member cluster; ${removal}, run restore again, then juju add-unit etcd to grow it back`,
  );
};
