import t from 'tap';
import { gatewayWatchSource, type WatchResponse } from '../../src/etcd/gateway-watch.ts';
import { startEtcd } from '../support/etcd/server.ts';

// The watch over etcd's JSON gateway against a real etcd: events as etcd reports them (a put with a lease, a
// delete), a progress answer with etcd's revision, and a compaction past the start revision.

const etcd = await startEtcd();
t.teardown(() => etcd.cleanup());

const revisionNow = async (): Promise<number> => Number((JSON.parse(await etcd.etcdctl(['endpoint', 'status', '-w', 'json'])) as { Status: { header: { revision: number } } }[])[0]!.Status.header.revision);

// Reads responses until one satisfies done (or fails after the timeout).
const readUntil = async (responses: AsyncIterable<WatchResponse>, done: (seen: WatchResponse[]) => boolean): Promise<WatchResponse[]> => {
  const seen: WatchResponse[] = [];
  const timer = setTimeout(() => { throw new Error(`no end after ${seen.length} responses`); }, 15_000);
  try {
    for await (const response of responses) {
      seen.push(response);
      if (done(seen)) break;
    }
  } finally {
    clearTimeout(timer);
  }
  return seen;
};

t.test('events from the start revision: a put with its lease and values as bytes, a delete, then a progress answer', async (t) => {
  const start = (await revisionNow()) + 1;
  const lease = /lease ([0-9a-f]+) granted/.exec(await etcd.etcdctl(['lease', 'grant', '600']))![1]!;
  await etcd.etcdctl(['put', '--lease', lease, '--', '/registry/leases/a', 'v\u00e9']);
  await etcd.put('/registry/pods/b', '{}');
  await etcd.etcdctl(['del', '--', '/registry/pods/b']);
  const last = await revisionNow();
  const session = await gatewayWatchSource([etcd.endpoint], undefined, 5_000).open(start);
  t.teardown(() => session.close());
  const seen = await readUntil(session.responses, (s) => s.flatMap((r) => r.events).length >= 3);
  t.equal(seen[0]!.created, true, 'the first answer says the watch was created');
  const events = seen.flatMap((r) => r.events).map((e) => [e.type, e.kv.key.toString(), e.kv.value.toString(), e.kv.lease, e.kv.mod_revision, e.kv.create_revision, e.kv.version]);
  t.strictSame(events, [
    ['Put', '/registry/leases/a', 'v\u00e9', String(BigInt(`0x${lease}`)), String(start), String(start), '1'],
    ['Put', '/registry/pods/b', '{}', '0', String(start + 1), String(start + 1), '1'],
    ['Delete', '/registry/pods/b', '', '0', String(last), '0', '0'],
  ]);
  session.progress();
  const [answer] = await readUntil(session.responses, () => true);
  t.strictSame({ events: answer!.events, revision: answer!.header.revision, created: answer!.created }, { events: [], revision: String(last), created: false }, 'a progress answer: no events, etcd\'s revision');
  t.equal(answer!.header.cluster_id, seen[0]!.header.cluster_id);
});

t.test('a start revision etcd has compacted: the watch is canceled with the compact revision', async (t) => {
  const from = await revisionNow();
  await etcd.put('/registry/pods/c', '1');
  await etcd.put('/registry/pods/c', '2');
  const compactTo = await revisionNow();
  await etcd.etcdctl(['compact', String(compactTo)]);
  const session = await gatewayWatchSource([etcd.endpoint], undefined, 5_000).open(from);
  t.teardown(() => session.close());
  const seen = await readUntil(session.responses, (s) => s.some((r) => r.canceled));
  const canceled = seen.find((r) => r.canceled)!;
  t.equal(canceled.compact_revision, String(compactTo));
  t.strictSame(canceled.events, []);
});

t.test('an endpoint that does not answer: open fails naming it', async (t) => {
  await t.rejects(gatewayWatchSource(['http://127.0.0.1:9'], undefined, 2_000).open(1), { message: 'cannot watch etcd at http://127.0.0.1:9: connect ECONNREFUSED 127.0.0.1:9' });
});
