import t from 'tap';
import type { DeltaEvent } from '../../src/delta/delta-types.ts';
import type { GatewayAnswer } from '../../src/etcd/etcd-gateway.ts';
import { AgentError } from '../../src/errors/agent-error.ts';
import { revisionApplier } from '../../src/replay/apply-revisions.ts';

// The applier's requests to etcd's JSON gateway, exactly, with a stand-in gateway that answers like etcd 3.4 (the
// real one is exercised against etcd's own history in replay-member.test.ts).

const event = (revision: number, type: 'put' | 'delete', key: string, lease = '0'): DeltaEvent => ({
  revision, type, key: Buffer.from(key), value: type === 'put' ? Buffer.from(`v${revision}`) : Buffer.alloc(0), lease, createRevision: revision, version: 1, time: `2026-12-01T14:00:0${revision % 10}.000Z`,
});
const b64 = (text: string): string => Buffer.from(text).toString('base64');
const header = (revision: number): string => `{"header":{"cluster_id":"1","member_id":"2","revision":"${revision}","raft_term":"2"},"succeeded":true,"responses":[]}`;

const fakeGateway = (answer: (n: number) => string) => {
  const posts: { path: string; body: string; keepBytes: number | undefined }[] = [];
  return {
    posts,
    post: async (path: string, body: string, keepBytes?: number): Promise<GatewayAnswer> => {
      posts.push({ path, body, keepBytes });
      return { status: 200, text: answer(posts.length), truncated: false };
    },
  };
};
const target = { kind: 'revision' as const, revision: 103, given: '103', param: 'to-revision' as const };
const options = { baseRevision: 100, target, leases: new Set(['7']), maxTxnBytes: 1024 ** 2, maxTxnOps: 1000 };

t.test('one txn per revision: puts with a kept lease, without a dropped one, deletes of exactly the key', async (t) => {
  const gateway = fakeGateway((n) => header(100 + n));
  const applier = revisionApplier(gateway, options);
  for (const e of [event(101, 'put', '/a', '7'), event(101, 'put', '/b', '9'), event(102, 'delete', '/a'), event(103, 'put', '/c'), event(104, 'put', '/d')]) {
    if (!(await applier.push(e))) break;
  }
  const stats = await applier.finish();
  t.strictSame(gateway.posts.map((p) => p.path), ['/v3/kv/txn', '/v3/kv/txn', '/v3/kv/txn']);
  t.strictSame(gateway.posts.map((p) => p.keepBytes), [4096, 4096, 4096]);
  t.strictSame(gateway.posts.map((p) => p.body), [
    `{"success":[{"request_put":{"key":"${b64('/a')}","value":"${b64('v101')}","lease":"7"}},{"request_put":{"key":"${b64('/b')}","value":"${b64('v101')}"}}]}`,
    `{"success":[{"request_delete_range":{"key":"${b64('/a')}"}}]}`,
    `{"success":[{"request_put":{"key":"${b64('/c')}","value":"${b64('v103')}"}}]}`,
  ]);
  t.strictSame(stats, { revision: 103, time: '2026-12-01T14:00:03.000Z', eventsApplied: 4, revisionsApplied: 3, leasesDropped: 1 });
});

t.test('an answer at another revision, or naming none, is refused', async (t) => {
  const drift = revisionApplier(fakeGateway(() => header(102)), options);
  await drift.push(event(101, 'put', '/a'));
  await t.rejects(drift.finish(), new AgentError('replaying original revision 101 took the throwaway etcd to revision 102; something else changed it (a lease expired?), so the replay is not exact: try again'));
  const none = revisionApplier(fakeGateway(() => '{"succeeded":true}'), options);
  await none.push(event(101, 'put', '/a'));
  await t.rejects(none.finish(), new AgentError('replaying original revision 101: the throwaway etcd\'s answer names no revision ({"succeeded":true}); the replay cannot be checked'));
});
