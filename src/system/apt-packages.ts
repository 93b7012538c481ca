import { AgentError } from '../errors/agent-error.ts';
import { CommandError, type CommandRunner } from '../process/command-runner.ts';

const ENV = { DEBIAN_FRONTEND: 'noninteractive' };
// Waits for another apt or unattended-upgrades run to let go of the dpkg lock, rather than failing at once.
const LOCK_WAIT = ['-o', 'DPkg::Lock::Timeout=300'];
const TIMEOUT_MS = 900_000;

// Why an apt-get run failed, in one line.
const reasonOf = (error: unknown): string => (error instanceof CommandError ? error.reason : String(error));

// Installs Debian/Ubuntu packages with apt-get (no recommends, never a question); when that fails, refreshes the
// package lists once and tries again. Throws an AgentError with apt's last words.
export const aptInstall = async (runner: CommandRunner, packages: readonly string[], log: (message: string) => void): Promise<void> => {
  const install = () => runner.run('apt-get', [...LOCK_WAIT, 'install', '-y', '--no-install-recommends', ...packages], { env: ENV, timeoutMs: TIMEOUT_MS });
  try {
    await install();
    return;
  } catch (error) {
    log(`apt-get install ${packages.join(' ')} failed (${reasonOf(error)}); refreshing the package lists and trying again`);
  }
  try {
    await runner.run('apt-get', [...LOCK_WAIT, 'update'], { env: ENV, timeoutMs: TIMEOUT_MS });
    await install();
  } catch (error) {
    throw new AgentError(`apt-get install ${packages.join(' ')} failed: ${reasonOf(error)}`, { cause: error });
  }
};
