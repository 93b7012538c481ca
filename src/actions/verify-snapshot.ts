import { verifySnapshot, type VerifyOutcome } from '../engine/verify-snapshot.ts';
import { AgentError } from '../errors/agent-error.ts';
import type { Results } from '../juju/hook-tools.ts';
import type { ActionDefinition } from './action.ts';
import { pointRequest, pointResults } from './point-request.ts';

// The verify.* result keys of an outcome; only what was learnt before it stopped.
export const verifyResults = (outcome: VerifyOutcome): Results => {
  const results: Results = { 'verify.ok': String(outcome.ok), 'verify.seconds': outcome.seconds.toFixed(1) };
  const facts: [string, string | number | undefined][] = [
    ['source', outcome.source],
    ['sha256', outcome.sha256],
    ['format', outcome.format],
    ['hash-check', outcome.hashCheck],
    ['encrypted', outcome.encrypted === undefined ? undefined : String(outcome.encrypted)],
    ['revision', outcome.revision],
    ['total-keys', outcome.totalKeys],
    ['live-revision', outcome.liveRevision],
    ['key-count', outcome.keyCount],
    ['reason', outcome.reason],
  ];
  for (const [key, value] of facts) if (value !== undefined) results[`verify.${key}`] = String(value);
  return outcome.point ? { ...results, ...pointResults('verify', outcome.point) } : results;
};

// The verify-snapshot action (CONTRACT §3): restore into scratch, serve it with a throwaway etcd, read it back.
// A failed verification sets its results (verify.ok=false) and then fails the action with the reason.
export const verifySnapshotAction: ActionDefinition = {
  name: 'verify-snapshot',
  exclusive: true,
  async run(context) {
    const { config, tools } = context;
    const point = await pointRequest(context);
    const outcome = await verifySnapshot(
      { etcd: context.etcd, runner: context.runner, clock: context.clock, progress: context.progress },
      {
        source: String(context.params.source ?? '').trim(),
        snapshotDir: config.snapshotDir,
        hint: `no source given and no snapshot in ${context.naming.name('option', 'snapshot-dir')} ${config.snapshotDir}; run ${context.naming.action('snapshot')} first or pass ${context.naming.usage('param', 'source', '<path or name>')}`,
        local: context.stores.local(config.snapshotDir),
        remote: () => context.stores.remote(),
        identity: () => context.place.readIdentity(String(context.params['identity-secret'] ?? '')),
        etcdPath: config.etcdPath,
        startTimeoutMs: config.restoreHealthTimeoutMs,
        requestTimeoutMs: config.etcdTimeoutMs,
        point,
      },
    );
    const results = verifyResults(outcome);
    if (outcome.ok) {
      context.log.info(`verify-snapshot: ${outcome.label} is restorable (revision ${outcome.revision}, ${outcome.keyCount} keys, ${outcome.seconds}s)`);
      return results;
    }
    await tools.actionSet(results);
    throw outcome.error instanceof Error ? outcome.error : new AgentError(outcome.reason ?? 'verification failed');
  },
};
