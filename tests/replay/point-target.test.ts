import t from 'tap';
import { UsageError } from '../../src/errors/agent-error.ts';
import { parseUtcTime, pointTarget, TO_TIME_RULE } from '../../src/replay/point-target.ts';
import { loadCharmFiles } from '../../src/charm/charm-files.ts';
import { validateParams } from '../../src/actions/validate-params.ts';

t.test('RFC 3339 UTC times, with fractional seconds kept to the millisecond (rounded down)', async (t) => {
  t.equal(parseUtcTime('2026-12-01T14:31:00Z')?.toISOString(), '2026-12-01T14:31:00.000Z');
  t.equal(parseUtcTime('2026-12-01T14:31:00.5Z')?.toISOString(), '2026-12-01T14:31:00.500Z');
  t.equal(parseUtcTime('2026-12-01T14:31:00.123999999Z')?.toISOString(), '2026-12-01T14:31:00.123Z');
  t.equal(parseUtcTime('2026-12-01t14:31:00z')?.toISOString(), '2026-12-01T14:31:00.000Z');
  t.equal(parseUtcTime(' 2024-02-29T00:00:00Z ')?.toISOString(), '2024-02-29T00:00:00.000Z', 'a leap day');
  for (const bad of ['2026-12-01', '2026-12-01 14:31:00Z', '2026-12-01T14:31Z', '2026-12-01T14:31:00+00:00', '2026-12-01T14:31:00', '2026-02-30T00:00:00Z', '2026-12-01T24:00:00Z', '2026-13-01T00:00:00Z', '1764599460', '']) {
    t.equal(parseUtcTime(bad), undefined, JSON.stringify(bad));
  }
});

t.test('pointTarget: none, a time, a revision, and the refusals naming the param and value', async (t) => {
  t.equal(pointTarget({}), undefined);
  t.equal(pointTarget({ 'to-time': '', source: 'x' }), undefined, 'empty is today\'s behaviour');
  t.strictSame(pointTarget({ 'to-time': '2026-12-01T14:31:00Z' }), { kind: 'time', time: new Date('2026-12-01T14:31:00Z'), given: '2026-12-01T14:31:00Z', param: 'to-time' });
  t.strictSame(pointTarget({ 'to-time': '', 'to-revision': 4200 }), { kind: 'revision', revision: 4200, given: '4200', param: 'to-revision' });
  t.throws(() => pointTarget({ 'to-time': 'yesterday' }), new UsageError(`invalid param to-time="yesterday": ${TO_TIME_RULE}`));
  t.throws(() => pointTarget({ 'to-time': '2026-12-01T14:31:00Z', 'to-revision': 9 }), new UsageError('param to-time="2026-12-01T14:31:00Z" and param to-revision=9 were both given: pass at most one of to-time and to-revision'));
  t.throws(() => pointTarget({ 'to-revision': 1.5 }), new UsageError('invalid param to-revision=1.5: must be a whole number of at least 1 (an etcd revision)'));
});

t.test('restore and verify-snapshot declare both params; validation refuses before anything runs', async (t) => {
  const { actions } = await loadCharmFiles();
  for (const action of ['restore', 'verify-snapshot']) {
    const spec = actions[action]!;
    t.strictSame(spec.params['to-revision'], { type: 'integer', minimum: 1, description: spec.params['to-revision']!.description }, `${action}: integer, no default`);
    t.equal(spec.params['to-time']!.default, '');
    const filled = await validateParams(action, spec, {});
    t.equal(filled['to-time'], '');
    t.notOk('to-revision' in filled, 'no to-revision unless given');
    await t.rejects(validateParams(action, spec, { 'to-revision': '12' }), { name: 'UsageError', message: `${action}: invalid param to-revision="12": must be integer` });
    await t.rejects(validateParams(action, spec, { 'to-time': '2026-12-01T14:31:00+02:00' }), { name: 'UsageError', message: `invalid param to-time="2026-12-01T14:31:00+02:00": ${TO_TIME_RULE}` });
    t.equal((await validateParams(action, spec, { 'to-revision': 12 }))['to-revision'], 12);
  }
});
