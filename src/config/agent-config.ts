// The agent's options, normalised: every field typed and checked.
export interface AgentConfig {
  snapshotDir: string;
  snapshotSchedule: string;
  snapshotTimezone: string;
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
  etcdTimeoutMs: number;
  snapshotTimeoutMs: number;
  restoreHealthTimeoutMs: number;
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
