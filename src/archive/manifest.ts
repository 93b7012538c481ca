// The manifest's file name inside the archive.
export const MANIFEST_NAME = 'etcd-snapshot.json';

// The database's file name inside the archive.
export const DB_NAME = 'db';

// What a snapshot archive says about itself (etcd-snapshot.json).
export interface Manifest {
  format: 1;
  created: string;
  trigger: 'manual' | 'scheduled';
  unit: string;
  revision: number;
  totalKeys: number;
  // Live keys in the keyspace at `revision`, counted when the snapshot was taken (absent if etcd could not say).
  keyCount?: number;
  hash: number;
  size: number;
  dbSha256: string;
  clusterId: string;
  memberCount: number;
  etcdVersion: string;
  etcdctlVersion: string;
  endpoint: string;
  // How the tar is compressed (zstd:1, gzip:6, none); absent in archives of earlier versions (gzip).
  compression?: string;
  // Files bundled under pki/ (include-paths): where they came from and their SHA-256.
  pki?: { path: string; name: string; sha256: string; bytes: number }[];
  // Private keys the default include-paths left out, and why.
  pkiKeysOmitted?: { path: string; reason: string }[];
}
