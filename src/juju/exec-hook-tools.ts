import { CommandError, type CommandRunner } from '../process/command-runner.ts';
import type { HookTools, LogLevel, Results, WorkloadStatus } from './hook-tools.ts';
import { hookToolError } from './hook-tool-error.ts';
import { assertResultKey } from './result-keys.ts';
import { progressLine } from '../progress/progress-line.ts';

const TOOL_TIMEOUT_MS = 60_000;

// The endpoint whose network the unit's own address is taken from: the peer relation etcd members talk over.
const PEER_BINDING = 'cluster';

// HookTools backed by Juju's own executables on PATH, with their exact syntax.
// Free text always follows `--`, so a message that begins with `-` is not taken for an option.
export const execHookTools = (runner: CommandRunner, env: NodeJS.ProcessEnv): HookTools => {
  const run = async (tool: string, args: string[]): Promise<string> => (await runner.run(tool, args, { env, timeoutMs: TOOL_TIMEOUT_MS })).stdout;
  const call = async (tool: string, args: string[], hint?: string): Promise<string> => {
    try {
      return await run(tool, args);
    } catch (error) {
      throw hookToolError(tool, error, hint);
    }
  };
  const json = async <T>(tool: string, args: string[], hint?: string): Promise<T> => {
    const stdout = await call(tool, [...args, '--format=json'], hint);
    try {
      return JSON.parse(stdout || 'null') as T;
    } catch (error) {
      throw hookToolError(tool, error);
    }
  };

  // Juju's config does not change while a hook or action runs: config-get runs once (once it answered), and every
  // call gets its own copy.
  let config: Record<string, unknown> | undefined;

  return {
    actionGet: async () => (await json<Record<string, unknown> | null>('action-get', [])) ?? {},
    async actionSet(results: Results) {
      const entries = Object.entries(results);
      if (entries.length === 0) return;
      entries.forEach(([key]) => assertResultKey(key));
      await call('action-set', entries.map(([k, v]) => `${k}=${v}`));
    },
    async actionFail(message: string) {
      await call('action-fail', ['--', message]);
    },
    async actionLog(message: string) {
      await call('action-log', ['--', message]);
    },
    async progress(update) {
      await call('action-log', ['--', progressLine(update)]);
    },
    async log(level: LogLevel, message: string) {
      await call('juju-log', ['--log-level', level, '--', message]);
    },
    async statusSet(status: WorkloadStatus, message: string) {
      await call('status-set', ['--', status, message]);
    },
    async configGet() {
      config ??= (await json<Record<string, unknown> | null>('config-get', [])) ?? {};
      return { ...config };
    },
    relationIds: async (relation: string) => (await json<string[] | null>('relation-ids', [relation])) ?? [],
    relationList: async (relationId: string) => (await json<string[] | null>('relation-list', ['-r', relationId])) ?? [],
    async resourceGet(name: string) {
      try {
        return (await run('resource-get', [name])).trim() || undefined;
      } catch (error) {
        // Exit 1: Juju could not give the resource (none attached); anything else is a real failure.
        if (error instanceof CommandError && error.exitCode === 1) return undefined;
        throw hookToolError('resource-get', error);
      }
    },
    applicationVersionSet: async (version) => void (await call('application-version-set', [version])),
    // The settings go as YAML (JSON) on stdin: a dashboard or rule file is too long for one argument.
    relationSet: async (relationId, settings, options = {}) => {
      try {
        await runner.run('relation-set', ['-r', relationId, ...(options.app ? ['--app'] : []), '--file', '-'], { env, timeoutMs: TOOL_TIMEOUT_MS, input: JSON.stringify(settings) });
      } catch (error) {
        throw hookToolError('relation-set', error);
      }
    },
    isLeader: async () => (await json<boolean>('is-leader', [])) === true,
    async privateAddress() {
      const address = await json<unknown>('network-get', [PEER_BINDING, '--bind-address']);
      if (typeof address !== 'string' || !address) {
        throw hookToolError('network-get', new Error(`it gave no bind address for the ${PEER_BINDING} binding`), 'set etcd-peer-url to this unit\'s peer URL');
      }
      return address;
    },
    secretGet: async (id: string, options: { refresh?: boolean } = {}) =>
      (await json<Record<string, string> | null>('secret-get', [id, ...(options.refresh ? ['--refresh'] : [])], `check that secret ${id} exists and is granted to this application (juju grant-secret)`)) ?? {},
  };
};
