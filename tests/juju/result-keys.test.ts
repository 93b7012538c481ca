import t from 'tap';
import { assertResultKey, nestResults } from '../../src/juju/result-keys.ts';

t.test('accepts the keys the contract uses', async (t) => {
  for (const key of ['snapshot.path', 'snapshot.total-keys', 'copy.cmd', 'snapshots.1.name']) t.doesNotThrow(() => assertResultKey(key), key);
});

t.test('refuses keys action-set would refuse, naming the key and the segment', async (t) => {
  const cases: [string, string][] = [
    ['totalKeys', 'result key "totalKeys" is not valid for action-set (segment "totalKeys")'],
    ['snapshot.-a', 'result key "snapshot.-a" is not valid for action-set (segment "-a")'],
    ['a-', 'result key "a-" is not valid for action-set (segment "a-")'],
    ['a..b', 'result key "a..b" is not valid for action-set (segment "")'],
    ['stdout', 'result key "stdout" uses the reserved name "stdout"'],
    ['x.stderr-encoding', 'result key "x.stderr-encoding" uses the reserved name "stderr-encoding"'],
    ['', 'result key "" is not valid for action-set (segment "")'],
  ];
  for (const [key, why] of cases) t.throws(() => assertResultKey(key), { name: 'AgentError', message: `internal error: ${why}` }, key);
});

t.test('nests dotted keys', async (t) => {
  t.same(nestResults({ 'a.b': '1', 'a.c': '2', d: '3' }), { a: { b: '1', c: '2' }, d: '3' });
});
