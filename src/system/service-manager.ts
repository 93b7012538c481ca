import { AgentError } from '../errors/agent-error.ts';
import { CommandError, type CommandRunner } from '../process/command-runner.ts';

// Starts, stops and asks about the etcd service.
export interface ServiceManager {
  stop(unit: string): Promise<void>;
  start(unit: string): Promise<void>;
  isActive(unit: string): Promise<boolean>;
  restart(unit: string): Promise<void>;
  // enable --now: start now and at every boot.
  enable(unit: string): Promise<void>;
  // disable --now: stop now and not at boot.
  disable(unit: string): Promise<void>;
  daemonReload(): Promise<void>;
  // Sends a signal to the unit's main process only (not etcdctl or etcd it started); fails when it is not running.
  signal(unit: string, signal: NodeJS.Signals): Promise<void>;
  // Whether systemd knows the unit at all (a unit file exists for it), running or not.
  isKnown(unit: string): Promise<boolean>;
}

const TIMEOUT_MS = 120_000;

// The real ServiceManager: systemctl through the CommandRunner.
export const systemctl = (runner: CommandRunner): ServiceManager => {
  const run = async (...args: string[]): Promise<void> => {
    try {
      await runner.run('systemctl', args, { timeoutMs: TIMEOUT_MS });
    } catch (error) {
      const reason = error instanceof CommandError ? error.reason : String(error);
      throw new AgentError(`systemctl ${args.join(' ')} failed: ${reason}`);
    }
  };
  return {
    stop: (unit) => run('stop', unit),
    start: (unit) => run('start', unit),
    restart: (unit) => run('restart', unit),
    enable: (unit) => run('enable', '--now', unit),
    disable: (unit) => run('disable', '--now', unit),
    daemonReload: () => run('daemon-reload'),
    // --kill-who, not --kill-whom: systemd 252 renamed it and kept the old name, which 249 (Ubuntu 22.04) needs.
    signal: (unit, signal) => run('kill', '--kill-who=main', `--signal=${signal}`, unit),
    async isKnown(unit) {
      try {
        const { stdout } = await runner.run('systemctl', ['show', '--property=LoadState', '--value', unit], { timeoutMs: TIMEOUT_MS });
        return stdout.trim() !== 'not-found';
      } catch (error) {
        const reason = error instanceof CommandError ? error.reason : String(error);
        throw new AgentError(`systemctl show --property=LoadState --value ${unit} failed: ${reason}`);
      }
    },
    async isActive(unit) {
      try {
        const { stdout } = await runner.run('systemctl', ['is-active', unit], { timeoutMs: TIMEOUT_MS });
        return stdout.trim() === 'active';
      } catch (error) {
        if (error instanceof CommandError && error.exitCode !== undefined) return false;
        throw error;
      }
    },
  };
};
