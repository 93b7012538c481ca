import { readFile } from 'node:fs/promises';
import { Etcd3 } from 'etcd3';
import type { TlsFiles } from '../config/agent-config.ts';
import type { ClusterInfo } from './etcd-client.ts';

const withDeadline = async <T>(work: Promise<T>, ms: number, endpoint: string): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`deadline exceeded after ${ms / 1000}s waiting for ${endpoint}`)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
};

// Reads member list and status through the etcd3 gRPC client, bounded by timeoutMs.
export const readClusterInfo = async (endpoint: string, tls: TlsFiles | undefined, timeoutMs: number): Promise<ClusterInfo> => {
  const credentials = tls
    ? {
        rootCertificate: tls.ca ? await readFile(tls.ca) : Buffer.alloc(0),
        ...(tls.cert ? { certChain: await readFile(tls.cert) } : {}),
        ...(tls.key ? { privateKey: await readFile(tls.key) } : {}),
      }
    : undefined;
  const client = new Etcd3({
    hosts: [endpoint],
    ...(credentials ? { credentials } : {}),
    dialTimeout: timeoutMs,
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + timeoutMs }),
  });
  try {
    return await withDeadline(
      (async () => {
        const members = await client.cluster.memberList({ linearizable: true });
        const status = await client.maintenance.status();
        return {
          clusterId: BigInt(members.header.cluster_id).toString(16),
          memberCount: members.members.length,
          members: members.members.map((m) => ({ id: BigInt(m.ID).toString(16), name: m.name, peerUrls: m.peerURLs, clientUrls: m.clientURLs })),
          serverVersion: status.version,
          revision: Number(status.header.revision),
        };
      })(),
      timeoutMs,
      endpoint,
    );
  } finally {
    client.close();
  }
};
