import { AgentError } from '../errors/agent-error.ts';
import { CommandError, type CommandRunner } from '../process/command-runner.ts';
import type { HookTools, LogLevel, Results, WorkloadStatus } from './hook-tools.ts';
import { assertResultKey } from './result-keys.ts';

const TOOL_TIMEOUT_MS = 60_000;

// HookTools backed by Juju's own executables on PATH, with their exact syntax.
export const execHookTools = (runner: CommandRunner, env: NodeJS.ProcessEnv): HookTools => {
  const call = async (tool: string, args: string[]): Promise<string> => {
    const { stdout } = await runner.run(tool, args, { env, timeoutMs: TOOL_TIMEOUT_MS });
    return stdout;
  };
  const json = async <T>(tool: string, args: string[]): Promise<T> => JSON.parse((await call(tool, [...args, '--format=json'])) || 'null') as T;

  return {
    actionGet: async () => (await json<Record<string, unknown> | null>('action-get', [])) ?? {},
    async actionSet(results: Results) {
      const entries = Object.entries(results);
      if (entries.length === 0) return;
      entries.forEach(([key]) => assertResultKey(key));
      await call('action-set', entries.map(([k, v]) => `${k}=${v}`));
    },
    async actionFail(message: string) {
      await call('action-fail', [message]);
    },
    async actionLog(message: string) {
      await call('action-log', [message]);
    },
    async log(level: LogLevel, message: string) {
      await call('juju-log', ['--log-level', level, '--', message]);
    },
    async statusSet(status: WorkloadStatus, message: string) {
      await call('status-set', [status, message]);
    },
    configGet: async () => (await json<Record<string, unknown> | null>('config-get', [])) ?? {},
    relationIds: async (relation: string) => (await json<string[] | null>('relation-ids', [relation])) ?? [],
    relationList: async (relationId: string) => (await json<string[] | null>('relation-list', ['-r', relationId])) ?? [],
    async resourceGet(name: string) {
      try {
        const path = await call('resource-get', [name]);
        return path.trim() || undefined;
      } catch (error) {
        if (error instanceof CommandError && error.exitCode === 1) return undefined;
        throw error;
      }
    },
    isLeader: async () => (await json<boolean>('is-leader', [])) === true,
    privateAddress: async () => (await call('unit-get', ['private-address'])).trim(),
    async secretGet(id: string, options: { refresh?: boolean } = {}) {
      try {
        return (await json<Record<string, string> | null>('secret-get', [id, ...(options.refresh ? ['--refresh'] : [])])) ?? {};
      } catch (error) {
        const reason = error instanceof CommandError ? error.reason : String(error);
        throw new AgentError(`could not read Juju secret ${id}: ${reason}; check that the secret exists and is granted to this application (juju grant-secret)`);
      }
    },
  };
};
