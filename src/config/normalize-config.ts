import { UsageError } from '../errors/agent-error.ts';
import type { OptionSpec } from '../charm/charm-files.ts';
import type { AgentConfig } from './agent-config.ts';
import { existsSync } from 'node:fs';
import { parseRecipients } from '../archive/age-encryption.ts';
import { parseCompression } from '../archive/compression.ts';

// include-paths: explicit absolute paths, "none", or empty for the TLS files in use.
const includePaths = (value: string, defaults: string[]): string[] => {
  if (value === '') return defaults;
  if (value === 'none') return [];
  const paths = value.split(/[\s,]+/).filter(Boolean);
  const relative = paths.find((p) => !p.startsWith('/'));
  if (relative) throw new UsageError(`invalid config option include-paths=${JSON.stringify(value)}: ${relative} is not an absolute path`);
  return [...new Set(paths)];
};

type Raw = Record<string, unknown>;

// A host name that stays on this machine: localhost, 127.0.0.0/8, ::1.
const isLoopback = (host: string): boolean => host === 'localhost' || host === '[::1]' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);

const shown = (value: unknown): string => JSON.stringify(value) ?? String(value);

// Options whose values are never repeated in a message.
const SECRET_OPTIONS = new Set(['s3-access-key', 's3-secret-key']);

const bad = (name: string, value: unknown, why: string): UsageError =>
  new UsageError(`invalid config option ${name}=${SECRET_OPTIONS.has(name) ? '(hidden)' : shown(value)}: ${why}`);

// metrics-address: host:port (IPv6 hosts in brackets), or empty for no metrics endpoint.
const metricsAddress = (value: string): { host: string; port: number } | undefined => {
  if (value === '') return undefined;
  const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value);
  if (!match) throw bad('metrics-address', value, 'must be host:port such as 0.0.0.0:9494 or [::]:9494, or empty to turn the metrics endpoint off');
  const port = Number(match[2]);
  if (port < 1 || port > 65535) throw bad('metrics-address', value, 'has a port outside 1-65535');
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
};

// Applies config.yaml defaults, checks every option's type, then the agent's own rules.
export const normalizeConfig = (raw: Raw, specs: Record<string, OptionSpec>): AgentConfig => {
  const unknown = Object.keys(raw).filter((k) => !(k in specs));
  if (unknown.length > 0) throw new UsageError(`unknown config option ${unknown.join(', ')}; see config.yaml for the options`);
  const value = (name: string): unknown => raw[name] ?? specs[name]?.default;
  const str = (name: string): string => {
    const v = value(name) ?? '';
    if (typeof v !== 'string') throw bad(name, v, 'must be a string');
    return v.trim();
  };
  const int = (name: string, min: number): number => {
    const v = value(name);
    const n = typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n)) throw bad(name, v, 'must be a whole number');
    if (n < min) throw bad(name, v, `must be at least ${min}`);
    return n;
  };
  const bool = (name: string): boolean => {
    const v = value(name);
    if (v === 'true' || v === true) return true;
    if (v === 'false' || v === false || v === undefined) return false;
    throw bad(name, v, 'must be true or false');
  };
  const absPath = (name: string, allowEmpty = false): string => {
    const v = str(name);
    if (v === '' && allowEmpty) return v;
    if (!v.startsWith('/')) throw bad(name, v, 'must be an absolute path');
    return v;
  };
  const endpoints = (name: string): string[] => {
    const list = str(name).split(',').map((e) => e.trim()).filter(Boolean);
    if (list.length === 0) throw bad(name, value(name), 'needs at least one URL such as https://127.0.0.1:2379');
    for (const e of list) {
      let url: URL;
      try {
        url = new URL(e);
      } catch {
        throw bad(name, e, 'is not a URL; write it like https://127.0.0.1:2379');
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw bad(name, e, 'must use http:// or https://');
      if (!url.port) throw bad(name, e, 'needs a port, e.g. https://127.0.0.1:2379');
    }
    return list.map((e) => e.replace(/\/+$/, ''));
  };
  const peerUrl = str('etcd-peer-url');
  if (peerUrl && !/^https?:\/\/[^/\s]+:\d+$/.test(peerUrl)) throw bad('etcd-peer-url', peerUrl, 'must look like https://10.0.0.5:2380');
  const etcdEndpoints = endpoints('etcd-endpoints');
  const recipients = parseRecipients(str('encryption-recipients'));
  // By default the CA and certificate in use are bundled; the private key only into encrypted archives.
  const tls = etcdEndpoints[0]?.startsWith('https://') ? { public: [absPath('etcd-ca', true), absPath('etcd-cert', true)], key: absPath('etcd-key', true) } : undefined;
  const present = (p: string): boolean => p !== '' && existsSync(p);
  const keyPresent = tls !== undefined && present(tls.key);
  const tlsDefaults = tls ? [...tls.public.filter(present), ...(keyPresent && recipients.length > 0 ? [tls.key] : [])] : [];
  const includeValue = str('include-paths');
  const pkiKeysOmitted = includeValue === '' && keyPresent && recipients.length === 0 && tls ? [tls.key] : [];
  const bucket = str('s3-bucket');
  const forcePathStyle = bool('s3-force-path-style');
  const s3Endpoint = str('s3-endpoint');
  if (s3Endpoint && !/^https?:\/\/[^/\s]+/.test(s3Endpoint)) throw bad('s3-endpoint', s3Endpoint, 'must be a URL such as https://minio.example:9000');
  const allowHttp = bool('s3-allow-http');
  if (s3Endpoint.startsWith('http://') && !allowHttp && !isLoopback(new URL(s3Endpoint).hostname)) {
    throw bad('s3-endpoint', s3Endpoint, 'is plain http to another host, so credentials and snapshots would cross the network unencrypted; use https://, or set s3-allow-http=true to accept that');
  }
  const s3Ca = absPath('s3-ca', true);
  const s3Retries = int('s3-retries', 0);
  const accessKey = str('s3-access-key');
  const secretKey = str('s3-secret-key');
  const credentialsSecret = str('s3-credentials-secret');
  if (bucket && !credentialsSecret && (!accessKey || !secretKey)) {
    throw new UsageError('s3-bucket is set but no credentials are: set s3-credentials-secret (a Juju secret with access-key and secret-key) or both s3-access-key and s3-secret-key');
  }
  if (bucket && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw bad('s3-bucket', bucket, 'is not a valid bucket name (3-63 lowercase letters, digits, dots, hyphens)');
  return {
    snapshotDir: absPath('snapshot-dir'),
    snapshotSchedule: str('snapshot-schedule'),
    snapshotTimezone: str('snapshot-timezone') || 'UTC',
    verifySchedule: str('verify-schedule'),
    snapshotRetention: int('snapshot-retention', 1),
    etcdEndpoints,
    etcdCa: absPath('etcd-ca', true),
    etcdCert: absPath('etcd-cert', true),
    etcdKey: absPath('etcd-key', true),
    etcdDataDir: absPath('etcd-data-dir'),
    etcdService: str('etcd-service') || 'snap.etcd.etcd',
    etcdName: str('etcd-name'),
    etcdPeerUrl: peerUrl,
    etcdctlPath: str('etcdctl-path'),
    etcdutlPath: str('etcdutl-path'),
    etcdPath: str('etcd-path'),
    etcdTimeoutMs: int('etcd-timeout', 1) * 1000,
    snapshotTimeoutMs: int('snapshot-timeout', 1) * 1000,
    restoreHealthTimeoutMs: int('restore-health-timeout', 1) * 1000,
    lockTimeoutMs: int('lock-timeout', 0) * 1000,
    encryptionRecipients: recipients,
    snapshotCompression: parseCompression(str('snapshot-compression')),
    includePaths: includePaths(includeValue, tlsDefaults),
    pkiKeysOmitted,
    metricsAddress: metricsAddress(str('metrics-address')),
    s3: bucket
      ? {
          endpoint: s3Endpoint,
          bucket,
          region: str('s3-region') || 'us-east-1',
          prefix: str('s3-prefix').replace(/^\/+|\/+$/g, ''),
          forcePathStyle,
          accessKey,
          secretKey,
          credentialsSecret,
          ca: s3Ca,
          retries: s3Retries,
          allowUnencrypted: bool('s3-allow-unencrypted'),
          allowHttp,
        }
      : undefined,
  };
};
