import t from 'tap';
import { decodeLine, encodeEvent, encodeManifest } from '../../src/delta/segment-codec.ts';
import { AgentError } from '../../src/errors/agent-error.ts';
import { del, lineOf, manifestOf, put } from './segment-fixture.ts';

const AT = { file: '/d/etcd-delta-2026-12-01-14.00.00-1-2.jsonl.gz', line: 7 };
const bad = (why: string): AgentError => new AgentError(`delta segment ${AT.file}, line 7: ${why}; the segment is damaged or not written by this agent`);
const fields = (e = put(5)): Record<string, unknown> => JSON.parse(lineOf(e)) as Record<string, unknown>;

t.test('an event is one JSON line with base64 key and value', async (t) => {
  const e = { ...put(5, Buffer.from([0, 255])), lease: '7587883143127412234' };
  t.equal(encodeEvent(e), `{"r":5,"t":"put","k":"L3JlZ2lzdHJ5L2s1","v":"AP8=","l":"7587883143127412234","c":5,"ver":1,"ts":"${e.time}"}`);
  t.strictSame(decodeLine(encodeEvent(e), AT), { kind: 'event', event: e });
  const gone = del(6, Buffer.from([1, 2, 3]));
  t.strictSame(decodeLine(encodeEvent(gone), AT), { kind: 'event', event: gone });
  const empty = put(9, Buffer.alloc(0));
  t.strictSame(decodeLine(encodeEvent(empty), AT), { kind: 'event', event: empty });
});

t.test('the trailer is {"manifest":...} with its fields in order', async (t) => {
  const manifest = manifestOf([put(101), put(102)]);
  const line = encodeManifest(manifest);
  t.equal(line, JSON.stringify({ manifest }));
  t.strictSame(decodeLine(line, AT), { kind: 'manifest', manifest });
  t.throws(() => encodeManifest({ ...manifest, firstRevision: 100 }), new AgentError('cannot write a delta segment trailer: revisions must be baseRevision < firstRevision <= lastRevision, not 100 < 100 <= 102'));
});

t.test('encodeEvent refuses what etcd never reports', async (t) => {
  t.throws(() => encodeEvent({ ...put(5), key: Buffer.alloc(0) }), new AgentError('cannot write the event at revision 5 to a delta segment: the key is empty'));
  t.throws(() => encodeEvent({ ...del(5, Buffer.from('k')), value: Buffer.from('x') }), new AgentError('cannot write the event at revision 5 to a delta segment: a delete must have an empty value, lease 0, create revision 0 and version 0'));
  t.throws(() => encodeEvent({ ...put(5), createRevision: 6 }), new AgentError('cannot write the event at revision 5 to a delta segment: a put must have 1 <= create revision (6) <= revision (5) and version >= 1 (1)'));
  t.throws(() => encodeEvent({ ...put(5), time: '2026-12-01T14:00:00Z' }), new AgentError('cannot write the event at revision 5 to a delta segment: time "2026-12-01T14:00:00Z" is not an ISO 8601 UTC time with milliseconds'));
  t.throws(() => encodeEvent({ ...put(5), revision: 0 }), new AgentError('cannot write the event at revision 0 to a delta segment: revision 0 is not a whole number >= 1'));
});

t.test('decodeLine refuses anything but an exact event or trailer', async (t) => {
  const cases: [string, string][] = [
    ['{"r":1', 'it is not JSON'],
    ['[1,2]', 'it is not a JSON object'],
    ['null', 'it is not a JSON object'],
    [JSON.stringify({ ...fields(), extra: 1 }), 'an event must have exactly the fields r, t, k, v, l, c, ver, ts'],
    [JSON.stringify({ ...fields(), ver: undefined }), 'an event must have exactly the fields r, t, k, v, l, c, ver, ts'],
    [JSON.stringify({ ...fields(), k: 'a b' }), 'the key and value must be canonical base64'],
    [JSON.stringify({ ...fields(), v: 'QQ' }), 'the key and value must be canonical base64'],
    [JSON.stringify({ ...fields(), v: 5 }), 'the key and value must be canonical base64'],
    [JSON.stringify({ ...fields(), t: 'patch' }), 'the event is malformed: type "patch" is neither put nor delete'],
    [JSON.stringify({ ...fields(), r: '5' }), 'the event is malformed: revision "5" is not a whole number >= 1'],
    [JSON.stringify({ ...fields(), r: 1.5 }), 'the event is malformed: revision 1.5 is not a whole number >= 1'],
    [JSON.stringify({ ...fields(), l: 12 }), 'the event is malformed: lease 12 is not a decimal lease id'],
    [JSON.stringify({ ...fields(), l: '012' }), 'the event is malformed: lease "012" is not a decimal lease id'],
    [JSON.stringify({ ...fields(), ts: '2026-02-30T00:00:00.000Z' }), 'the event is malformed: time "2026-02-30T00:00:00.000Z" is not an ISO 8601 UTC time with milliseconds'],
    [JSON.stringify({ ...fields(del(5, Buffer.from('k'))), c: 3 }), 'the event is malformed: a delete must have an empty value, lease 0, create revision 0 and version 0'],
    [JSON.stringify({ manifest: manifestOf([put(101)]), r: 1 }), 'the trailer must be {"manifest":{...}} alone'],
    [JSON.stringify({ manifest: 'x' }), 'the trailer must be {"manifest":{...}} alone'],
    [JSON.stringify({ manifest: { ...manifestOf([put(101)]), kind: 'other' } }), 'the trailer is malformed: kind "other" format 1 is not etcd-agent-delta format 1'],
    [JSON.stringify({ manifest: { ...manifestOf([put(101)]), base: 'x.tar.gz' } }), 'the trailer is malformed: base "x.tar.gz" is not an archive name'],
    [JSON.stringify({ manifest: { ...manifestOf([put(101)]), count: 0 } }), 'the trailer is malformed: count 0 is not a whole number >= 1'],
    [JSON.stringify({ manifest: { ...manifestOf([put(101)]), more: 1 } }), 'the trailer is malformed: its fields must be exactly kind, format, base, baseRevision, clusterId, firstRevision, lastRevision, firstEventTime, lastEventTime, count, closedAt'],
  ];
  for (const [line, why] of cases) t.throws(() => decodeLine(line, AT), bad(why), line);
});
