import { accessSync, constants, realpathSync } from 'node:fs';
import { basename, delimiter, join } from 'node:path';
import { AgentError } from '../errors/agent-error.ts';

const SNAP_ETCDCTL = '/snap/bin/etcd.etcdctl';
const SNAP_ETCDUTL = '/snap/bin/etcd.etcdutl';
// The etcd snap's own server binary; /snap/bin/etcd is the service launcher (snap-wrap.sh), which adds
// --config-file with the unit's real config, and etcd then ignores every flag it is given.
const SNAP_ETCD = '/snap/etcd/current/bin/etcd';

const executable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

// Finds a program on a PATH-style search path, or undefined.
export const onPath = (name: string, path: string): string | undefined =>
  path.split(delimiter).filter(Boolean).map((dir) => join(dir, name)).find(executable);

// The etcdctl and etcdutl to run: configured paths first, then the etcd snap's, then PATH.
export const resolveEtcdBinaries = (config: { etcdctlPath: string; etcdutlPath: string }, searchPath: string): { etcdctl: string; etcdutl: string | undefined } => ({
  etcdctl: config.etcdctlPath || (executable(SNAP_ETCDCTL) ? SNAP_ETCDCTL : (onPath('etcdctl', searchPath) ?? 'etcdctl')),
  etcdutl: config.etcdutlPath || (executable(SNAP_ETCDUTL) ? SNAP_ETCDUTL : onPath('etcdutl', searchPath)),
});

// True when path is a snap app launcher (/snap/bin/* links to /usr/bin/snap).
const isSnapLauncher = (path: string): boolean => {
  try {
    return basename(realpathSync(path)) === 'snap';
  } catch {
    return false;
  }
};

// The etcd server binary etcd-path names (when it exists), else the snap's, else etcd on PATH; undefined when none is.
export const findEtcdServer = (config: { etcdPath: string }, searchPath: string): string | undefined => {
  if (config.etcdPath) return executable(config.etcdPath) ? config.etcdPath : undefined;
  return executable(SNAP_ETCD) ? SNAP_ETCD : onPath('etcd', searchPath);
};

// The etcd server binary for throwaway members: etcd-path, else the snap's binary, else PATH.
// Refuses a snap launcher, which would start the unit's real member instead of a throwaway one.
export const resolveEtcdServer = (config: { etcdPath: string }, searchPath: string): string => {
  const path = config.etcdPath || (executable(SNAP_ETCD) ? SNAP_ETCD : onPath('etcd', searchPath));
  if (path === undefined) throw new AgentError(`no etcd server binary: ${SNAP_ETCD} does not exist and etcd is not on PATH; install etcd or set etcd-path`);
  if (isSnapLauncher(path)) {
    throw new AgentError(`etcd-path ${path} is a snap launcher that runs etcd with the unit's own config file; set etcd-path=${SNAP_ETCD} (or leave it empty)`);
  }
  if (!executable(path)) throw new AgentError(`the etcd server binary ${path} was not found or is not executable; install etcd or set etcd-path`);
  return path;
};
