import type { AgentConfig } from '../config/agent-config.ts';
import { tlsFor } from '../config/agent-config.ts';
import type { CommandRunner } from '../process/command-runner.ts';
import { AgentError } from '../errors/agent-error.ts';
import { checkTlsFiles } from './check-tls-files.ts';
import { clusterInfoFromJson, countFromJson, serverVersionFromJson } from './etcdctl-json.ts';
import { resolveEtcdBinaries, resolveEtcdServer } from './etcd-binaries.ts';
import type { EtcdClient, RestoreOptions, RestoreTool, SnapshotStatus } from './etcd-client.ts';
import { explainEtcdError, explainLocalError } from './explain-etcd-error.ts';
import { isNoSpace, noSpaceError } from '../errors/no-space.ts';
import { dirname } from 'node:path';

// ETCDCTL_API=3, and nothing else of etcdctl's: an SRE's shell often exports ETCDCTL_ENDPOINTS and friends, and
// etcdctl refuses the flags they shadow, so no ETCDCTL_* or ETCDUTL_* variable is inherited.
const ENV = { env: { ETCDCTL_API: '3' }, dropEnv: ['ETCDCTL_', 'ETCDUTL_'] };

// The real EtcdClient: etcdctl/etcdutl through the CommandRunner.
// searchPath is the PATH the composition root read, where etcdctl, etcdutl and etcd are looked for.
export const etcdctlClient = (config: AgentConfig, runner: CommandRunner, searchPath: string): EtcdClient => {
  const endpoint = config.etcdEndpoints[0] as string;
  const tls = tlsFor(config, endpoint);
  const bins = resolveEtcdBinaries(config, searchPath);
  const seconds = `${Math.ceil(config.etcdTimeoutMs / 1000)}s`;
  const connection = [
    `--endpoints=${endpoint}`,
    `--dial-timeout=${seconds}`,
    ...(tls?.ca ? [`--cacert=${tls.ca}`] : []),
    ...(tls?.cert ? [`--cert=${tls.cert}`] : []),
    ...(tls?.key ? [`--key=${tls.key}`] : []),
  ];
  const fail = (error: unknown, what: string): never => {
    throw explainEtcdError(error, endpoint, what, config.etcdService);
  };
  // An https endpoint that etcdctl could not reach in time may be refusing TLS: ask, so the message says so. (node:tls
  // loads only then: a start that never fails never pays for it.)
  const failAsked = async (error: unknown, what: string): Promise<never> => {
    const { probeTls } = await import('./probe-tls.ts');
    const refused = await probeTls(endpoint, tls, config.etcdTimeoutMs).catch(() => undefined);
    if (refused !== undefined) throw new AgentError(`${what} failed: TLS with etcd at ${endpoint} failed (${refused}); check etcd-ca, etcd-cert and etcd-key`, { cause: error });
    return fail(error, what);
  };

  // One etcdctl query against the endpoint, its JSON output.
  const query = async (args: string[]): Promise<string> =>
    (await runner.run(bins.etcdctl, [...connection, `--command-timeout=${seconds}`, ...args, '-w', 'json'], { ...ENV, timeoutMs: queryTimeoutMs })).stdout;
  // etcdctl's own dial and command timeouts come first, so its message says what went wrong.
  const queryTimeoutMs = 2 * config.etcdTimeoutMs + 1000;

  return {
    async version() {
      try {
        const { stdout } = await runner.run(bins.etcdctl, ['version'], { ...ENV, timeoutMs: config.etcdTimeoutMs });
        return stdout.trim();
      } catch (error) {
        return fail(error, `${bins.etcdctl} version`);
      }
    },
    async save(file: string, signal?: AbortSignal) {
      await checkTlsFiles(tls);
      try {
        await runner.run(bins.etcdctl, [...connection, `--command-timeout=${Math.ceil(config.snapshotTimeoutMs / 1000)}s`, 'snapshot', 'save', file], {
          ...ENV,
          timeoutMs: config.snapshotTimeoutMs,
          ...(signal ? { signal } : {}),
        });
      } catch (error) {
        if (signal?.aborted) throw new AgentError('the snapshot was interrupted (the agent is stopping); nothing was kept');
        if (isNoSpace(error)) throw noSpaceError(dirname(file), file, error);
        fail(error, 'etcdctl snapshot save');
      }
    },
    async saveFrom(other: string, file: string, signal?: AbortSignal) {
      try {
        await runner.run(bins.etcdctl, [`--endpoints=${other}`, `--dial-timeout=${seconds}`, `--command-timeout=${Math.ceil(config.snapshotTimeoutMs / 1000)}s`, 'snapshot', 'save', file], {
          ...ENV,
          timeoutMs: config.snapshotTimeoutMs,
          ...(signal ? { signal } : {}),
        });
      } catch (error) {
        if (isNoSpace(error)) throw noSpaceError(dirname(file), file, error);
        throw explainLocalError(error, `etcdctl snapshot save from ${other}`);
      }
    },
    async status(file: string) {
      const [tool, args] = bins.etcdutl ? [bins.etcdutl, ['snapshot', 'status', file, '-w', 'json']] : [bins.etcdctl, ['snapshot', 'status', file, '-w', 'json']];
      let stdout: string;
      try {
        ({ stdout } = await runner.run(tool, args, { ...ENV, timeoutMs: config.snapshotTimeoutMs }));
      } catch (error) {
        throw explainLocalError(error, `snapshot status of ${file}`);
      }
      const status = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Partial<SnapshotStatus>;
      if (typeof status.revision !== 'number' || typeof status.totalKey !== 'number') {
        throw new AgentError(`snapshot status of ${file} printed something unexpected: ${stdout.slice(0, 200)}`);
      }
      return { hash: status.hash ?? 0, revision: status.revision, totalKey: status.totalKey, totalSize: status.totalSize ?? 0 };
    },
    async health() {
      await checkTlsFiles(tls);
      try {
        await runner.run(bins.etcdctl, [...connection, `--command-timeout=${seconds}`, 'endpoint', 'health'], { ...ENV, timeoutMs: queryTimeoutMs });
      } catch (error) {
        await failAsked(error, 'checking its health');
      }
    },
    async serverVersion() {
      await checkTlsFiles(tls);
      try {
        return serverVersionFromJson(await query(['endpoint', 'status']));
      } catch (error) {
        return failAsked(error, 'reading its version');
      }
    },
    // Both through etcdctl (a Go program that starts in milliseconds): no gRPC client is loaded into the agent.
    async cluster() {
      await checkTlsFiles(tls);
      try {
        const [members, status] = await Promise.allSettled([query(['member', 'list']), query(['endpoint', 'status'])]);
        if (members.status === 'rejected') throw members.reason;
        if (status.status === 'rejected') throw status.reason;
        return clusterInfoFromJson(members.value, status.value);
      } catch (error) {
        return failAsked(error, 'reading the member list');
      }
    },
    async keyCount(revision?: number) {
      await checkTlsFiles(tls);
      try {
        return countFromJson(await query(['get', '', '--from-key', '--keys-only', '--limit=1', ...(revision === undefined ? [] : [`--rev=${revision}`])]));
      } catch (error) {
        return fail(error, 'counting keys');
      }
    },
    serverBinary: (etcdPath) => resolveEtcdServer({ etcdPath }, searchPath),
    async restoreTool(): Promise<RestoreTool> {
      if (!bins.etcdutl) return { tool: bins.etcdctl, bumpRevision: false };
      const help = await runner
        .run(bins.etcdutl, ['snapshot', 'restore', '--help'], { ...ENV, timeoutMs: config.etcdTimeoutMs })
        .then((r) => r.stdout + r.stderr)
        .catch(() => '');
      return { tool: bins.etcdutl, bumpRevision: help.includes('--bump-revision') };
    },
    async restore(db: string, options: RestoreOptions) {
      const tool = bins.etcdutl ?? bins.etcdctl;
      const args = [
        'snapshot',
        'restore',
        db,
        `--data-dir=${options.dataDir}`,
        `--name=${options.name}`,
        `--initial-cluster=${options.name}=${options.peerUrl}`,
        `--initial-cluster-token=${options.clusterToken}`,
        `--initial-advertise-peer-urls=${options.peerUrl}`,
        ...(options.skipHashCheck ? ['--skip-hash-check=true'] : []),
        ...(options.bumpRevision > 0 ? [`--bump-revision=${options.bumpRevision}`, '--mark-compacted'] : []),
      ];
      try {
        await runner.run(tool, args, { ...ENV, timeoutMs: config.snapshotTimeoutMs });
      } catch (error) {
        if (isNoSpace(error)) throw noSpaceError(dirname(options.dataDir), options.dataDir, error);
        throw explainLocalError(error, `${tool} snapshot restore`);
      }
    },
  };
};
