// Which codec compresses what: igzip for gzip:1 where it is installed, zlib and zstd in process for the rest; and
// igzip's output is gzip that stock gzip reads and that concatenates with the agent's own members.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { openSync, closeSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import { gunzipSync } from 'node:zlib';
import { hostCodecs, igzipCodecs, inProcessCodecs } from '../../src/archive/codecs.ts';
import { compressor, parseCompression } from '../../src/archive/compression.ts';
import type { CommandRunner, FilterOptions } from '../../src/process/command-runner.ts';
import { execaRunner } from '../../src/process/execa-runner.ts';
import { igzipPath } from '../support/codecs/igzip.ts';
import { tempDir } from '../support/files/dirs.ts';
import type { ArchiveCodecs } from '../../src/archive/codecs.ts';

// Compresses input with codecs.compressTo into a file opened to append (after what the file held): the file's bytes.
const compressToFile = async (codecs: ArchiveCodecs, spec: string, input: Buffer, file: string): Promise<Buffer> => {
  const fd = openSync(file, 'a');
  try {
    const stage = codecs.compressTo(parseCompression(spec), fd);
    if (!stage) throw new Error(`${spec}: no program`);
    const drained = new Writable({ write: (_chunk, _encoding, done) => done(new Error('a program stage gave output')) });
    await pipeline(Readable.from([input]), stage, drained);
  } finally {
    closeSync(fd);
  }
  return readFileSync(file);
};

// The real filter, with every call recorded.
const recording = () => {
  const calls: { file: string; args: string[] }[] = [];
  const runner: Pick<CommandRunner, 'filter'> = {
    filter(file: string, args: readonly string[], options: FilterOptions) {
      calls.push({ file, args: [...args] });
      return execaRunner.filter(file, args, options);
    },
  };
  return { runner, calls };
};

const text = Buffer.from('{"kind":"ConfigMap","metadata":{"name":"kube-proxy","namespace":"kube-system"}}\n'.repeat(40_000));

t.test('gzip:1 goes to igzip -1, which writes the file itself; stock gzip reads what it wrote', async (t) => {
  const igzip = igzipPath();
  const { runner, calls } = recording();
  const file = join(await tempDir(t, 'codecs'), 'out.gz');
  const out = await compressToFile(igzipCodecs(runner, igzip), 'gzip:1', text, file);
  t.strictSame(calls, [{ file: igzip, args: ['-1', '-c'] }]);
  t.ok(execFileSync('gzip', ['-dc'], { input: out, maxBuffer: 64 << 20 }).equals(text), 'gzip -d gives the input back');
  t.ok(out.length < text.length / 5, `and it compressed (${out.length} of ${text.length} bytes)`);
});

t.test('other levels and codecs stay in process: gzip:6 is what gzip -6 is', async (t) => {
  const { runner, calls } = recording();
  const codecs = igzipCodecs(runner, igzipPath());
  for (const spec of ['gzip:2', 'gzip:6', 'gzip:9', 'zstd:1', 'zstd:3']) t.equal(codecs.compressTo(parseCompression(spec), 1), undefined, `${spec}: left to the agent`);
  t.strictSame(calls, [], 'no program started');
  t.equal(codecs.fallback, inProcessCodecs, 'and a failed igzip falls back to the agent');
});

t.test("igzip appends after what the file holds, and its member and the agent's own are one gzip file", async (t) => {
  const own = await buffer(Readable.from([text.subarray(100_000)]).pipe(compressor(parseCompression('gzip:1'))));
  const file = join(await tempDir(t, 'codecs'), 'both.gz');
  writeFileSync(file, own);
  const both = await compressToFile(igzipCodecs(execaRunner, igzipPath()), 'gzip:1', text.subarray(0, 100_000), file);
  t.ok(both.subarray(0, own.length).equals(own), 'the agent\'s member is untouched');
  t.ok(gunzipSync(both).equals(Buffer.concat([text.subarray(100_000), text.subarray(0, 100_000)])), 'zlib reads both, in order');
});

t.test('without igzip on PATH the codecs are the in-process ones', async (t) => {
  t.equal(hostCodecs(execaRunner, undefined), inProcessCodecs);
  t.equal(inProcessCodecs.compressTo(parseCompression('gzip:1'), 1), undefined, 'which leave gzip:1 to the agent');
  const { runner, calls } = recording();
  const found = hostCodecs(runner, igzipPath());
  await compressToFile(found, 'gzip:1', text, join(await tempDir(t, 'codecs'), 'found.gz'));
  t.strictSame(calls, [{ file: igzipPath(), args: ['-1', '-c'] }], 'with it, gzip:1 runs igzip');
});
