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
}

// Everything the agent asks of etcd; the real one drives etcdctl/etcdutl and the etcd3 client.
export interface EtcdClient {
  // Output of `etcdctl version`.
  version(): Promise<string>;
  // `etcdctl snapshot save` from the first endpoint into file.
  save(file: string): Promise<void>;
  // `snapshot status -w json` of a snapshot file (etcdutl where installed).
  status(file: string): Promise<SnapshotStatus>;
  // Member list and status of the cluster, through the etcd3 client.
  cluster(): Promise<ClusterInfo>;
}
