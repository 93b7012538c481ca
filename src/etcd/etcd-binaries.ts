import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

const SNAP_ETCDCTL = '/snap/bin/etcd.etcdctl';
const SNAP_ETCDUTL = '/snap/bin/etcd.etcdutl';

const executable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

// Finds a program on PATH, or undefined.
export const onPath = (name: string, path = process.env.PATH ?? ''): string | undefined =>
  path.split(delimiter).filter(Boolean).map((dir) => join(dir, name)).find(executable);

// The etcdctl and etcdutl to run: configured paths first, then the etcd snap's, then PATH.
export const resolveEtcdBinaries = (config: { etcdctlPath: string; etcdutlPath: string }): { etcdctl: string; etcdutl: string | undefined } => ({
  etcdctl: config.etcdctlPath || (executable(SNAP_ETCDCTL) ? SNAP_ETCDCTL : (onPath('etcdctl') ?? 'etcdctl')),
  etcdutl: config.etcdutlPath || (executable(SNAP_ETCDUTL) ? SNAP_ETCDUTL : onPath('etcdutl')),
});
