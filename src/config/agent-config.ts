import type { Compression } from '../archive/compression-spec.ts';
// The agent's options, normalised: every field typed and checked.
export interface AgentConfig {
  snapshotDir: string;
  snapshotSchedule: string;
  snapshotTimezone: string;
  // Cron expression for restore drills; empty = off.
  verifySchedule: string;
  snapshotRetention: number;
  etcdEndpoints: string[];
  // Install and run one etcd member when the unit has none (principal charm only; false when the option is absent).
  etcdInstall: boolean;
  etcdCa: string;
  etcdCert: string;
  etcdKey: string;
  etcdDataDir: string;
  etcdService: string;
  etcdName: string;
  etcdPeerUrl: string;
  etcdctlPath: string;
  etcdutlPath: string;
  etcdPath: string;
  etcdTimeoutMs: number;
  snapshotTimeoutMs: number;
  restoreHealthTimeoutMs: number;
  // How long a run waits for the unit's lock while another one holds it (0 = not at all).
  lockTimeoutMs: number;
  // age public keys; empty = plain archives.
  encryptionRecipients: string[];
  // How archives are compressed (snapshot-compression).
  snapshotCompression: Compression;
  // Files bundled under pki/ in every archive.
  includePaths: string[];
  // Private keys the default include-paths left out because archives are not encrypted.
  pkiKeysOmitted: string[];
  // Where the scheduler serves /metrics (metrics-address); undefined = not served.
  metricsAddress: { host: string; port: number } | undefined;
  // Seconds between closed delta segments of point-in-time capture (delta-interval); 0 = no capture.
  deltaIntervalSeconds: number;
  // JSON bytes at which an open delta segment is closed early (delta-max-bytes).
  deltaMaxBytes: number;
  s3: S3Config | undefined;
}

// Off-unit storage settings; present only when a bucket is configured.
export interface S3Config {
  endpoint: string;
  bucket: string;
  region: string;
  prefix: string;
  forcePathStyle: boolean;
  accessKey: string;
  secretKey: string;
  credentialsSecret: string;
  ca: string;
  retries: number;
  // Upload archives that are not encrypted (s3-allow-unencrypted); refused otherwise.
  allowUnencrypted: boolean;
  // Plain http to a host that is not loopback was accepted (s3-allow-http).
  allowHttp: boolean;
}

// Why off-site copies must not be made as configured, if they must not: S3 without encryption, not accepted.
export const unencryptedUploadProblem = (config: Pick<AgentConfig, 's3' | 'encryptionRecipients'>): string | undefined =>
  config.s3 && config.encryptionRecipients.length === 0 && !config.s3.allowUnencrypted
    ? 'off-site copies would carry every Kubernetes Secret in clear: set encryption-recipients (age public keys) to encrypt them, or s3-allow-unencrypted=true to upload unencrypted archives'
    : undefined;

// TLS files for an https endpoint; absent for plain http.
export interface TlsFiles {
  ca: string;
  cert: string;
  key: string;
}

// The TLS files to use when the endpoint speaks https.
export const tlsFor = (config: AgentConfig, endpoint: string): TlsFiles | undefined =>
  endpoint.startsWith('https://') ? { ca: config.etcdCa, cert: config.etcdCert, key: config.etcdKey } : undefined;
