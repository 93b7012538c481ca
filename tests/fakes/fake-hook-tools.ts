import { AgentError } from '../../src/errors/agent-error.ts';
import type { HookTools, LogLevel, Results, WorkloadStatus } from '../../src/juju/hook-tools.ts';
import { progressLine } from '../../src/progress/progress-line.ts';

// What a fake HookTools starts from; everything optional.
export interface FakeToolsState {
  params?: Record<string, unknown>;
  config?: Record<string, unknown>;
  // Relation name → relation id → remote units.
  relations?: Record<string, Record<string, string[]>>;
  // Resource name → path (undefined = not attached).
  resources?: Record<string, string>;
  // Secret id → its content.
  secrets?: Record<string, Record<string, string>>;
  leader?: boolean;
  address?: string;
}

// One call made to the fake, with its arguments.
export interface ToolCall {
  tool: string;
  args: unknown[];
}

// HookTools in memory: what the agent set, failed, logged and reported is kept to assert on; every call is recorded.
export interface FakeHookTools extends HookTools {
  readonly calls: ToolCall[];
  readonly results: Results;
  // Every action-fail message, in order.
  readonly failures: string[];
  readonly statuses: { status: WorkloadStatus; message: string }[];
  readonly logs: { level: LogLevel; message: string }[];
  readonly actionLogs: string[];
  readonly state: FakeToolsState;
}

// A fake HookTools over state (which a test may change between calls).
export const fakeHookTools = (state: FakeToolsState = {}): FakeHookTools => {
  const calls: ToolCall[] = [];
  const results: Results = {};
  const failures: string[] = [];
  const statuses: { status: WorkloadStatus; message: string }[] = [];
  const logs: { level: LogLevel; message: string }[] = [];
  const actionLogs: string[] = [];
  const record = (tool: string, ...args: unknown[]): void => void calls.push({ tool, args });
  return {
    calls, results, failures, statuses, logs, actionLogs, state,
    async actionGet() {
      record('action-get');
      return { ...state.params };
    },
    async actionSet(more) {
      record('action-set', { ...more });
      Object.assign(results, more);
    },
    async actionFail(message) {
      record('action-fail', message);
      failures.push(message);
    },
    async actionLog(message) {
      record('action-log', message);
      actionLogs.push(message);
    },
    async progress(update) {
      record('action-log', progressLine(update));
      actionLogs.push(progressLine(update));
    },
    async log(level, message) {
      record('juju-log', level, message);
      logs.push({ level, message });
    },
    async statusSet(status, message) {
      record('status-set', status, message);
      statuses.push({ status, message });
    },
    async configGet() {
      record('config-get');
      return { ...state.config };
    },
    async relationIds(relation) {
      record('relation-ids', relation);
      return Object.keys(state.relations?.[relation] ?? {});
    },
    async relationList(relationId) {
      record('relation-list', relationId);
      for (const ids of Object.values(state.relations ?? {})) if (ids[relationId]) return [...ids[relationId]];
      throw new AgentError(`relation-list failed: no relation ${relationId}`);
    },
    async applicationVersionSet(version) {
      record('application-version-set', version);
    },
    async relationSet(relationId, settings, options) {
      record('relation-set', relationId, settings, options);
    },
    async resourceGet(name) {
      record('resource-get', name);
      return state.resources?.[name];
    },
    async isLeader() {
      record('is-leader');
      return state.leader ?? true;
    },
    async privateAddress() {
      record('private-address');
      return state.address ?? '10.0.0.1';
    },
    async secretGet(id, options) {
      record('secret-get', id, options);
      const secret = state.secrets?.[id];
      if (!secret) throw new AgentError(`secret-get ${id} failed: secret not found`);
      return { ...secret };
    },
  };
};
