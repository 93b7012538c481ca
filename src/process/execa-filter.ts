import { Duplex } from 'node:stream';
import type { ResultPromise } from 'execa';
import { CommandError, type FilterOptions } from './command-runner.ts';

// How much of the program's stderr is kept for the error message.
const STDERR_TAIL_CHARS = 16 * 1024;
// Output read ahead of the reader before the program's stdout is paused: pipe reads come 64 KiB at a time.
const READ_AHEAD_BYTES = 1 << 20;

type Filter = ResultPromise<{ stdin: 'pipe'; stdout: 'pipe'; stderr: 'pipe'; buffer: false; reject: false }>;

// A program as a stream stage, with execa (argument array, no shell; see CommandRunner.filter). The stream ends
// once the program's stdout has ended and it has exited 0. A program that fails, is killed, is missing, or exits
// before it read all its input fails the stream with CommandError.
export const filterWithExeca = (file: string, args: readonly string[], options: FilterOptions): Duplex => {
  const command = [file, ...args].join(' ');
  let child: Filter | undefined;
  let stderr = '';
  let outputEnded = options.stdoutFd !== undefined;
  let inputLost = false;
  let exited: CommandError | null | undefined;

  const settle = (): void => {
    if (exited === undefined || stream.destroyed) return;
    if (exited) stream.destroy(exited);
    else if (inputLost) stream.destroy(new CommandError({ command, stderr, shortMessage: `${command} exited before it read all its input` }));
    else if (outputEnded) stream.push(null);
  };

  // The subprocess is itself a promise (of its result): it travels in an object, or awaiting it would wait for its exit.
  const started: Promise<{ subprocess: Filter }> = import('execa').then(({ execa }) => {
    // Destroyed while execa loaded (a snapshot stopped at once): nothing is started, so nothing is left waiting.
    if (stream.destroyed) throw new Error(`${command} was not started: its stream was destroyed first`);
    const subprocess = execa(file, args, {
      stdin: 'pipe',
      // execa's types take a plain descriptor only beyond stdio; execa and Node hand it to the program as its fd 1.
      stdout: (options.stdoutFd ?? 'pipe') as 'pipe',
      stderr: 'pipe',
      buffer: false,
      reject: false,
      shell: false,
      cleanup: true,
      ...(options.signal ? { cancelSignal: options.signal } : {}),
    });
    child = subprocess;
    subprocess.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_TAIL_CHARS);
    });
    if (options.stdoutFd === undefined) {
      subprocess.stdout.on('data', (chunk: Buffer) => {
        if (!stream.push(chunk)) subprocess.stdout.pause();
      });
      subprocess.stdout.on('end', () => {
        outputEnded = true;
        settle();
      });
    }
    // A program that dies closes its stdin: its exit says why, not the EPIPE of the next write.
    subprocess.stdin.on('error', () => {
      inputLost = true;
    });
    void subprocess.then((result) => {
      const code = (result.cause as NodeJS.ErrnoException | undefined)?.code;
      exited = result.failed
        ? new CommandError({
            command,
            exitCode: result.exitCode,
            stderr,
            canceled: result.isCanceled,
            notFound: code === 'ENOENT' || code === 'EACCES',
            shortMessage: result.shortMessage ?? `${command} failed`,
            cause: result,
          })
        : null;
      settle();
    });
    return { subprocess };
  });
  // The refusal above reaches a write or final that waits on it; nothing else needs to hear it.
  started.catch(() => undefined);

  const stream = new Duplex({
    readableHighWaterMark: READ_AHEAD_BYTES,
    write(chunk: Buffer, _encoding, done) {
      started.then(
        ({ subprocess }) => {
          if (inputLost) return done();
          subprocess.stdin.write(chunk, (error) => {
            if (error) inputLost = true;
            done();
          });
        },
        (error: unknown) => done(error as Error),
      );
    },
    final(done) {
      started.then(
        ({ subprocess }) => {
          subprocess.stdin.end();
          done();
        },
        (error: unknown) => done(error as Error),
      );
    },
    read() {
      child?.stdout?.resume();
    },
    destroy(error, done) {
      if (child && exited === undefined) child.kill('SIGTERM');
      done(error);
    },
  });
  return stream;
};
