import { AgentError, UsageError } from '../errors/agent-error.ts';
import type { HookTools, LogLevel, Results, WorkloadStatus } from '../juju/hook-tools.ts';
import { progressBar } from '../progress/progress-bar.ts';
import { progressLine } from '../progress/progress-line.ts';
import { stderrTerminal, type Terminal } from './terminal.ts';

// The CLI's stand-in for Juju: params and config from flags, results kept for printing.
export interface LocalTools extends HookTools {
  readonly results: Results;
  readonly failure: string | undefined;
}

// Takes a message out of a multiset; true when it was there.
const taken = (messages: Map<string, number>, message: string): boolean => {
  const count = messages.get(message);
  if (count === undefined) return false;
  if (count > 1) messages.set(message, count - 1);
  else messages.delete(message);
  return true;
};

const put = (messages: Map<string, number>, message: string): void => void messages.set(message, (messages.get(message) ?? 0) + 1);

// Builds LocalTools; progress and logs go to the given writer (stderr). An action's progress message is both
// action-logged and logged (Juju keeps them apart); here both land on stderr, so the second of the pair is dropped.
// On a terminal (stderr a TTY) byte progress is a bar redrawn in place; elsewhere a line per report.
export const localTools = (
  params: Record<string, unknown>,
  config: Record<string, unknown>,
  write: (line: string) => void,
  verbose: boolean,
  terminal: Terminal | undefined = stderrTerminal(),
): LocalTools => {
  const results: Results = {};
  let failure: string | undefined;
  const shown = new Set<LogLevel>(verbose ? ['DEBUG', 'INFO', 'WARNING', 'ERROR'] : ['WARNING']);
  const actionLogged = new Map<string, number>();
  const logged = new Map<string, number>();
  let barOpen = false;
  const line = (text: string): void => {
    if (barOpen && terminal) terminal.write('\r\x1b[K');
    barOpen = false;
    write(text);
  };
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
    actionLog: async (message) => {
      if (taken(logged, message)) return;
      put(actionLogged, message);
      line(message);
    },
    progress: async (update) => {
      if (!terminal) return line(progressLine(update));
      terminal.write(progressBar(update, terminal.columns));
      barOpen = !update.done;
    },
    log: async (level: LogLevel, message: string) => {
      if (!shown.has(level) || taken(actionLogged, message)) return;
      put(logged, message);
      line(`${level.toLowerCase()}: ${message}`);
    },
    statusSet: async (status: WorkloadStatus, message: string) => line(`status: ${status} ${message}`),
    configGet: async () => ({ ...config }),
    relationIds: async () => [],
    relationList: async () => [],
    relationSet: async () => undefined,
    applicationVersionSet: async () => undefined,
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
