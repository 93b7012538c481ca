import type { EtcdClient } from '../etcd/etcd-client.ts';
import { AgentError } from '../errors/agent-error.ts';
import type { HookTools } from '../juju/hook-tools.ts';

// How many etcd units and members there are, as far as Juju and etcd can tell.
export interface UnitCount {
  units: number;
  peers: string[];
  members: number | undefined;
  memberNames: string[];
  // For a subordinate (etcd-backup): the etcd unit it runs beside, from its juju-info relation, when related.
  subordinate: { principal: string | undefined } | undefined;
}

// Counts this unit plus the remote units on every `cluster` relation, and the members etcd reports. The
// subordinate's cluster relation has one unit per etcd unit, so the same count holds for it; its juju-info
// relation (the principal beside it) is never counted.
export const countUnits = async (tools: HookTools, etcd: EtcdClient, subordinate = false): Promise<UnitCount> => {
  const peers = new Set<string>();
  for (const id of await tools.relationIds('cluster')) for (const unit of await tools.relationList(id)) peers.add(unit);
  const cluster = await etcd.cluster().catch(() => undefined);
  let principal: string | undefined;
  if (subordinate) for (const id of await tools.relationIds('juju-info')) principal ??= (await tools.relationList(id))[0];
  return {
    units: 1 + peers.size,
    peers: [...peers].sort(),
    members: cluster?.memberCount,
    memberNames: cluster?.members.map((m) => m.name || m.id) ?? [],
    subordinate: subordinate ? { principal } : undefined,
  };
};

// How an operator gets down to one unit: remove the peers, or for a subordinate the etcd units its peers run beside.
const wayOut = (count: UnitCount): string => {
  if (count.subordinate) {
    const app = count.subordinate.principal?.split('/')[0] ?? 'etcd';
    const beside = count.peers.length ? `the ${app} units that ${count.peers.join(', ')} run beside` : `the other ${app} members`;
    return `remove ${beside} (juju remove-unit ${app}/N; a subordinate unit goes with its principal), run restore again, then juju add-unit ${app} to grow it back`;
  }
  const removal = count.peers.length ? count.peers.map((p) => `juju remove-unit ${p}`).join(', ') : 'remove the other members (juju remove-unit etcd/N)';
  return `${removal}, run restore again, then juju add-unit etcd to grow it back`;
};

// Refuses a restore when more than one etcd unit or member exists, naming the count and the way out.
export const assertSingleUnit = (count: UnitCount, unit: string): void => {
  const total = Math.max(count.units, count.members ?? 0);
  if (total <= 1) return;
  const seen = `${count.units} Juju unit(s)${count.peers.length ? ` (${unit}, ${count.peers.join(', ')})` : ''}, ${count.members ?? 'unknown'} etcd member(s)${count.memberNames.length > 1 ? ` (${count.memberNames.join(', ')})` : ''}`;
  throw new AgentError(`refusing to restore: etcd has ${total} units/members (${seen}) and a snapshot can only be restored into a single-member cluster; ${wayOut(count)}`);
};
