import t from 'tap';
import { assertResultKey, nestResults } from '../../src/juju/result-keys.ts';

t.test('accepts the keys the contract uses', async (t) => {
  for (const key of ['snapshot.path', 'snapshot.total-keys', 'copy.cmd', 'snapshots.1.name']) t.doesNotThrow(() => assertResultKey(key), key);
});

t.test('refuses keys action-set would refuse', async (t) => {
  for (const key of ['totalKeys', 'snapshot.-a', 'a-', 'a..b', 'stdout', 'x.stderr-encoding', '']) t.throws(() => assertResultKey(key), key);
});

t.test('nests dotted keys', async (t) => {
  t.same(nestResults({ 'a.b': '1', 'a.c': '2', d: '3' }), { a: { b: '1', c: '2' }, d: '3' });
});
