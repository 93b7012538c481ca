#!/usr/bin/env node
// The composition root: the one place real implementations are built and handed down.
import { resolve } from 'node:path';
import { loadCharmFiles } from '../charm/charm-files.ts';
import { systemClock } from '../clock/clock.ts';
import { etcdctlClient } from '../etcd/etcdctl-client.ts';
import { isJuju, parseJujuContext } from '../juju/context.ts';
import { execHookTools } from '../juju/exec-hook-tools.ts';
import { execaRunner } from '../process/execa-runner.ts';
import { hostCodecs } from '../archive/codecs.ts';
import { onPath } from '../etcd/etcd-binaries.ts';
import { systemctl } from '../system/service-manager.ts';
import { flockLock } from '../system/unit-lock.ts';
import { unitLockPath } from '../engine/lock-path.ts';
import type { AgentConfig } from '../config/agent-config.ts';
import { makeStores } from './make-stores.ts';

const main = async (): Promise<number> => {
  // Every environment variable the agent uses is read here, once.
  const searchPath = process.env.PATH ?? '';
  const charm = await loadCharmFiles();
  const deps = {
    clock: systemClock,
    service: systemctl(execaRunner),
    runner: execaRunner,
    codecs: hostCodecs(execaRunner, onPath('igzip', searchPath)),
    makeEtcd: (config: AgentConfig) => etcdctlClient(config, execaRunner, searchPath),
    makeStores,
    makeLock: async (config: AgentConfig) => flockLock(await unitLockPath(config.etcdDataDir), execaRunner, () => systemClock.now()),
  };
  if (isJuju(process.env)) {
    const context = parseJujuContext(process.env, process.argv[1]);
    // Each surface loads only its own code: a hook never loads the CLI's flag parser, the CLI never the hooks.
    const { runJuju } = await import('./juju-main.ts');
    return runJuju(context, execHookTools(execaRunner, process.env), charm, {
      ...deps,
      paths: {
        unitDir: process.env.ETCD_AGENT_SYSTEMD_DIR ?? '/etc/systemd/system',
        stateDir: process.env.ETCD_AGENT_STATE_DIR ?? '/var/lib/etcd-agent',
      },
      searchPath,
      agent: { node: process.execPath, main: resolve(process.argv[1] ?? '') },
    });
  }
  const { runLocal } = await import('./local-main.ts');
  return runLocal(process.argv.slice(2), charm, {
    ...deps,
    env: process.env,
    // Tests point this away from /etc; an operator sets --config-file or ETCD_AGENT_CONFIG_FILE instead.
    defaultConfigFile: process.env.ETCD_AGENT_DEFAULT_CONFIG_FILE ?? '/etc/etcd-agent/config.yaml',
  });
};

let finished = false;
process.on('beforeExit', () => {
  if (finished) return;
  finished = true;
  process.stderr.write('etcd-agent: internal error: the agent stopped before it finished; see the log\n');
  process.exitCode = 1;
});

main().then(
  (code) => {
    finished = true;
    process.exitCode = code;
  },
  (error: unknown) => {
    finished = true;
    process.stderr.write(`etcd-agent: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
