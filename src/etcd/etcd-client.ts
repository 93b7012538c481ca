// What `snapshot status -w json` reports about a snapshot file.
export interface SnapshotStatus {
  hash: number;
  revision: number;
  totalKey: number;
  totalSize: number;
}

// What the running cluster says about itself.
export interface ClusterInfo {
  clusterId: string;
  memberCount: number;
  members: { id: string; name: string; peerUrls: string[]; clientUrls: string[] }[];
  serverVersion: string;
  revision: number;
  // Size of the member's backend database file in bytes: what a snapshot of it will take.
  dbSize: number;
}

// How to restore a snapshot into a new data directory.
export interface RestoreOptions {
  dataDir: string;
  name: string;
  peerUrl: string;
  clusterToken: string;
  // Raw copies of member/snap/db carry no integrity hash.
  skipHashCheck: boolean;
  // Revisions to add, with --mark-compacted; 0 = none. Only when restoreTool() says bumpRevision.
  bumpRevision: number;
}

// Which tool restores, and whether it can bump the revision.
export interface RestoreTool {
  tool: string;
  bumpRevision: boolean;
}

// Everything the agent asks of etcd; the real one drives etcdctl/etcdutl (capture watches over etcd's JSON gateway).
export interface EtcdClient {
  // Output of `etcdctl version`.
  version(): Promise<string>;
  // `etcdctl snapshot save` from the first endpoint into file.
  save(file: string, signal?: AbortSignal): Promise<void>;
  // `etcdctl snapshot save` from another endpoint, plain http and no TLS (a throwaway member on loopback) into file.
  saveFrom(endpoint: string, file: string, signal?: AbortSignal): Promise<void>;
  // `snapshot status -w json` of a snapshot file (etcdutl where installed).
  status(file: string): Promise<SnapshotStatus>;
  // Member list and status of the cluster (etcdctl member list and endpoint status).
  cluster(): Promise<ClusterInfo>;
  // Whether the endpoint answers (`etcdctl endpoint health`): what a hook that only reports needs, without gRPC.
  health(): Promise<void>;
  // The server's version (`etcdctl endpoint status`): what update-status shows as the workload version.
  serverVersion(): Promise<string>;
  // Live keys in the keyspace (at a revision when given), through etcdctl.
  keyCount(revision?: number): Promise<number>;
  // The etcd server binary for throwaway members: etcdPath, else the snap's, else the one on PATH (never a snap launcher).
  serverBinary(etcdPath: string): string;
  // The tool `restore` will use and what it supports.
  restoreTool(): Promise<RestoreTool>;
  // `snapshot restore` (etcdutl where installed) of db into options.dataDir, which must not exist.
  restore(db: string, options: RestoreOptions): Promise<void>;
}
