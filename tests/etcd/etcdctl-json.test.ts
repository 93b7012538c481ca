import t from 'tap';
import { clusterInfoFromJson, countFromJson } from '../../src/etcd/etcdctl-json.ts';

// As etcdctl 3.4 prints them (-w json), IDs as 64-bit integers that JSON.parse alone would round.
const MEMBERS = '{"header":{"cluster_id":14841639068965178418,"member_id":10276657743932975437,"raft_term":2},"members":[{"ID":10276657743932975437,"name":"etcd0","peerURLs":["http://127.0.0.1:2380"],"clientURLs":["http://127.0.0.1:2379"]},{"ID":1,"name":"","peerURLs":["http://10.0.0.2:2380"]}]}';
const STATUS = '[{"Endpoint":"http://127.0.0.1:2379","Status":{"header":{"cluster_id":14841639068965178418,"member_id":10276657743932975437,"revision":881,"raft_term":2},"version":"3.4.23","dbSize":286982144,"leader":10276657743932975437,"raftIndex":884,"raftTerm":2,"raftAppliedIndex":884,"dbSizeInUse":286982144}}]';

t.test('cluster info from etcdctl JSON: 64-bit IDs exact, in hex', async (t) => {
  t.strictSame(clusterInfoFromJson(MEMBERS, STATUS), {
    clusterId: (14841639068965178418n).toString(16),
    memberCount: 2,
    members: [
      { id: (10276657743932975437n).toString(16), name: 'etcd0', peerUrls: ['http://127.0.0.1:2380'], clientUrls: ['http://127.0.0.1:2379'] },
      { id: '1', name: '', peerUrls: ['http://10.0.0.2:2380'], clientUrls: [] },
    ],
    serverVersion: '3.4.23',
    revision: 881,
    dbSize: 286982144,
  });
  t.throws(() => clusterInfoFromJson('{}', '[]'), { message: 'etcdctl printed something unexpected: {}[]' });
});

t.test('the key count of a limited range', async (t) => {
  t.equal(countFromJson('{"header":{"cluster_id":14841639068965178418,"member_id":1,"revision":881,"raft_term":2},"kvs":[{"key":"L3JlZ2lzdHJ5"}],"more":true,"count":63364}'), 63364);
  t.equal(countFromJson('{"header":{"revision":1}}'), 0, 'an empty keyspace prints no count');
  t.throws(() => countFromJson('{"count":-1}'), { message: 'etcdctl printed an unexpected key count: {"count":-1}' });
});
