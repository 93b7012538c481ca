import t from 'tap';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Etcd3 } from 'etcd3';
import { headerRevision, openGateway } from '../../src/etcd/etcd-gateway.ts';
import { countKeysOverGateway, readClusterInfoOverGateway } from '../../src/etcd/gateway-cluster-info.ts';
import { AgentError } from '../../src/errors/agent-error.ts';
import { startEtcd } from '../support/etcd/server.ts';

// etcd's JSON gateway against a real etcd 3.4 (what the replay and the throwaway members use), compared with what the
// etcd3 gRPC client reads; refusals and silence from a stand-in HTTP server.

const etcd = await startEtcd();
t.teardown(() => etcd.cleanup());
const grpc = new Etcd3({ hosts: [etcd.endpoint] });
t.teardown(() => grpc.close());

t.test('a txn of a put and a delete answers the revision it made, and the per-op answers can be dropped', async (t) => {
  const gateway = openGateway(etcd.endpoint, { timeoutMs: 5000, maxAnswerBytes: 1024 ** 2 });
  t.teardown(() => gateway.close());
  await grpc.put('gw/doomed').value('x');
  const before = Number((await grpc.maintenance.status()).header.revision);
  const key = Buffer.from('gw/a').toString('base64');
  const ops = [`{"request_put":{"key":"${key}","value":"${Buffer.from('1').toString('base64')}"}}`, `{"request_delete_range":{"key":"${Buffer.from('gw/doomed').toString('base64')}"}}`];
  const answer = await gateway.post('/v3/kv/txn', `{"success":[${ops.join(',')}]}`, 140);
  t.equal(answer.truncated, true);
  t.equal(headerRevision(answer.text), before + 1);
  t.equal(await grpc.get('gw/a').string(), '1');
  t.equal(await grpc.get('gw/doomed').string(), null);
});

t.test('member list, status and key count read over the gateway equal the gRPC client\'s', async (t) => {
  const gateway = openGateway(etcd.endpoint, { timeoutMs: 5000, maxAnswerBytes: 1024 ** 2 });
  t.teardown(() => gateway.close());
  const info = await readClusterInfoOverGateway(gateway);
  const members = await grpc.cluster.memberList({});
  const status = await grpc.maintenance.status();
  t.equal(info.clusterId, BigInt(members.header.cluster_id).toString(16));
  t.strictSame(info.members, members.members.map((m) => ({ id: BigInt(m.ID).toString(16), name: m.name, peerUrls: m.peerURLs, clientUrls: m.clientURLs })));
  t.equal(info.revision, Number(status.header.revision));
  t.equal(info.serverVersion, status.version);
  t.equal(await countKeysOverGateway(gateway), await grpc.getAll().count());
  await grpc.put('gw/later').value('y');
  t.equal(await countKeysOverGateway(gateway, info.revision), await grpc.getAll().revision(info.revision).count());
});

t.test('a refused request names the call and etcd\'s reason', async (t) => {
  const gateway = openGateway(etcd.endpoint, { timeoutMs: 5000, maxAnswerBytes: 1024 ** 2 });
  t.teardown(() => gateway.close());
  const op = `{"request_put":{"key":"${Buffer.from('gw/b').toString('base64')}","value":"","lease":"12345"}}`;
  await t.rejects(gateway.post('/v3/kv/txn', `{"success":[${op}]}`, 4096), new AgentError(`etcd at ${etcd.endpoint} refused /v3/kv/txn: etcdserver: requested lease not found (gRPC code 5)`));
});

t.test('silence past the timeout is refused naming the call, and https endpoints are not taken', async (t) => {
  const server = createServer(() => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const gateway = openGateway(endpoint, { timeoutMs: 300, maxAnswerBytes: 1024 });
  t.teardown(() => gateway.close());
  await t.rejects(gateway.call('/v3/maintenance/status', '{}'), new AgentError(`etcd at ${endpoint} did not answer /v3/maintenance/status: no answer within 0.3s`));
  t.throws(() => openGateway('https://127.0.0.1:2379', { timeoutMs: 300, maxAnswerBytes: 1024 }), new AgentError('etcd\'s JSON gateway is only used on a plain http:// loopback endpoint, not https://127.0.0.1:2379'));
});

t.test('an answer longer than maxAnswerBytes is refused by call', async (t) => {
  const gateway = openGateway(etcd.endpoint, { timeoutMs: 5000, maxAnswerBytes: 20 });
  t.teardown(() => gateway.close());
  await t.rejects(gateway.call('/v3/maintenance/status', '{}'), new AgentError(`etcd at ${etcd.endpoint} answered /v3/maintenance/status with more than 20 bytes`));
});

t.test('headerRevision reads only a leading header with a decimal revision', async (t) => {
  t.equal(headerRevision('{"header":{"cluster_id":"1","revision":"42","raft_term":"2"},"succeeded":true,"responses":[{"resp'), 42);
  t.equal(headerRevision('{"succeeded":true,"header":{"revision":"42"}}'), undefined);
  t.equal(headerRevision('{"header":{"revision":42}}'), undefined);
  t.equal(headerRevision('{"error":"x"}'), undefined);
});
