// An error whose message is written for the operator: what failed, why, and what to do.
export class AgentError extends Error {
  override readonly name: string = 'AgentError';
}

// A wrong parameter, flag or option: the CLI exits 2 for these, Juju sees an action-fail.
export class UsageError extends AgentError {
  override readonly name: string = 'UsageError';
}

// The message to show an operator for any thrown value, on one line.
export const oneLine = (error: unknown): string => {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s*\n\s*/g, '; ').trim();
};
