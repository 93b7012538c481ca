import { execa } from 'execa';

// The etcdctl binary the harness runs.
export const ETCDCTL = '/usr/bin/etcdctl';

// Client TLS material for etcdctl: CA to trust, and an optional client cert and key to present.
export interface EtcdctlTls {
  ca: string;
  cert?: string;
  key?: string;
}

// Options of one etcdctl run.
export interface EtcdctlOptions {
  tls?: EtcdctlTls;
  input?: string;
  timeoutMs?: number;
}

// The environment without ETCD_* and ETCDCTL_* variables, which etcd and etcdctl would read as flags
// (ETCD_UNSUPPORTED_ARCH stays: etcd needs it on some non-amd64 machines).
export const cleanEtcdEnv = (extra: Record<string, string> = {}): Record<string, string> => {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    if (name !== 'ETCD_UNSUPPORTED_ARCH' && (name.startsWith('ETCD_') || name.startsWith('ETCDCTL_'))) continue;
    env[name] = value;
  }
  return { ...env, ...extra };
};

// The --cacert/--cert/--key flags for this TLS material.
export const tlsFlags = (tls?: EtcdctlTls): string[] => {
  if (tls === undefined) return [];
  const flags = [`--cacert=${tls.ca}`];
  if (tls.cert !== undefined) flags.push(`--cert=${tls.cert}`);
  if (tls.key !== undefined) flags.push(`--key=${tls.key}`);
  return flags;
};

// Runs etcdctl (API v3) against endpoint with args after the global flags; returns stdout, throws on failure.
// An --endpoints flag in args replaces endpoint (etcdctl would append a second one to the list, not override it).
export const runEtcdctl = async (endpoint: string, args: string[], options: EtcdctlOptions = {}): Promise<string> => {
  const own = args.some((arg) => arg === '--endpoints' || arg.startsWith('--endpoints='));
  const result = await execa(ETCDCTL, [...(own ? [] : [`--endpoints=${endpoint}`]), ...tlsFlags(options.tls), ...args], {
    env: cleanEtcdEnv({ ETCDCTL_API: '3' }),
    extendEnv: false,
    timeout: options.timeoutMs ?? 30_000,
    ...(options.input === undefined ? { stdin: 'ignore' as const } : { input: options.input }),
  });
  return result.stdout;
};
