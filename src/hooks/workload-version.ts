import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { oneLine } from '../errors/agent-error.ts';
import { writeTextAtomically } from '../fs/atomic-file.ts';
import type { HookContext } from './hook-context.ts';

// Juju keeps a unit's workload version; telling it the same one again every five minutes is a hook tool run for
// nothing. The one last set is kept in the unit's state dir, and set again when etcd says another, in another
// model, or once a day whatever it says.
const SAME_FOR_MS = 24 * 3_600_000;

interface SetVersion {
  version: string;
  model: string;
  setAt: number;
}

// Where the version last set is kept: the unit's own state dir (etcd/0 → <state dir>/etcd-0/).
export const workloadVersionFile = (context: Pick<HookContext, 'paths' | 'unit'>): string => join(context.paths.stateDir, context.unit.replace(/\//g, '-'), 'workload-version.json');

const alreadySet = async (file: string, version: string, model: string, now: number): Promise<boolean> => {
  try {
    const last = JSON.parse(await readFile(file, 'utf8')) as Partial<SetVersion>;
    return last.version === version && last.model === model && typeof last.setAt === 'number' && last.setAt <= now && now - last.setAt < SAME_FOR_MS;
  } catch {
    return false;
  }
};

// Shows etcd's server version in `juju status` (application-version-set) when it is not the one already shown. Best
// effort: when etcd does not say, the version shown stays as it was and the reason is a debug line. The version is
// asked for beside the health check.
export const setWorkloadVersion = async (context: HookContext, version: Promise<string>): Promise<void> => {
  try {
    const serverVersion = await version;
    if (!serverVersion) return;
    const file = workloadVersionFile(context);
    const model = context.juju?.modelUuid ?? '';
    const now = context.clock.now().getTime();
    if (await alreadySet(file, serverVersion, model, now)) return;
    await context.tools.applicationVersionSet(serverVersion);
    const entry: SetVersion = { version: serverVersion, model, setAt: now };
    await mkdir(dirname(file), { recursive: true })
      .then(() => writeTextAtomically(file, `${JSON.stringify(entry)}\n`, 0o644))
      .catch((error: unknown) => context.log.debug(`the workload version set is not kept in ${file}: ${oneLine(error)}`));
  } catch (error) {
    context.log.debug(`workload version not set: ${oneLine(error)}`);
  }
};
