// execa loads on the first command run: `--help` and `list` never start a process.
const loadExeca = () => import('execa');
import { CommandError, type CommandRunner, type CommandResult, type RunOptions } from './command-runner.ts';
import { startWithExeca } from './execa-start.ts';
import { filterWithExeca } from './execa-filter.ts';
import { childEnv } from './child-env.ts';

// The real CommandRunner: execa with an argument array, no shell, a bounded timeout.
export const execaRunner: CommandRunner = {
  start: startWithExeca,
  filter: filterWithExeca,
  async run(file: string, args: readonly string[], options: RunOptions): Promise<CommandResult> {
    const { execa, ExecaError } = await loadExeca();
    try {
      const result = await execa(file, args, {
        ...childEnv(options.env, options.dropEnv),
        // execa's types leave out a plain descriptor beyond stdio; execa and Node pass it on as the child's fd 3.
        ...(options.fd3 === undefined ? {} : { stdio: ['pipe', 'pipe', 'pipe', options.fd3] as unknown as ['pipe', 'pipe', 'pipe'] }),
        cwd: options.cwd,
        input: options.input,
        timeout: options.timeoutMs,
        ...(options.signal ? { cancelSignal: options.signal } : {}),
        killSignal: 'SIGTERM',
        forceKillAfterDelay: 5000,
        stripFinalNewline: false,
        shell: false,
      });
      return { stdout: result.stdout, stderr: result.stderr, exitCode: result.exitCode ?? 0 };
    } catch (error) {
      if (error instanceof ExecaError) {
        const code = (error.cause as NodeJS.ErrnoException | undefined)?.code;
        throw new CommandError({
          command: [file, ...args].join(' '),
          exitCode: error.exitCode,
          stderr: typeof error.stderr === 'string' ? error.stderr : '',
          stdout: typeof error.stdout === 'string' ? error.stdout : '',
          timedOut: error.timedOut,
          canceled: error.isCanceled,
          notFound: code === 'ENOENT' || code === 'EACCES',
          shortMessage: error.shortMessage,
          cause: error,
        });
      }
      throw error;
    }
  },
};
