import t from 'tap';
import { readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { DeltaEvent } from '../../src/delta/delta-types.ts';
import { checkSegmentSha256, MAX_LINE_BYTES, readSegment } from '../../src/delta/segment-reader.ts';
import { openSegment } from '../../src/delta/segment-writer.ts';
import { AgentError } from '../../src/errors/agent-error.ts';
import { tempDir } from '../support/files/dirs.ts';
import { BASE, craft, lineOf, manifestOf, put } from './segment-fixture.ts';

const NAME = 'etcd-delta-2026-12-01-14.00.00-101-103.jsonl.gz';
const EVENTS = [put(101), put(102), put(102), put(103)];
const trailer = (events: DeltaEvent[] = EVENTS): string => JSON.stringify({ manifest: manifestOf(events) });
const damaged = (path: string, why: string): AgentError => new AgentError(`delta segment ${path}: ${why}; the segment is damaged or not written by this agent`);
const ignore = (): undefined => undefined;

t.test('a crafted segment as the writer writes it is read', async (t) => {
  const dir = await tempDir(t, 'reader');
  const path = await craft(dir, NAME, EVENTS.map(lineOf), [trailer()]);
  const seen: DeltaEvent[] = [];
  t.strictSame(await readSegment(path, (e) => void seen.push(e)), manifestOf(EVENTS));
  t.strictSame(seen, EVENTS);
});

t.test('refuses revisions that go back or skip, and a start or end other than the name says', async (t) => {
  const dir = await tempDir(t, 'reader');
  const skip = await craft(dir, NAME, [put(101), put(103)].map(lineOf), [trailer([put(101), put(103)])]);
  await t.rejects(readSegment(skip, ignore), damaged(skip, 'line 2 is at revision 103 after revision 101: revisions must ascend without a gap'));
  const back = await craft(dir, 'etcd-delta-2026-12-01-14.00.00-101-102.jsonl.gz', [put(101), put(102), put(101)].map(lineOf), [trailer([put(101), put(102), put(101)])]);
  await t.rejects(readSegment(back, ignore), damaged(back, 'line 3 is at revision 101 after revision 102: revisions must ascend without a gap'));
  const late = await craft(dir, 'etcd-delta-2026-12-01-14.00.00-100-103.jsonl.gz', EVENTS.map(lineOf), [trailer()]);
  await t.rejects(readSegment(late, ignore), damaged(late, 'its first event (line 1) is at revision 101, but its name says it starts at 100'));
  const short = await craft(dir, 'etcd-delta-2026-12-01-14.00.00-101-104.jsonl.gz', EVENTS.map(lineOf), [trailer()]);
  await t.rejects(readSegment(short, ignore), damaged(short, 'its last event is at revision 103, but its name says it ends at 104'));
  const long = await craft(dir, 'etcd-delta-2026-12-01-14.00.00-101-102.jsonl.gz', EVENTS.map(lineOf), [trailer()]);
  await t.rejects(readSegment(long, ignore), damaged(long, 'line 4 is at revision 103, past the 102 its name says it ends at'));
});

t.test('refuses a trailer that does not match the events', async (t) => {
  const dir = await tempDir(t, 'reader');
  const counted = await craft(dir, NAME, EVENTS.map(lineOf), [JSON.stringify({ manifest: { ...manifestOf(EVENTS), count: 3 } })]);
  await t.rejects(readSegment(counted, ignore), damaged(counted, 'its trailer says count 3, but its events say 4'));
  const timed = await craft(dir, NAME, EVENTS.map(lineOf), [JSON.stringify({ manifest: { ...manifestOf(EVENTS), lastEventTime: '2026-12-01T14:09:00.000Z' } })]);
  await t.rejects(readSegment(timed, ignore), damaged(timed, `its trailer says lastEventTime "2026-12-01T14:09:00.000Z", but its events say "${put(103).time}"`));
  const based = await craft(dir, NAME, EVENTS.map(lineOf), [JSON.stringify({ manifest: { ...manifestOf(EVENTS), base: 'etcd-snapshot-2026-12-01-13.00.00.tar.gz' } })]);
  await t.rejects(readSegment(based, ignore), damaged(based, 'its trailer names the base etcd-snapshot-2026-12-01-13.00.00.tar.gz, but its name says the base\'s stamp is 2026-12-01-14.00.00'));
  const early = await craft(dir, NAME, [trailer(), ...EVENTS.map(lineOf)]);
  await t.rejects(readSegment(early, ignore), damaged(early, 'its trailer (line 1) comes before any event'));
  const more = await craft(dir, NAME, EVENTS.map(lineOf), [trailer(), lineOf(put(104))]);
  await t.rejects(readSegment(more, ignore), new AgentError(`delta segment ${more}, line 6: there is more after the trailer; the segment is damaged or not written by this agent`));
});

t.test('refuses a segment without its trailer, cut short, or not gzip', async (t) => {
  const dir = await tempDir(t, 'reader');
  const open = await craft(dir, NAME, EVENTS.map(lineOf));
  await t.rejects(readSegment(open, ignore), damaged(open, 'it has no trailer ({"manifest":...} line): it is truncated, its writer stopped before closing it'));
  const cut = await craft(dir, NAME, EVENTS.map(lineOf), [trailer()]);
  const size = (await readFile(cut)).length;
  await truncate(cut, size - 10);
  await t.rejects(readSegment(cut, ignore), new AgentError(`delta segment ${cut} is not valid gzip (unexpected end of file): it is truncated or damaged, or encrypted under a name without .age`));
  await writeFile(cut, Buffer.concat([gzipSync(`${lineOf(put(101))}\n${lineOf(put(102)).slice(0, 20)}`)]));
  await t.rejects(readSegment(cut, ignore), new AgentError(`delta segment ${cut}: its last line (line 2) has no newline: it is truncated`));
  await writeFile(cut, 'not gzip at all\n');
  await t.rejects(readSegment(cut, ignore), new AgentError(`delta segment ${cut} is not valid gzip (incorrect header check): it is truncated or damaged, or encrypted under a name without .age`));
  await t.rejects(readSegment(join(dir, 'etcd-delta-2026-12-01-14.00.00-7-8.jsonl.gz'), ignore), new AgentError(`delta segment ${join(dir, 'etcd-delta-2026-12-01-14.00.00-7-8.jsonl.gz')} is not there (it was removed or never written)`));
  await t.rejects(readSegment(join(dir, 'segment.jsonl.gz'), ignore), new AgentError(`refusing to read ${join(dir, 'segment.jsonl.gz')} as a delta segment: its name is not etcd-delta-<stamp>-<first>-<last>.jsonl.gz[.age]`));
});

t.test('a bad line is named by file and line', async (t) => {
  const dir = await tempDir(t, 'reader');
  const path = await craft(dir, NAME, [lineOf(put(101)), '{"r":102'], [trailer()]);
  await t.rejects(readSegment(path, ignore), new AgentError(`delta segment ${path}, line 2: it is not JSON; the segment is damaged or not written by this agent`));
});

t.test('a line longer than the limit is refused without holding it all', async (t) => {
  const dir = await tempDir(t, 'reader');
  const path = join(dir, NAME);
  await writeFile(path, gzipSync(Buffer.alloc(MAX_LINE_BYTES + 2, 0x61)));
  await t.rejects(readSegment(path, ignore), new AgentError(`delta segment ${path}, line 1: it is longer than ${MAX_LINE_BYTES} bytes; the segment is damaged or not written by this agent`));
});

t.test('onEvent is awaited: the next event comes only after the last one was taken', async (t) => {
  const dir = await tempDir(t, 'reader');
  const events = Array.from({ length: 3000 }, (_, i) => put(101 + i));
  const path = await craft(dir, 'etcd-delta-2026-12-01-14.00.00-101-3100.jsonl.gz', events.map(lineOf), [trailer(events)]);
  let busy = false;
  let overlapped = 0;
  const seen: number[] = [];
  await readSegment(path, async (e) => {
    if (busy) overlapped++;
    busy = true;
    await new Promise((resolve) => setImmediate(resolve));
    seen.push(e.revision);
    busy = false;
  });
  t.equal(overlapped, 0);
  t.strictSame(seen, events.map((e) => e.revision));
});

t.test("what onEvent throws and the signal's abort come through as they are", async (t) => {
  const dir = await tempDir(t, 'reader');
  const path = await craft(dir, NAME, EVENTS.map(lineOf), [trailer()]);
  const stop = new Error('enough');
  await t.rejects(readSegment(path, (e) => { if (e.revision === 102) throw stop; }), stop);
  const controller = new AbortController();
  const reason = new Error('stopped by the caller');
  await t.rejects(readSegment(path, (e) => { if (e.revision === 102) controller.abort(reason); }, { signal: controller.signal }), reason);
});

t.test('checkSegmentSha256 takes the sidecar or the given hex, and refuses a changed byte', async (t) => {
  const dir = await tempDir(t, 'reader');
  const writer = await openSegment({ dir, base: BASE, firstRevision: 101, clusterId: 'abc', recipients: [] });
  for (const e of EVENTS) await writer.append(e);
  const closed = await writer.close(new Date('2026-12-01T14:05:00Z'));
  const path = closed?.path as string;
  t.equal(await checkSegmentSha256(path, undefined), closed?.sha256);
  t.equal(await checkSegmentSha256(path, closed?.sha256.toUpperCase()), closed?.sha256);
  const bytes = await readFile(path);
  bytes[bytes.length >> 1]! ^= 1;
  await writeFile(path, bytes);
  const { createHash } = await import('node:crypto');
  const got = createHash('sha256').update(bytes).digest('hex');
  await t.rejects(checkSegmentSha256(path, undefined), new AgentError(`segment ${NAME}: sha256 ${got} does not match its sidecar ${closed?.sha256}; the segment is damaged`));
  await writeFile(`${path}.sha256`, 'garbage\n');
  await t.rejects(checkSegmentSha256(path, undefined), new AgentError(`segment ${NAME}: it has no readable sha256 sidecar (${NAME}.sha256 is missing or malformed), so it cannot be verified; it is not used`));
  await t.rejects(checkSegmentSha256(path, 'abc'), new AgentError(`segment ${NAME}: the expected sha256 "abc" is not 64 hex digits`));
});

t.test('an encrypted segment cut short fails authentication', async (t) => {
  const dir = await tempDir(t, 'reader');
  const { generateIdentity, identityToRecipient } = await import('age-encryption');
  const identity = await generateIdentity();
  const writer = await openSegment({ dir, base: BASE, firstRevision: 101, clusterId: 'abc', recipients: [await identityToRecipient(identity)] });
  for (const e of EVENTS) await writer.append(e);
  const closed = await writer.close(new Date('2026-12-01T14:05:00Z'));
  const path = closed?.path as string;
  await truncate(path, (closed?.bytes as number) - 1);
  const seen: number[] = [];
  const failure = await readSegment(path, (e) => void seen.push(e.revision), { identity }).then(() => undefined, (error: unknown) => error);
  t.ok(failure instanceof AgentError, 'an AgentError');
  const message = (failure as Error).message;
  const start = `cannot read delta segment ${path}: cannot decrypt the segment: it is damaged or truncated, its encrypted data failed authentication (`;
  t.equal(message.slice(0, start.length), start);
  t.equal(message.slice(-'); nothing read from it can be trusted'.length), '); nothing read from it can be trusted');
  t.strictSame(seen, [], 'no event of the unauthenticated chunk was handed out');
});
