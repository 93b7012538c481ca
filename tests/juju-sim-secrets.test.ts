// The simulated secret-get tracks revisions as Juju does, so a test can tell whether the agent asked for the latest.
import t from 'tap';
import { execa } from 'execa';
import { createJujuSim } from './support/juju/sim.ts';

t.test('a rotated secret reaches the unit only through --refresh (or --peek, which does not track it)', async (t) => {
  const sim = await createJujuSim({ secrets: { 'secret:s3': { 'secret-key': 'first' } } });
  t.teardown(() => sim.cleanup());
  const get = async (...args: string[]) => String((await execa('secret-get', ['secret:s3', 'secret-key', ...args], { env: sim.env({}) })).stdout).trim();
  t.equal(await get(), 'first', 'the first read tracks the current revision');
  await sim.setup({ secrets: { 'secret:s3': { 'secret-key': 'second' } } });
  t.equal(await get(), 'first', 'without --refresh the tracked revision stays');
  t.equal(await get('--peek'), 'second', '--peek shows the latest');
  t.equal(await get(), 'first', '... without tracking it');
  t.equal(await get('--refresh'), 'second', '--refresh reads the latest');
  t.equal(await get(), 'second', '... and tracks it from then on');
  const both = await execa('secret-get', ['secret:s3', '--peek', '--refresh'], { env: sim.env({}), reject: false });
  t.strictSame([both.exitCode, String(both.stderr).trim()], [2, 'ERROR specify one of --peek or --refresh but not both']);
});
