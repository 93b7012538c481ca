import t from 'tap';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { zstdCompressSync } from 'node:zlib';
import { compressor, decompressor, describeCompression, kindOf, parseCompression, tarExtension, type Compression } from '../../src/archive/compression.ts';
import { paddingFrames } from '../../src/archive/padding-frames.ts';
import { decompressZstd } from '../../src/archive/zstd-frames.ts';
import { tempDir } from '../support/files/dirs.ts';

// Kubernetes-like text with some random bytes in it: compressible, not trivially.
const sample = (bytes: number): Buffer => {
  const parts: Buffer[] = [];
  let n = 0;
  for (let i = 0; n < bytes; i++) {
    const part = Buffer.from(`{"kind":"Pod","metadata":{"name":"app-${i}","uid":"${randomBytes(8).toString('hex')}"},"spec":{"nodeName":"worker-${i % 7}"}}\n`);
    parts.push(part);
    n += part.length;
  }
  return Buffer.concat(parts).subarray(0, bytes);
};
const compress = (c: Compression, data: Buffer, chunk = 65_536): Promise<Buffer> => {
  const pieces: Buffer[] = [];
  for (let i = 0; i < data.length; i += chunk) pieces.push(data.subarray(i, i + chunk));
  return buffer(Readable.from(pieces).pipe(compressor(c)));
};

t.test('snapshot-compression: codec and level, every refusal naming the option and the value', async (t) => {
  t.strictSame(parseCompression(''), { codec: 'gzip', level: 1 });
  t.strictSame(parseCompression('zstd'), { codec: 'zstd', level: 1 });
  t.strictSame(parseCompression(' ZSTD:19 '), { codec: 'zstd', level: 19 });
  t.strictSame(parseCompression('gzip'), { codec: 'gzip', level: 1 });
  t.strictSame(parseCompression('gzip:1'), { codec: 'gzip', level: 1 });
  t.strictSame(parseCompression('none'), { codec: 'none', level: 0 });
  const refusals: [string, string][] = [
    ['bzip2', 'invalid snapshot-compression="bzip2": use zstd, gzip or none, optionally with a level (zstd:3, gzip:9)'],
    ['zstd:1:2', 'invalid snapshot-compression="zstd:1:2": use zstd, gzip or none, optionally with a level (zstd:3, gzip:9)'],
    ['zstd:0', 'invalid snapshot-compression="zstd:0": the zstd level must be a whole number from 1 to 19'],
    ['zstd:20', 'invalid snapshot-compression="zstd:20": the zstd level must be a whole number from 1 to 19'],
    ['gzip:x', 'invalid snapshot-compression="gzip:x": the gzip level must be a whole number from 1 to 9'],
    ['gzip:-1', 'invalid snapshot-compression="gzip:-1": the gzip level must be a whole number from 1 to 9'],
    ['none:1', 'invalid snapshot-compression="none:1": none takes no level'],
  ];
  for (const [value, message] of refusals) t.throws(() => parseCompression(value), { name: 'UsageError', message }, value);
  t.equal(describeCompression({ codec: 'zstd', level: 1 }), 'zstd:1');
  t.equal(describeCompression({ codec: 'none', level: 0 }), 'none');
  t.strictSame(['zstd', 'gzip', 'none'].map((c) => tarExtension(c as Compression['codec'])), ['.tar.zst', '.tar.gz', '.tar']);
});

t.test('every codec round-trips through the agent and through the stock tool, empty input included', async (t) => {
  const dir = await tempDir(t, 'codecs');
  for (const size of [0, 1, 1 << 20, (3 << 20) + 17]) {
    const data = sample(size);
    for (const c of [{ codec: 'zstd', level: 1 }, { codec: 'zstd', level: 5 }, { codec: 'gzip', level: 6 }, { codec: 'gzip', level: 1 }, { codec: 'none', level: 0 }] as Compression[]) {
      const packed = await compress(c, data);
      const what = `${describeCompression(c)}, ${size} bytes`;
      if (c.codec === 'none') {
        t.ok(packed.equals(data), `${what}: passed through`);
        continue;
      }
      t.equal(kindOf(packed), c.codec, `${what}: recognised by its magic`);
      t.ok((await buffer(Readable.from([packed]).pipe(decompressor(c.codec)))).equals(data), `${what}: the agent reads it back`);
      const file = join(dir, `f-${size}-${c.codec}`);
      await writeFile(file, packed);
      t.ok(execFileSync(c.codec === 'zstd' ? 'zstd' : 'gzip', ['-dc', file], { maxBuffer: 1 << 26 }).equals(data), `${what}: ${c.codec} -dc reads it back`);
    }
  }
});

t.test('compression uses many frames (one per block), and padding frames decompress to nothing for every reader', async (t) => {
  const dir = await tempDir(t, 'frames');
  const data = sample(5 << 20);
  const zst = await compress({ codec: 'zstd', level: 1 }, data);
  let frames = 0;
  for (let at = zst.indexOf(Buffer.from([0x28, 0xb5, 0x2f, 0xfd])); at >= 0; at = zst.indexOf(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), at + 1)) frames++;
  t.ok(frames >= 5, `five 1 MiB blocks make at least five frames (found ${frames} magic numbers)`);
  for (const codec of ['zstd', 'gzip'] as const) {
    for (const bytes of [codec === 'zstd' ? 8 : 26, 4096, 65_557, 65_580, 200_000]) {
      const pad = paddingFrames(codec, bytes);
      t.equal(pad?.length, bytes, `${codec}: ${bytes} bytes of padding`);
      const head = await compress({ codec, level: 1 }, data.subarray(0, 1000));
      const rest = await compress({ codec, level: 1 }, data.subarray(1000));
      const whole = Buffer.concat([head, pad ?? Buffer.alloc(0), rest]);
      const file = join(dir, `padded-${codec}-${bytes}`);
      await writeFile(file, whole);
      t.ok(execFileSync(codec === 'zstd' ? 'zstd' : 'gzip', ['-dc', file], { maxBuffer: 1 << 26 }).equals(data), `${codec} -dc skips ${bytes} bytes of padding`);
      t.ok((await buffer(Readable.from([whole]).pipe(decompressor(codec)))).equals(data), `the agent skips ${bytes} bytes of ${codec} padding`);
    }
  }
  t.equal(paddingFrames('zstd', 7), undefined, 'zstd: no frame is shorter than 8 bytes');
  t.equal(paddingFrames('gzip', 25), undefined, 'gzip: no member is shorter than 26 bytes');
  t.equal(paddingFrames('none', 100), undefined, 'a plain tar has no padding frames');
  t.strictSame(paddingFrames('zstd', 0), Buffer.alloc(0));
});

t.test('zstd: a single-frame file of the zstd tool reads back; a cut or foreign stream fails with the reason', async (t) => {
  const data = sample(2 << 20);
  const single = execFileSync('zstd', ['-c', '-3'], { input: data, maxBuffer: 1 << 26 });
  const pieces: Buffer[] = [];
  for (let i = 0; i < single.length; i += 7_001) pieces.push(single.subarray(i, i + 7_001));
  t.ok((await buffer(Readable.from(decompressZstd(Readable.from(pieces))))).equals(data), 'read in small pieces, across block boundaries');
  const framed = Buffer.concat([zstdCompressSync(data.subarray(0, 1000)), zstdCompressSync(data.subarray(1000))]);
  await t.rejects(buffer(Readable.from(decompressZstd(Readable.from([framed.subarray(0, framed.length - 100)])))), { name: 'ZstdFormatError', message: 'the zstd stream ends inside a block' });
  await t.rejects(buffer(Readable.from(decompressZstd(Readable.from([Buffer.concat([framed, Buffer.from('trailing garbage')])])))), {
    name: 'ZstdFormatError',
    message: 'bytes after the last zstd frame are not a zstd frame',
  });
  await t.rejects(buffer(Readable.from(decompressZstd(Readable.from([Buffer.from('not zstd at all')])))), { name: 'ZstdFormatError', message: 'not a zstd stream' });
});
