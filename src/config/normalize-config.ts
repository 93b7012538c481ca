import { UsageError } from '../errors/agent-error.ts';
import type { OptionSpec } from '../charm/charm-files.ts';
import type { AgentConfig } from './agent-config.ts';

type Raw = Record<string, unknown>;

const shown = (value: unknown): string => JSON.stringify(value) ?? String(value);

const bad = (name: string, value: unknown, why: string): UsageError =>
  new UsageError(`invalid config option ${name}=${shown(value)}: ${why}`);

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
  const bucket = str('s3-bucket');
  const forcePathStyle = bool('s3-force-path-style');
  return {
    snapshotDir: absPath('snapshot-dir'),
    snapshotSchedule: str('snapshot-schedule'),
    snapshotTimezone: str('snapshot-timezone') || 'UTC',
    snapshotRetention: int('snapshot-retention', 1),
    etcdEndpoints: endpoints('etcd-endpoints'),
    etcdCa: absPath('etcd-ca', true),
    etcdCert: absPath('etcd-cert', true),
    etcdKey: absPath('etcd-key', true),
    etcdDataDir: absPath('etcd-data-dir'),
    etcdService: str('etcd-service') || 'snap.etcd.etcd',
    etcdName: str('etcd-name'),
    etcdPeerUrl: peerUrl,
    etcdctlPath: str('etcdctl-path'),
    etcdutlPath: str('etcdutl-path'),
    etcdTimeoutMs: int('etcd-timeout', 1) * 1000,
    snapshotTimeoutMs: int('snapshot-timeout', 1) * 1000,
    restoreHealthTimeoutMs: int('restore-health-timeout', 1) * 1000,
    s3: bucket
      ? {
          endpoint: str('s3-endpoint'),
          bucket,
          region: str('s3-region'),
          prefix: str('s3-prefix'),
          forcePathStyle,
          accessKey: str('s3-access-key'),
          secretKey: str('s3-secret-key'),
          credentialsSecret: str('s3-credentials-secret'),
        }
      : undefined,
  };
};
