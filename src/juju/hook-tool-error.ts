import { AgentError, oneLine } from '../errors/agent-error.ts';
import { CommandError } from '../process/command-runner.ts';

// What a failed hook tool said, without the `ERROR ` juju/cmd puts before every message.
const reasonOf = (tool: string, error: unknown): string => {
  if (error instanceof SyntaxError) return 'it printed something that is not JSON';
  if (!(error instanceof CommandError)) return oneLine(error);
  if (error.notFound) return `${tool} is not on PATH or not executable (the agent must run inside a Juju hook or action)`;
  if (error.timedOut) return 'it timed out (the unit agent did not answer)';
  return error.reason.replace(/^ERROR\s+/, '');
};

// The one place a failed hook tool becomes the agent's error: `<tool> failed: <its last stderr line>`,
// an optional sentence on what to do, and the CommandError kept as the cause for the debug log.
export const hookToolError = (tool: string, error: unknown, hint?: string): AgentError =>
  new AgentError(`${tool} failed: ${oneLine(reasonOf(tool, error))}${hint ? `; ${hint}` : ''}`, { cause: error });

