import t from 'tap';
import { loadCharmFiles } from '../../src/charm/charm-files.ts';
import { validateParams } from '../../src/actions/validate-params.ts';

const { actions } = await loadCharmFiles();

t.test('every action declares additionalProperties: false', async (t) => {
  t.same(Object.keys(actions).sort(), ['list-snapshots', 'prune-snapshots', 'restore', 'snapshot', 'verify-snapshot']);
  for (const [name, spec] of Object.entries(actions)) t.equal(spec.additionalProperties, false, name);
});

t.test('fills defaults and refuses bad params by name and value', async (t) => {
  t.same(await validateParams('snapshot', actions.snapshot!, {}), { target: '/home/ubuntu/etcd-snapshots', 'keys-version': 'v3' });
  await t.rejects(validateParams('snapshot', actions.snapshot!, { 'keys-version': 'v4' }), { message: /keys-version="v4": must be one of v3/ });
  await t.rejects(validateParams('snapshot', actions.snapshot!, { target: 5 }), { message: /target=5/ });
  await t.rejects(validateParams('snapshot', actions.snapshot!, { bogus: 'x' }), { message: /unknown param "bogus"/ });
  await t.rejects(validateParams('snapshot', actions.snapshot!, { 'keys-version': 'v2' }, { 'keys-version': { v2: 'the v2 store is gone' } }), {
    message: /keys-version="v2": the v2 store is gone/,
  });
});

t.test('sha256 must be 64 hex digits where an action takes it: a usage error, before anything runs', async (t) => {
  const good = 'a'.repeat(64);
  t.equal((await validateParams('restore', actions.restore!, { sha256: good })).sha256, good);
  t.equal((await validateParams('restore', actions.restore!, { sha256: ` ${good.toUpperCase()}\n` })).sha256, ` ${good.toUpperCase()}\n`, 'as sha256sum -c would: case and spaces aside');
  t.equal((await validateParams('restore', actions.restore!, {})).sha256, '', 'empty: no expected checksum');
  for (const bad of ['xyz', 'a'.repeat(63), `${'a'.repeat(64)}  etcd-snapshot.tar.gz`, 'g'.repeat(64)]) {
    await t.rejects(validateParams('restore', actions.restore!, { sha256: bad }), {
      name: 'UsageError',
      message: `invalid param sha256=${JSON.stringify(bad)}: must be 64 hex digits as sha256sum prints them`,
    });
  }
});
