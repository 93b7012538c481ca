import { AgentError } from '../errors/agent-error.ts';
import type { ActionDefinition } from './action.ts';

// An action declared in actions.yaml whose engine is not built yet.
export const notImplemented = (name: string): ActionDefinition => ({
  name,
  run: async () => {
    throw new AgentError(`${name} is not implemented yet`);
  },
});
