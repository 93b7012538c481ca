// CommandRunner.filter with real programs: bytes through and back, a chunk's memory reusable once its write called
// back, and every way a program can fail the stream (exit code, missing, exiting before its input was read, killed),
// and a destroyed stream stopping its program.
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { execaRunner } from '../../src/process/execa-runner.ts';
import { CommandError } from '../../src/process/command-runner.ts';
import { tempDir } from '../support/files/dirs.ts';

// Collects what a stream gives out.
const collect = () => {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  return { sink, bytes: () => Buffer.concat(chunks) };
};

// Writes data through stage in chunks of one reused buffer, each refilled once the write before it called back.
const feedReusing = async (stage: Writable, data: Buffer, chunkBytes: number): Promise<void> => {
  const buffer = Buffer.alloc(chunkBytes);
  for (let offset = 0; offset < data.length; offset += chunkBytes) {
    const length = data.copy(buffer, 0, offset, Math.min(data.length, offset + chunkBytes));
    const ok = await new Promise<boolean>((resolve) => stage.write(buffer.subarray(0, length), (error) => resolve(!error)));
    if (!ok) return;
    buffer.fill(0xee);
  }
  stage.end();
};

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

t.test('cat gives back exactly what it was fed, though every chunk came from one reused buffer', async (t) => {
  const data = randomBytes(5 << 20);
  const stage = execaRunner.filter('cat', [], {});
  const out = collect();
  await Promise.all([feedReusing(stage, data, 1 << 20), pipeline(stage, out.sink)]);
  t.ok(out.bytes().equals(data), 'the 5 MiB came back byte for byte');
});

t.test('an empty input gives an empty output and the stream ends', async (t) => {
  const out = collect();
  await pipeline(Readable.from([]), execaRunner.filter('cat', [], {}), out.sink);
  t.equal(out.bytes().length, 0);
});

t.test('a program that exits non-zero fails the stream with its exit code and stderr', async (t) => {
  const stage = execaRunner.filter('sh', ['-c', 'cat >/dev/null; echo "igzip: out of luck" >&2; exit 3'], {});
  const error = await pipeline(Readable.from([Buffer.from('some input')]), stage, collect().sink).then(() => undefined, (e: unknown) => e);
  t.ok(error instanceof CommandError, 'a CommandError');
  t.equal((error as CommandError).exitCode, 3);
  t.equal((error as CommandError).stderr, 'igzip: out of luck\n');
  t.equal((error as CommandError).reason, 'igzip: out of luck');
});

t.test('a program that is not there fails the stream as not found', async (t) => {
  const dir = await tempDir(t, 'filter-missing');
  const stage = execaRunner.filter(join(dir, 'no-such-program'), [], {});
  const error = await pipeline(Readable.from([Buffer.from('x')]), stage, collect().sink).then(() => undefined, (e: unknown) => e);
  t.ok(error instanceof CommandError, 'a CommandError');
  t.equal((error as CommandError).notFound, true);
});

t.test('a program that exits 0 before it read its input fails the stream: output it never saw is not a result', async (t) => {
  // More than a pipe holds (64 KiB), so some writes find the pipe closed.
  const stage = execaRunner.filter('true', [], {});
  const out = collect();
  const error = await Promise.all([feedReusing(stage, randomBytes(4 << 20), 1 << 20), pipeline(stage, out.sink)]).then(() => undefined, (e: unknown) => e);
  t.ok(error instanceof CommandError, 'a CommandError');
  t.equal((error as CommandError).message, 'true exited before it read all its input');
});

t.test('a program killed from outside fails the stream', async (t) => {
  const dir = await tempDir(t, 'filter-killed');
  const pidFile = join(dir, 'pid');
  const stage = execaRunner.filter('sh', ['-c', `echo $$ > ${pidFile}; exec cat`], {});
  const out = collect();
  stage.write(Buffer.from('first chunk'));
  const piped = pipeline(stage, out.sink).then(() => undefined, (e: unknown) => e);
  while (!existsSync(pidFile) || readFileSync(pidFile, 'utf8').trim() === '') await sleep(10);
  process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
  const error = await piped;
  t.ok(error instanceof CommandError, 'a CommandError');
  t.equal((error as CommandError).exitCode, undefined, 'with no exit code');
  t.equal((error as CommandError).message, `Command was killed with SIGKILL (Forced termination): sh -c 'echo $$ > ${pidFile}; exec cat'`, 'naming the signal');
});

t.test('destroying the stream stops its program', async (t) => {
  const dir = await tempDir(t, 'filter-destroy');
  const pidFile = join(dir, 'pid');
  const stage = execaRunner.filter('sh', ['-c', `echo $$ > ${pidFile}; exec sleep 60`], {});
  stage.on('error', () => undefined);
  stage.write(Buffer.from('x'));
  while (!existsSync(pidFile) || readFileSync(pidFile, 'utf8').trim() === '') await sleep(10);
  const pid = Number(readFileSync(pidFile, 'utf8'));
  t.equal(alive(pid), true, 'running before');
  stage.destroy(new Error('the snapshot stopped'));
  for (let i = 0; i < 500 && alive(pid); i++) await sleep(10);
  t.equal(alive(pid), false, 'gone after');
});

t.test('an aborted signal stops the program and fails the stream as canceled', async (t) => {
  const controller = new AbortController();
  const stage = execaRunner.filter('sleep', ['60'], { signal: controller.signal });
  const piped = pipeline(stage, collect().sink).then(() => undefined, (e: unknown) => e);
  stage.write(Buffer.from('x'));
  await sleep(50);
  controller.abort();
  const error = await piped;
  t.ok(error instanceof CommandError, 'a CommandError');
  t.equal((error as CommandError).canceled, true);
});

t.test('with stdoutFd the program writes the file itself: the stream gives nothing and ends once it exited', async (t) => {
  const dir = await tempDir(t, 'filter-fd');
  const file = join(dir, 'out');
  const { openSync, closeSync, writeFileSync } = await import('node:fs');
  writeFileSync(file, 'head:');
  const fd = openSync(file, 'a');
  const data = randomBytes(3 << 20);
  const stage = execaRunner.filter('cat', [], { stdoutFd: fd });
  const out = collect();
  await Promise.all([feedReusing(stage, data, 1 << 20), pipeline(stage, out.sink)]);
  closeSync(fd);
  t.equal(out.bytes().length, 0, 'nothing came through the stream');
  t.ok(readFileSync(file).equals(Buffer.concat([Buffer.from('head:'), data])), 'the file holds its head, then the 3 MiB');
});

t.test('a stream destroyed before its program started never starts it', async (t) => {
  const dir = await tempDir(t, 'filter-early');
  const pidFile = join(dir, 'pid');
  const stage = execaRunner.filter('sh', ['-c', `echo $$ > ${pidFile}; exec sleep 60`], {});
  stage.on('error', () => undefined);
  stage.destroy(new Error('the snapshot stopped at once'));
  await sleep(500);
  t.equal(existsSync(pidFile), false, 'no program ran');
});
