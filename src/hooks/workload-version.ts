import { oneLine } from '../errors/agent-error.ts';
import type { HookContext } from './hook-context.ts';

// Shows etcd's server version in `juju status` (application-version-set). Best effort: when etcd does not say, the
// version shown stays as it was and the reason is a debug line. The version is asked for beside the health check.
export const setWorkloadVersion = async (context: HookContext, version: Promise<string>): Promise<void> => {
  try {
    const serverVersion = await version;
    if (serverVersion) await context.tools.applicationVersionSet(serverVersion);
  } catch (error) {
    context.log.debug(`workload version not set: ${oneLine(error)}`);
  }
};
