import type { CharmFiles } from '../charm/charm-files.ts';
import type { ActionDeps } from '../actions/run-action.ts';
import { runAction } from '../actions/run-action.ts';
import { runHook } from '../hooks/run-hook.ts';
import type { JujuContext } from '../juju/context.ts';
import type { HookTools } from '../juju/hook-tools.ts';
import { createLogger } from '../log/logger.ts';

// Runs the hook or action Juju asked for. Actions always exit 0: failure is reported through action-fail.
export const runJuju = async (
  context: JujuContext,
  tools: HookTools,
  charm: CharmFiles,
  deps: Omit<ActionDeps, 'tools' | 'log' | 'place' | 'charm'>,
): Promise<number> => {
  const log = createLogger(tools.log.bind(tools), 'debug');
  try {
    if (context.kind === 'action') {
      await runAction(context.name, {
        ...deps,
        tools,
        log,
        charm,
        place: { unit: context.unitName, copyCommand: (path) => `juju scp ${context.unitName}:${path} .` },
      });
      return 0;
    }
    return await runHook(context.name, log);
  } finally {
    await log.flush();
  }
};
