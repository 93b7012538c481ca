import { AgentError, UsageError } from '../errors/agent-error.ts';
import type { HookTools, LogLevel, Results, WorkloadStatus } from '../juju/hook-tools.ts';

// The CLI's stand-in for Juju: params and config from flags, results kept for printing.
export interface LocalTools extends HookTools {
  readonly results: Results;
  readonly failure: string | undefined;
}

// Builds LocalTools; progress and logs go to the given writer (stderr).
export const localTools = (
  params: Record<string, unknown>,
  config: Record<string, unknown>,
  write: (line: string) => void,
  verbose: boolean,
): LocalTools => {
  const results: Results = {};
  let failure: string | undefined;
  const shown = new Set<LogLevel>(verbose ? ['DEBUG', 'INFO', 'WARNING', 'ERROR'] : ['WARNING']);
  return {
    get results() {
      return results;
    },
    get failure() {
      return failure;
    },
    actionGet: async () => ({ ...params }),
    actionSet: async (more) => void Object.assign(results, more),
    actionFail: async (message) => void (failure = message),
    actionLog: async (message) => write(message),
    log: async (level: LogLevel, message: string) => {
      if (shown.has(level)) write(`${level.toLowerCase()}: ${message}`);
    },
    statusSet: async (status: WorkloadStatus, message: string) => write(`status: ${status} ${message}`),
    configGet: async () => ({ ...config }),
    relationIds: async () => [],
    relationList: async () => [],
    // Outside Juju no resource is attached: an empty --source is the only way to ask for one.
    resourceGet: async (name: string) => {
      throw new UsageError(`no --source given, and the ${name} resource exists only inside Juju: pass --source <archive path or a name list shows>`);
    },
    isLeader: async () => true,
    privateAddress: async () => '127.0.0.1',
    secretGet: async (id: string) => {
      throw new AgentError(`Juju secrets such as ${id} exist only inside Juju; pass the value with a file option instead`);
    },
  };
};
