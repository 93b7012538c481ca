// enableOptimizingCompilers, in a real Node started as the entry points start it (--no-opt --no-maglev): a hot
// function stays unoptimized without the call, and TurboFan optimizes it after the call.
import t from 'tap';
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';

const MODULE = fileURLToPath(new URL('../../src/process/optimizing-compilers.ts', import.meta.url));

// Runs a hot function 200 times, then prints its result and whether V8 optimized it (%GetOptimizationStatus bit 16).
const program = (enable: boolean): string => `
  const { enableOptimizingCompilers } = await import(${JSON.stringify(MODULE)});
  ${enable ? 'enableOptimizingCompilers();' : ''}
  const hot = new Function('n', 'let s = 0; for (let i = 0; i < n; i++) s += i % 7; return s;');
  let sum = 0;
  for (let k = 0; k < 200; k++) sum += hot(1e5);
  console.log(JSON.stringify({ sum, optimized: (%GetOptimizationStatus(hot) & 16) === 16 }));
`;

const run = async (enable: boolean): Promise<unknown> => {
  const child = await execa(process.execPath, ['--no-opt', '--no-maglev', '--allow-natives-syntax', '--input-type=module', '-e', program(enable)], { env: { NODE_OPTIONS: '' } });
  return JSON.parse(child.stdout);
};

t.test('with the compilers off a hot function stays unoptimized; enableOptimizingCompilers turns TurboFan back on', async (t) => {
  t.strictSame(await run(false), { sum: 200 * 299995, optimized: false });
  t.strictSame(await run(true), { sum: 200 * 299995, optimized: true });
});
