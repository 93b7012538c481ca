import { AgentError } from '../errors/agent-error.ts';
import type { ClusterInfo } from './etcd-client.ts';
import type { EtcdGateway } from './etcd-gateway.ts';

interface Header {
  cluster_id?: string;
  revision?: string;
}
interface MemberListAnswer {
  header?: Header;
  members?: { ID?: string; name?: string; peerURLs?: string[]; clientURLs?: string[] }[];
}
interface StatusAnswer {
  header?: Header;
  version?: string;
  dbSize?: string;
}

// A uint64 of the gateway's JSON (decimal string) in hex, as etcdctl and the etcd3 client show ids.
const hex = (value: string | undefined, what: string): string => {
  if (value === undefined || !/^\d+$/.test(value)) throw new AgentError(`etcd's gateway answered no ${what} (${String(value)})`);
  return BigInt(value).toString(16);
};

// Reads member list and status through etcd's JSON gateway (a throwaway member on loopback: no gRPC client loaded).
export const readClusterInfoOverGateway = async (gateway: Pick<EtcdGateway, 'call'>): Promise<ClusterInfo> => {
  const list = await gateway.call<MemberListAnswer>('/v3/cluster/member/list', '{}');
  const status = await gateway.call<StatusAnswer>('/v3/maintenance/status', '{}');
  const members = list.members ?? [];
  return {
    clusterId: hex(list.header?.cluster_id, 'cluster id'),
    memberCount: members.length,
    members: members.map((m) => ({ id: hex(m.ID, 'member id'), name: m.name ?? '', peerUrls: m.peerURLs ?? [], clientUrls: m.clientURLs ?? [] })),
    serverVersion: status.version ?? '',
    revision: Number(status.header?.revision ?? Number.NaN),
    dbSize: Number(status.dbSize ?? 0),
  };
};

// Counts the live keys of the whole keyspace (at a revision when one is given) through etcd's JSON gateway.
export const countKeysOverGateway = async (gateway: Pick<EtcdGateway, 'call'>, revision?: number): Promise<number> => {
  const answer = await gateway.call<{ count?: string }>('/v3/kv/range', JSON.stringify({ key: 'AA==', range_end: 'AA==', count_only: true, ...(revision === undefined ? {} : { revision: String(revision) }) }));
  return Number(answer.count ?? 0);
};

// Opens a gateway for one call sequence and always closes it.
export const withGateway = async <T>(open: () => EtcdGateway, use: (gateway: EtcdGateway) => Promise<T>): Promise<T> => {
  const gateway = open();
  try {
    return await use(gateway);
  } finally {
    gateway.close();
  }
};
