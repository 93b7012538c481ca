// The agent's options, normalised: every field typed and checked.
export interface AgentConfig {
  snapshotDir: string;
  snapshotSchedule: string;
  snapshotTimezone: string;
  // Cron expression for restore drills; empty = off.
  verifySchedule: string;
  snapshotRetention: number;
  etcdEndpoints: string[];
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
  // Files bundled under pki/ in every archive.
  includePaths: string[];
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
}

// TLS files for an https endpoint; absent for plain http.
export interface TlsFiles {
  ca: string;
  cert: string;
  key: string;
}

// The TLS files to use when the endpoint speaks https.
export const tlsFor = (config: AgentConfig, endpoint: string): TlsFiles | undefined =>
  endpoint.startsWith('https://') ? { ca: config.etcdCa, cert: config.etcdCert, key: config.etcdKey } : undefined;
