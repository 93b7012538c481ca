import t from 'tap';
import { loadCharmFiles } from '../../src/charm/charm-files.ts';
import { validateParams } from '../../src/actions/validate-params.ts';

const { actions } = loadCharmFiles();

t.test('every action declares additionalProperties: false', async (t) => {
  t.same(Object.keys(actions).sort(), ['list-snapshots', 'prune-snapshots', 'restore', 'snapshot', 'verify-snapshot']);
  for (const [name, spec] of Object.entries(actions)) t.equal(spec.additionalProperties, false, name);
});

t.test('fills defaults and refuses bad params by name and value', async (t) => {
  t.same(validateParams('snapshot', actions.snapshot!, {}), { target: '/home/ubuntu/etcd-snapshots', 'keys-version': 'v3' });
  t.throws(() => validateParams('snapshot', actions.snapshot!, { 'keys-version': 'v4' }), { message: /keys-version="v4": must be one of v3/ });
  t.throws(() => validateParams('snapshot', actions.snapshot!, { target: 5 }), { message: /target=5/ });
  t.throws(() => validateParams('snapshot', actions.snapshot!, { bogus: 'x' }), { message: /unknown param "bogus"/ });
  t.throws(() => validateParams('snapshot', actions.snapshot!, { 'keys-version': 'v2' }, { 'keys-version': { v2: 'the v2 store is gone' } }), {
    message: /keys-version="v2": the v2 store is gone/,
  });
});
