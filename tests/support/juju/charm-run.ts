import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EtcdServer } from '../etcd/server.ts';

// The repository root, which is the charm directory.
export const CHARM_DIR = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

// Charm config that points the agent at a test etcd (TLS files when it has them).
export const configFor = (etcd: EtcdServer, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  'etcd-endpoints': etcd.endpoint,
  'etcdctl-path': '/usr/bin/etcdctl',
  'etcd-timeout': 5,
  // No metrics endpoint unless a test asks: schedulers of tests run side by side, and the default binds 0.0.0.0:9494.
  'metrics-address': '',
  ...(etcd.tls ? { 'etcd-ca': etcd.tls.ca, 'etcd-cert': etcd.tls.cert, 'etcd-key': etcd.tls.key } : {}),
  ...extra,
});
