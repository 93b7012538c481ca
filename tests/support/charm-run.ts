import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extract } from 'tar';
import type { EtcdServer } from '../helpers/etcd-server.ts';

// The repository root, which is the charm directory.
export const CHARM_DIR = resolve(fileURLToPath(new URL('../..', import.meta.url)));

// Charm config that points the agent at a test etcd (TLS files when it has them).
export const configFor = (etcd: EtcdServer, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  'etcd-endpoints': etcd.endpoint,
  'etcdctl-path': '/usr/bin/etcdctl',
  'etcd-timeout': 5,
  ...(etcd.tls ? { 'etcd-ca': etcd.tls.ca, 'etcd-cert': etcd.tls.cert, 'etcd-key': etcd.tls.key } : {}),
  ...extra,
});

// A fresh temporary directory removed when the test ends.
export const tempDir = async (t: { teardown(fn: () => unknown): void }, prefix: string): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), `${prefix}-`));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
};

// Unpacks an archive into a new directory and returns it.
export const unpack = async (archive: string, into: string): Promise<string[]> => {
  await extract({ file: archive, cwd: into });
  return (await readdir(into)).sort();
};

// Every entry of a directory, hidden ones included, or [] when it does not exist.
export const listDir = async (dir: string): Promise<string[]> => (await readdir(dir).catch(() => [] as string[])).sort();
