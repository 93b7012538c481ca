import type { CharmFiles } from '../charm/charm-files.ts';
import type { ActionDeps } from '../actions/run-action.ts';
import type { HostPaths } from '../hooks/hook-context.ts';
import type { JujuContext } from '../juju/context.ts';
import type { HookTools } from '../juju/hook-tools.ts';
import { createLogger } from '../log/logger.ts';
import { identityFromSecret } from './read-identity.ts';

// What the Juju entry needs besides the context, tools and charm files.
export interface JujuDeps extends Omit<ActionDeps, 'tools' | 'log' | 'place' | 'charm'> {
  paths: HostPaths;
  searchPath: string;
  agent: { node: string; main: string };
}

// Runs the hook or action Juju asked for. Actions always exit 0: failure is reported through action-fail.
export const runJuju = async (context: JujuContext, tools: HookTools, charm: CharmFiles, deps: JujuDeps): Promise<number> => {
  const log = createLogger(tools.log.bind(tools), 'debug');
  try {
    if (context.kind === 'action') {
      // A hook never loads the actions' code, nor an action the hooks'.
      const { runAction } = await import('../actions/run-action.ts');
      await runAction(context.name, {
        ...deps,
        tools,
        log,
        charm,
        place: {
          unit: context.unitName,
          subordinate: charm.identity.subordinate,
          copyCommand: (path) => `juju scp ${context.unitName}:${path} .`,
          readIdentity: (secretId) => identityFromSecret(tools, secretId),
        },
      });
      return 0;
    }
    const juju = { model: context.modelName, modelUuid: context.modelUuid, charmDir: context.charmDir };
    const { runHook } = await import('../hooks/run-hook.ts');
    return await runHook({ ...deps, hook: context.name, unit: context.unitName, tools, log, charm, juju });
  } finally {
    await log.flush();
  }
};
