import t from 'tap';
import { waitHealthy } from '../../src/engine/wait-healthy.ts';
import { AgentError } from '../../src/errors/agent-error.ts';
import { fakeClock } from '../fakes/fake-clock.ts';
import { clusterAt, fakeEtcd } from '../fakes/fake-etcd.ts';

// waitHealthy on the fake clock: it polls until etcd answers or the deadline passes, and never waits for real.

t.test('answers on the third try: two polls, the cluster returned', async (t) => {
  const clock = fakeClock();
  let tries = 0;
  const etcd = fakeEtcd({
    cluster: async () => {
      if (++tries < 3) throw new AgentError(`not yet (${tries})`);
      return clusterAt(77);
    },
  });
  t.strictSame(await waitHealthy(etcd, clock, 10_000), clusterAt(77));
  t.strictSame(clock.sleeps, [500, 500]);
  t.equal(clock.now().getTime() - new Date('2024-05-01T10:00:00.000Z').getTime(), 1_000);
});

t.test('never answers: gives up once the deadline has passed, with the last reason', async (t) => {
  const clock = fakeClock();
  let tries = 0;
  const etcd = fakeEtcd({ cluster: async () => Promise.reject(new AgentError(`refused, try ${++tries}`)) });
  await t.rejects(waitHealthy(etcd, clock, 1_200), { name: 'AgentError', message: 'etcd did not become healthy within 1s (refused, try 4)' });
  t.strictSame(clock.sleeps, [500, 500, 500], 'polled at 0, 500, 1000 and 1500ms of fake time');
  t.equal(etcd.calls.length, 4);
});

t.test('a custom poll interval, and a multi-line reason on one line', async (t) => {
  const clock = fakeClock();
  const etcd = fakeEtcd({ cluster: new Error('dial tcp 127.0.0.1:2379:\n  connection refused') });
  await t.rejects(waitHealthy(etcd, clock, 5_000, 2_000), { message: 'etcd did not become healthy within 5s (dial tcp 127.0.0.1:2379:; connection refused)' });
  t.strictSame(clock.sleeps, [2_000, 2_000, 2_000]);
});
