import { access, constants } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';

const writable = (dir: string): Promise<boolean> => access(dir, constants.W_OK).then(() => true, () => false);

// Where the unit's lock lives: hidden beside etcd's data dir (one lock per member, shared by actions, hooks, the
// scheduler and the CLI). Where that directory cannot be written (a CLI run on a host without the member), a file
// keyed by the data dir in /run/lock, or else in the temporary directory.
export const unitLockPath = async (dataDir: string): Promise<string> => {
  const dir = dirname(dataDir);
  if (await writable(dir)) return join(dir, `.${basename(dataDir)}.etcd-agent.lock`);
  // node:crypto loads only here: most starts never need it.
  const { createHash } = await import('node:crypto');
  const key = createHash('sha256').update(dataDir).digest('hex').slice(0, 16);
  const runLock = '/run/lock';
  return join((await writable(runLock)) ? runLock : tmpdir(), `etcd-agent-${process.getuid?.() ?? 0}-${key}.lock`);
};
