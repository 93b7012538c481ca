import t from 'tap';
import { execa } from 'execa';
import { startRssSampler } from '../../scripts/bench/rss-sampler.ts';

// A Node process that idles 0.4 s, then holds 50 MiB (written, so resident) while a `sleep 1` child of it runs.
const GROWS = `setTimeout(() => {
  globalThis.held = Buffer.alloc(50 * 2 ** 20).fill(1);
  require('node:child_process').spawn('sleep', ['1'], { stdio: 'inherit' }).on('exit', () => process.exit(0));
}, 400);`;

t.test('samples a process that grows by 50 MiB, and the child it runs, in time order', async (t) => {
  const child = execa(process.execPath, ['-e', GROWS], { stdin: 'ignore' });
  const sampler = startRssSampler(child.pid as number, 50);
  await child;
  const samples = await sampler.stop();
  const withSleep = samples.filter((s) => s.descendantsMiB.sleep !== undefined);
  const before = samples.filter((s) => s.seconds < (withSleep[0]?.seconds as number)).map((s) => s.selfMiB).sort((a, b) => a - b);
  const idle = before[Math.floor(before.length / 2)] as number; // the median: mostly the idle plateau, past startup
  const growth = Math.min(...withSleep.map((s) => s.selfMiB)) - idle;
  t.ok(before.length >= 5, `${before.length} samples before the allocation and the child`);
  t.ok(idle >= 20 && idle <= 80, `idle at ${idle.toFixed(1)} MiB`);
  t.ok(growth >= 45 && growth <= 60, `holding 50 MiB, it grew by ${growth.toFixed(1)} MiB`);
  const anonBefore = samples.filter((s) => s.seconds < (withSleep[0]?.seconds as number)).map((s) => s.selfAnonMiB).sort((a, b) => a - b);
  const anonGrowth = Math.min(...withSleep.map((s) => s.selfAnonMiB)) - (anonBefore[Math.floor(anonBefore.length / 2)] as number);
  t.ok(anonGrowth >= 45 && anonGrowth <= 70, `all of it anonymous memory: ${anonGrowth.toFixed(1)} MiB`);
  t.ok(samples.every((s) => s.selfAnonMiB < s.selfMiB), 'anonymous memory is part of the RSS (the node binary is mapped too)');
  t.ok(samples.every((s, i) => i === 0 || s.seconds - (samples[i - 1]?.seconds as number) >= 0.05), 'time-ordered, at least 50 ms apart');
  // How many samples land in its second depends on the machine's load (a rate is the bench's to measure, not a
  // test's): more than one shows it is sampled again while it runs.
  t.ok(withSleep.length >= 2, `the sleep child seen in ${withSleep.length} samples`);
  t.ok(withSleep.every((s) => (s.descendantsMiB.sleep as number) > 0 && (s.descendantsMiB.sleep as number) < 10), 'its RSS is its own (a few MiB), not its parent\'s');
  t.strictSame(new Set(samples.flatMap((s) => Object.keys(s.descendantsMiB))), new Set(['sleep']));
  t.ok(withSleep.every((s) => (s.descendantsAnonMiB.sleep as number) <= (s.descendantsMiB.sleep as number)), 'the child\'s anonymous memory, within its RSS');
  t.ok((withSleep[0]?.seconds as number) >= 0.4, 'the child appears once it is started');
});

t.test('a process that is gone gives no samples', async (t) => {
  const child = execa('true');
  await child;
  const sampler = startRssSampler(child.pid as number, 50);
  await new Promise((done) => setTimeout(done, 120));
  t.strictSame(await sampler.stop(), []);
});
