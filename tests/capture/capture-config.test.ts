import t from 'tap';
import { loadCharmFiles } from '../../src/charm/charm-files.ts';
import { normalizeConfig } from '../../src/config/normalize-config.ts';
import { tempDir } from '../support/files/dirs.ts';
import { spawnAgent } from '../support/juju/agent-process.ts';

const { options } = await loadCharmFiles();

t.test('delta-interval and delta-max-bytes: defaults, bounds, and messages naming the option and the value', async (t) => {
  const config = normalizeConfig({}, options);
  t.strictSame([config.deltaIntervalSeconds, config.deltaMaxBytes], [10, 16_777_216]);
  t.strictSame([normalizeConfig({ 'delta-interval': 0 }, options).deltaIntervalSeconds, normalizeConfig({ 'delta-interval': '3600' }, options).deltaIntervalSeconds], [0, 3600]);
  t.equal(normalizeConfig({ 'delta-max-bytes': 65_536 }, options).deltaMaxBytes, 65_536);
  const cases: [Record<string, unknown>, string][] = [
    [{ 'delta-interval': -1 }, 'invalid config option delta-interval=-1: must be at least 0'],
    [{ 'delta-interval': 3601 }, 'invalid config option delta-interval=3601: must be at most 3600'],
    [{ 'delta-interval': 'soon' }, 'invalid config option delta-interval="soon": must be a whole number'],
    [{ 'delta-interval': 2.5 }, 'invalid config option delta-interval=2.5: must be a whole number'],
    [{ 'delta-max-bytes': 1000 }, 'invalid config option delta-max-bytes=1000: must be at least 65536'],
    [{ 'delta-max-bytes': 2 ** 31 }, 'invalid config option delta-max-bytes=2147483648: must be at most 1073741824'],
  ];
  for (const [raw, message] of cases) t.throws(() => normalizeConfig(raw, options), { name: 'UsageError', message }, JSON.stringify(raw));
});

t.test('the schedule command refuses a bad delta option as a usage error, in the CLI\'s words', async (t) => {
  const dir = await tempDir(t, 'delta-flags');
  const base = ['schedule', '--snapshot-schedule', '0 * * * *', '--snapshot-dir', dir, '--metrics-address', ''];
  const interval = await spawnAgent([...base, '--delta-interval', '-1']);
  t.equal(interval.exitCode, 2);
  t.strictSame(String(interval.all).split('\n'), ['error: invalid --delta-interval -1: must be at least 0']);
  const bytes = await spawnAgent([...base, '--delta-max-bytes', '12']);
  t.equal(bytes.exitCode, 2);
  t.strictSame(String(bytes.all).split('\n'), ['error: invalid --delta-max-bytes 12: must be at least 65536']);
});
