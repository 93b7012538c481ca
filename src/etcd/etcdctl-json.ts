import type { ClusterInfo } from './etcd-client.ts';

// etcdctl -w json prints member and cluster IDs as 64-bit integers, which JSON.parse would round: they are read
// as strings (decimal digits), then written in hex as etcd's own tools show them.
const ID_FIELDS = /"(cluster_id|member_id|ID|leader)":(\d+)/g;
const parseExact = (text: string): unknown => JSON.parse(text.replace(ID_FIELDS, '"$1":"$2"'));
const hex = (id: unknown): string => BigInt(String(id)).toString(16);

interface MemberList {
  header: { cluster_id: string };
  members?: { ID: string; name?: string; peerURLs?: string[]; clientURLs?: string[] }[];
}
interface EndpointStatus {
  Status: { header: { revision: number }; version: string; dbSize: number };
}

// ClusterInfo from `etcdctl member list -w json` and `etcdctl endpoint status -w json` of one endpoint.
export const clusterInfoFromJson = (memberList: string, endpointStatus: string): ClusterInfo => {
  const members = parseExact(memberList) as MemberList;
  const [status] = parseExact(endpointStatus) as EndpointStatus[];
  if (!members?.header || !status?.Status?.header) throw new Error(`etcdctl printed something unexpected: ${(memberList + endpointStatus).slice(0, 200)}`);
  return {
    clusterId: hex(members.header.cluster_id),
    memberCount: members.members?.length ?? 0,
    members: (members.members ?? []).map((m) => ({ id: hex(m.ID), name: m.name ?? '', peerUrls: m.peerURLs ?? [], clientUrls: m.clientURLs ?? [] })),
    serverVersion: status.Status.version,
    revision: Number(status.Status.header.revision),
    dbSize: Number(status.Status.dbSize),
  };
};

// The server version from `etcdctl endpoint status -w json` of one endpoint.
export const serverVersionFromJson = (endpointStatus: string): string => {
  const [status] = parseExact(endpointStatus) as EndpointStatus[];
  if (typeof status?.Status?.version !== 'string') throw new Error(`etcdctl printed something unexpected: ${endpointStatus.slice(0, 200)}`);
  return status.Status.version;
};

// The key count of `etcdctl get "" --from-key --keys-only --limit=1 -w json` (etcd counts the whole range).
export const countFromJson = (text: string): number => {
  const count = (parseExact(text) as { count?: number }).count ?? 0;
  if (!Number.isSafeInteger(count) || count < 0) throw new Error(`etcdctl printed an unexpected key count: ${text.slice(0, 200)}`);
  return count;
};
