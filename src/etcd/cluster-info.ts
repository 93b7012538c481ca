import type { Etcd3 } from 'etcd3';
import type { ClusterInfo } from './etcd-client.ts';

// Reads member list and status through an open etcd3 client.
export const readClusterInfo = async (client: Etcd3): Promise<ClusterInfo> => {
  const members = await client.cluster.memberList({ linearizable: true });
  const status = await client.maintenance.status();
  return {
    clusterId: BigInt(members.header.cluster_id).toString(16),
    memberCount: members.members.length,
    members: members.members.map((m) => ({ id: BigInt(m.ID).toString(16), name: m.name, peerUrls: m.peerURLs, clientUrls: m.clientURLs })),
    serverVersion: status.version,
    revision: Number(status.header.revision),
    dbSize: Number(status.dbSize),
  };
};

// Counts the live keys of the whole keyspace, at a revision when one is given.
export const countKeys = async (client: Etcd3, revision?: number): Promise<number> => {
  const range = client.getAll();
  if (revision !== undefined) range.revision(revision);
  return range.count();
};
