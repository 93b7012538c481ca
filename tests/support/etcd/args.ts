// The etcd binary the harness runs.
export const ETCD = '/usr/bin/etcd';

// Server TLS files for the client listener; clients must present a cert signed by ca.
export interface EtcdServerTls {
  ca: string;
  cert: string;
  key: string;
}

// Everything that decides one etcd member's command line.
export interface EtcdMemberSpec {
  name: string;
  clientPort: number;
  peerPort: number;
  dataDir: string;
  initialCluster: string;
  clusterToken: string;
  tls?: EtcdServerTls;
  /** Raft timing; defaults to raftTiming(1). */
  heartbeatMs?: number;
  electionMs?: number;
}

// Raft timing for loopback. A lone member cannot lose an election, so it gets a very short timeout (restarts of a
// never-snapshotted single member wait a full election timeout); real clusters get one that survives a loaded 2-core machine.
export const raftTiming = (clusterSize: number): { heartbeatMs: number; electionMs: number } =>
  clusterSize === 1 ? { heartbeatMs: 10, electionMs: 100 } : { heartbeatMs: 50, electionMs: 500 };

// The client URL of a member: https when it serves TLS.
export const clientUrl = (spec: Pick<EtcdMemberSpec, 'clientPort' | 'tls'>): string =>
  `${spec.tls === undefined ? 'http' : 'https'}://127.0.0.1:${spec.clientPort}`;

// The peer URL of a member (peers always talk plain http on loopback).
export const peerUrl = (spec: Pick<EtcdMemberSpec, 'peerPort'>): string => `http://127.0.0.1:${spec.peerPort}`;

// The full argv (binary first) that starts this member.
export const etcdCommand = (spec: EtcdMemberSpec): string[] => {
  const client = clientUrl(spec);
  const peer = peerUrl(spec);
  const args = [
    ETCD,
    `--name=${spec.name}`,
    `--data-dir=${spec.dataDir}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=${spec.initialCluster}`,
    `--initial-cluster-token=${spec.clusterToken}`,
    '--initial-cluster-state=new',
    `--heartbeat-interval=${spec.heartbeatMs ?? raftTiming(1).heartbeatMs}`,
    `--election-timeout=${spec.electionMs ?? raftTiming(1).electionMs}`,
    '--logger=zap',
    '--log-outputs=stderr',
  ];
  if (spec.tls !== undefined) {
    args.push(
      `--cert-file=${spec.tls.cert}`,
      `--key-file=${spec.tls.key}`,
      `--trusted-ca-file=${spec.tls.ca}`,
      '--client-cert-auth',
    );
  }
  return args;
};
