import { AgentError } from '../../src/errors/agent-error.ts';
import type { ServiceManager } from '../../src/system/service-manager.ts';

// How often a scripted failure happens: never, on the next call only, or on every call.
export type Failing = 'never' | 'once' | 'always';

// The switches of a fake service manager.
export interface FakeServiceOptions {
  // Units active at the start.
  active?: string[];
  // Units systemd knows besides the active ones (isKnown).
  known?: string[];
  // stop resolves but the unit stays active (a unit that ignores SIGTERM, a restart policy that brings it back).
  stopDoesNotStop?: boolean;
  // stop rejects as systemctl does and the unit stays active.
  stopFails?: Failing;
  // start rejects as systemctl does (etcd exits on its data) and the unit stays inactive.
  startFails?: Failing;
}

// A ServiceManager with scripted states; records every call as "<verb> <unit>" (is-active included).
export interface FakeService extends ServiceManager {
  readonly calls: string[];
  readonly options: FakeServiceOptions;
  // Whether the unit is active now, without recording a call.
  running(unit: string): boolean;
}

// The message `systemctl start` fails with when etcd exits at once.
export const startFailure = (unit: string): string =>
  `systemctl start ${unit} failed: Job for ${unit}.service failed because the control process exited with error code.`;

// The message `systemctl stop` fails with when the stop job times out.
export const stopFailure = (unit: string): string => `systemctl stop ${unit} failed: Job for ${unit}.service canceled.`;

// A fake service manager; options may be changed between calls to script what happens next.
export const fakeService = (options: FakeServiceOptions = {}): FakeService => {
  const active = new Set(options.active ?? []);
  const calls: string[] = [];
  // Consumes one scripted failure: true when this call fails.
  const fails = (key: 'stopFails' | 'startFails'): boolean => {
    const how = options[key] ?? 'never';
    if (how === 'once') options[key] = 'never';
    return how !== 'never';
  };
  const stop = async (unit: string): Promise<void> => {
    calls.push(`stop ${unit}`);
    if (fails('stopFails')) throw new AgentError(stopFailure(unit));
    if (!options.stopDoesNotStop) active.delete(unit);
  };
  const start = async (unit: string): Promise<void> => {
    calls.push(`start ${unit}`);
    if (fails('startFails')) throw new AgentError(startFailure(unit));
    active.add(unit);
  };
  return {
    calls,
    options,
    running: (unit) => active.has(unit),
    stop,
    start,
    async isActive(unit) {
      calls.push(`is-active ${unit}`);
      return active.has(unit);
    },
    async restart(unit) {
      calls.push(`restart ${unit}`);
      active.add(unit);
    },
    async enable(unit) {
      calls.push(`enable ${unit}`);
      active.add(unit);
    },
    async disable(unit) {
      calls.push(`disable ${unit}`);
      active.delete(unit);
    },
    async daemonReload() {
      calls.push('daemon-reload');
    },
    async signal(unit, signal) {
      calls.push(`kill ${signal} ${unit}`);
      if (!active.has(unit)) throw new AgentError(`systemctl kill --kill-who=main --signal=${signal} ${unit} failed: No main process to kill`);
    },
    async isKnown(unit) {
      calls.push(`show ${unit}`);
      return active.has(unit) || (options.known ?? []).includes(unit);
    },
  };
};
