// Which codec compresses what: igzip for gzip:1 where it is installed, zlib and zstd in process for the rest; and
// igzip's output is gzip that stock gzip reads and that concatenates with the agent's own members.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { gunzipSync } from 'node:zlib';
import { hostCodecs, igzipCodecs, inProcessCodecs } from '../../src/archive/codecs.ts';
import { compressor, parseCompression } from '../../src/archive/compression.ts';
import type { CommandRunner, FilterOptions } from '../../src/process/command-runner.ts';
import { execaRunner } from '../../src/process/execa-runner.ts';
import { igzipPath } from '../support/codecs/igzip.ts';

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

t.test('gzip:1 goes to igzip -1, and stock gzip reads what it wrote', async (t) => {
  const igzip = igzipPath();
  const { runner, calls } = recording();
  const out = await buffer(Readable.from([text]).pipe(igzipCodecs(runner, igzip).compress(parseCompression('gzip:1'))!));
  t.strictSame(calls, [{ file: igzip, args: ['-1', '-c'] }]);
  t.ok(execFileSync('gzip', ['-dc'], { input: out, maxBuffer: 64 << 20 }).equals(text), 'gzip -d gives the input back');
  t.ok(out.length < text.length / 5, `and it compressed (${out.length} of ${text.length} bytes)`);
});

t.test('other levels and codecs stay in process: gzip:6 is what gzip -6 is', async (t) => {
  const { runner, calls } = recording();
  const codecs = igzipCodecs(runner, igzipPath());
  for (const spec of ['gzip:2', 'gzip:6', 'gzip:9', 'zstd:1', 'zstd:3']) t.equal(codecs.compress(parseCompression(spec)), undefined, `${spec}: left to the agent`);
  t.strictSame(calls, [], 'no program started');
  t.equal(codecs.fallback, inProcessCodecs, 'and a failed igzip falls back to the agent');
});

t.test("igzip's member and the agent's own concatenate into one gzip file", async (t) => {
  const igzip = await buffer(Readable.from([text.subarray(0, 100_000)]).pipe(igzipCodecs(execaRunner, igzipPath()).compress(parseCompression('gzip:1'))!));
  const own = await buffer(Readable.from([text.subarray(100_000)]).pipe(compressor(parseCompression('gzip:1'))));
  t.ok(gunzipSync(Buffer.concat([own, igzip])).equals(Buffer.concat([text.subarray(100_000), text.subarray(0, 100_000)])), 'zlib reads both, in order');
});

t.test('without igzip on PATH the codecs are the in-process ones', async (t) => {
  t.equal(hostCodecs(execaRunner, undefined), inProcessCodecs);
  t.equal(inProcessCodecs.compress(parseCompression('gzip:1')), undefined, 'which leave gzip:1 to the agent');
  const { runner, calls } = recording();
  const found = hostCodecs(runner, igzipPath());
  await buffer(Readable.from([text]).pipe(found.compress(parseCompression('gzip:1'))!));
  t.strictSame(calls, [{ file: igzipPath(), args: ['-1', '-c'] }], 'with it, gzip:1 runs igzip');
});
