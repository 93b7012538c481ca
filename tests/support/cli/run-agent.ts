import { execa } from 'execa';
import { join } from 'node:path';
import { CHARM_DIR } from '../juju/charm-run.ts';

// bin/etcd-agent of this checkout.
export const BIN = join(CHARM_DIR, 'bin', 'etcd-agent');

// The test's own environment without anything an operator's shell might have exported for the agent or etcdctl.
const cleanEnv = (): Record<string, string> =>
  Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !/^(ETCD_AGENT_|ETCDCTL_)/.test(e[0])));

// Runs bin/etcd-agent with args and extra environment; never reads /etc/etcd-agent/config.yaml (the default config
// file points at a path that does not exist unless env says otherwise). Never rejects.
export const runAgent = (args: string[], env: Record<string, string> = {}) =>
  execa(BIN, args, {
    reject: false,
    extendEnv: false,
    env: { ...cleanEnv(), NODE_OPTIONS: '', ETCD_AGENT_DEFAULT_CONFIG_FILE: join(CHARM_DIR, 'no-such-config.yaml'), ...env },
  });
