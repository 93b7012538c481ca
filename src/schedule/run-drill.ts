import { governBuffers } from '../system/buffer-governor.ts';
import type { AgentConfig } from '../config/agent-config.ts';
import { verifySnapshot } from '../engine/verify-snapshot.ts';
import type { CommandRunner } from '../process/command-runner.ts';
import type { DrillRecord } from '../state/schedule-state.ts';
import { underScheduledLock, wasSkipped, type ScheduledRunDeps } from './run-scheduled.ts';
import { oneLine } from '../errors/agent-error.ts';

// What a drill needs besides a scheduled run's deps: a way to start the throwaway etcd.
export interface DrillDeps extends ScheduledRunDeps {
  runner: Pick<CommandRunner, 'start'>;
}

// One restore drill of the newest local snapshot under the unit's lock; never throws, the record says how it went
// (skipped when a restore, or for lock-timeout another run, held the lock).
export const runDrill = async (deps: DrillDeps, config: AgentConfig): Promise<DrillRecord> => {
  try {
    const done = await underScheduledLock(deps, config, 'restore drill', config.lockTimeoutMs, () => governBuffers(() => drill(deps, config)));
    return wasSkipped(done) ? { finished: deps.clock.now().toISOString(), outcome: 'skipped', reason: done.skipped } : done;
  } catch (error) {
    const reason = oneLine(error);
    deps.log.error(`restore drill failed: ${reason}`);
    return { finished: deps.clock.now().toISOString(), outcome: 'failed', reason };
  }
};

// The drill itself: verify-snapshot of the newest local snapshot.
const drill = async (deps: DrillDeps, config: AgentConfig): Promise<DrillRecord> => {
  if (config.encryptionRecipients.length > 0) {
    return { finished: deps.clock.now().toISOString(), outcome: 'skipped', reason: 'archives are encrypted and the unit holds no identity; run verify-snapshot with identity-secret instead' };
  }
  const outcome = await verifySnapshot(
    { etcd: deps.etcd, runner: deps.runner, clock: deps.clock, progress: async (m) => deps.log.info(m) },
    {
      source: '',
      snapshotDir: config.snapshotDir,
      local: deps.stores.local(config.snapshotDir),
      etcdPath: config.etcdPath,
      startTimeoutMs: config.restoreHealthTimeoutMs,
      requestTimeoutMs: config.etcdTimeoutMs,
    },
  );
  if (outcome.ok) deps.log.info(`restore drill of ${outcome.label ?? '?'} passed in ${outcome.seconds}s (revision ${outcome.liveRevision}, ${outcome.keyCount} keys)`);
  else deps.log.error(`restore drill failed: ${outcome.reason ?? 'unknown'}`);
  return {
    finished: deps.clock.now().toISOString(),
    outcome: outcome.ok ? 'ok' : 'failed',
    ...(outcome.label ? { source: outcome.label } : {}),
    ...(outcome.reason ? { reason: outcome.reason } : {}),
    seconds: outcome.seconds,
    ...(outcome.liveRevision !== undefined ? { revision: outcome.liveRevision } : {}),
    ...(outcome.keyCount !== undefined ? { keyCount: outcome.keyCount } : {}),
  };
};
