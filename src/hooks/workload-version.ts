import type { AgentConfig } from '../config/agent-config.ts';
import { oneLine } from '../errors/agent-error.ts';
import type { HookContext } from './hook-context.ts';

// Shows etcd's server version in `juju status` (application-version-set). Best effort: when etcd does not say, the
// version shown stays as it was and the reason is a debug line.
export const setWorkloadVersion = async (context: HookContext, config: AgentConfig): Promise<void> => {
  try {
    const { serverVersion } = await context.makeEtcd(config).cluster();
    if (serverVersion) await context.tools.applicationVersionSet(serverVersion);
  } catch (error) {
    context.log.debug(`workload version not set: ${oneLine(error)}`);
  }
};
