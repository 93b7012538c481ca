import { UsageError } from '../errors/agent-error.ts';
import type { OptionSpec } from '../charm/charm-files.ts';
import type { AgentConfig } from './agent-config.ts';
import { existsSync } from 'node:fs';
import { parseRecipients } from '../archive/age-keys.ts';
import { parseCompression } from '../archive/compression-spec.ts';
import { jujuNaming, type Naming } from './naming.ts';

// include-paths: explicit absolute paths, "none", or empty for the TLS files in use.
const includePaths = (value: string, defaults: string[], naming: Naming): string[] => {
  if (value === '') return defaults;
  if (value === 'none') return [];
  const paths = value.split(/[\s,]+/).filter(Boolean);
  const relative = paths.find((p) => !p.startsWith('/'));
  if (relative) throw new UsageError(`invalid ${naming.subject('option', 'include-paths', value)}: ${relative} is not an absolute path`);
  return [...new Set(paths)];
};

type Raw = Record<string, unknown>;

// What options left unset mean while etcd-install is true: the member the charm installs (Debian's unit name, a
// data dir of its own, plain http on loopback: there is no CA to sign certificates with).
export const INSTALLED_ETCD_DEFAULTS: Readonly<Record<string, string>> = {
  'etcd-service': 'etcd',
  'etcd-data-dir': '/var/lib/etcd/etcd-agent',
  'etcd-endpoints': 'http://127.0.0.1:2379',
  'etcd-peer-url': 'http://127.0.0.1:2380',
};

// A host name that stays on this machine: localhost, 127.0.0.0/8, ::1.
const isLoopback = (host: string): boolean => host === 'localhost' || host === '[::1]' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);

// metrics-address: host:port (IPv6 hosts in brackets), or empty for no metrics endpoint.
const metricsAddress = (value: string, bad: (name: string, value: unknown, why: string) => UsageError): { host: string; port: number } | undefined => {
  if (value === '') return undefined;
  const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value);
  if (!match) throw bad('metrics-address', value, 'must be host:port such as 0.0.0.0:9494 or [::]:9494, or empty to turn the metrics endpoint off');
  const port = Number(match[2]);
  if (port < 1 || port > 65535) throw bad('metrics-address', value, 'has a port outside 1-65535');
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
};

// Applies config.yaml defaults, checks every option's type, then the agent's own rules; messages name options the
// way the surface does (naming: Juju's by default).
export const normalizeConfig = (raw: Raw, specs: Record<string, OptionSpec>, naming: Naming = jujuNaming): AgentConfig => {
  const bad = (name: string, value: unknown, why: string): UsageError => new UsageError(`invalid ${naming.subject('option', name, value)}: ${why}`);
  const n = (name: string): string => naming.name('option', name);
  const unknown = Object.keys(raw).filter((k) => !(k in specs));
  if (unknown.length > 0) throw new UsageError(`unknown config option ${unknown.join(', ')}; see config.yaml for the options`);
  let installDefaults: Readonly<Record<string, string>> = {};
  const value = (name: string): unknown => raw[name] ?? installDefaults[name] ?? specs[name]?.default;
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
  const bounded = (name: string, min: number, max: number): number => {
    const n = int(name, min);
    if (n > max) throw bad(name, value(name), `must be at most ${max}`);
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
  // An option the charm does not declare (the subordinate has no etcd-install) reads as false.
  const etcdInstall = bool('etcd-install');
  if (etcdInstall) installDefaults = INSTALLED_ETCD_DEFAULTS;
  const peerUrl = str('etcd-peer-url');
  if (peerUrl && !/^https?:\/\/[^/\s]+:\d+$/.test(peerUrl)) throw bad('etcd-peer-url', peerUrl, 'must look like https://10.0.0.5:2380');
  const etcdEndpoints = endpoints('etcd-endpoints');
  const recipients = parseRecipients(str('encryption-recipients'), n('encryption-recipients'));
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
    throw bad('s3-endpoint', s3Endpoint, `is plain http to another host, so credentials and snapshots would cross the network unencrypted; use https://, or set ${n('s3-allow-http')}=true to accept that`);
  }
  const s3Ca = absPath('s3-ca', true);
  const s3Retries = int('s3-retries', 0);
  const accessKey = str('s3-access-key');
  const secretKey = str('s3-secret-key');
  const credentialsSecret = str('s3-credentials-secret');
  if (bucket && !credentialsSecret && (!accessKey || !secretKey)) {
    const secret = naming.offers('option', 's3-credentials-secret') ? `${n('s3-credentials-secret')} (a Juju secret with access-key and secret-key) or ` : '';
    throw new UsageError(`${n('s3-bucket')} is set but no credentials are: set ${secret}both ${n('s3-access-key')} and ${n('s3-secret-key')}`);
  }
  if (bucket && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw bad('s3-bucket', bucket, 'is not a valid bucket name (3-63 lowercase letters, digits, dots, hyphens)');
  return {
    snapshotDir: absPath('snapshot-dir'),
    snapshotSchedule: str('snapshot-schedule'),
    snapshotTimezone: str('snapshot-timezone') || 'UTC',
    verifySchedule: str('verify-schedule'),
    snapshotRetention: int('snapshot-retention', 1),
    etcdEndpoints,
    etcdInstall,
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
    snapshotCompression: parseCompression(str('snapshot-compression'), naming.subject('option', 'snapshot-compression', value('snapshot-compression'))),
    includePaths: includePaths(includeValue, tlsDefaults, naming),
    pkiKeysOmitted,
    metricsAddress: metricsAddress(str('metrics-address'), bad),
    deltaIntervalSeconds: bounded('delta-interval', 0, 3600),
    deltaMaxBytes: bounded('delta-max-bytes', 65_536, 1_073_741_824),
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
