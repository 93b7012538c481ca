import { AgentError } from '../errors/agent-error.ts';

const SEGMENT = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
const RESERVED = new Set(['stdout', 'stderr', 'stdout-encoding', 'stderr-encoding']);

// Checks a result key the way action-set does, so a bad key is caught before any is set.
export const assertResultKey = (key: string): void => {
  for (const segment of key.split('.')) {
    if (!SEGMENT.test(segment)) {
      throw new AgentError(`internal error: result key "${key}" is not valid for action-set (segment "${segment}")`);
    }
    if (RESERVED.has(segment)) {
      throw new AgentError(`internal error: result key "${key}" uses the reserved name "${segment}"`);
    }
  }
};

// Turns flat dotted results into the nested document `juju run` prints.
export const nestResults = (results: Record<string, string>): Record<string, unknown> => {
  const root: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(results)) {
    const parts = key.split('.');
    let node = root;
    for (const part of parts.slice(0, -1)) {
      const next = node[part];
      if (typeof next !== 'object' || next === null) node[part] = {};
      node = node[part] as Record<string, unknown>;
    }
    node[parts.at(-1) as string] = value;
  }
  return root;
};
