import { AgentError } from '../errors/agent-error.ts';
import { archiveStamp } from './segment-name.ts';
import type { DeltaEvent, SegmentManifest } from './delta-types.ts';

// Where a line came from, for messages: the segment file and the 1-based line number.
export interface LineSource {
  file: string;
  line: number;
}

// What one line of a segment holds: an event, or the trailer that closes the segment.
export type SegmentLine = { kind: 'event'; event: DeltaEvent } | { kind: 'manifest'; manifest: SegmentManifest };

const EVENT_KEYS = ['r', 't', 'k', 'v', 'l', 'c', 'ver', 'ts'];
const MANIFEST_KEYS = ['kind', 'format', 'base', 'baseRevision', 'clusterId', 'firstRevision', 'lastRevision', 'firstEventTime', 'lastEventTime', 'count', 'closedAt'];
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const LEASE = /^(0|[1-9]\d{0,19})$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const CLUSTER_ID = /^[0-9a-f]{1,16}$/;

type Json = Record<string, unknown>;

const isPositive = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) > 0;
const isCount = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;
const isIso = (s: unknown): s is string => typeof s === 'string' && ISO.test(s) && !Number.isNaN(Date.parse(s)) && new Date(s).toISOString() === s;
const isBase64 = (s: unknown): s is string => typeof s === 'string' && s.length % 4 === 0 && BASE64.test(s) && Buffer.from(s, 'base64').toString('base64') === s;

const sameKeys = (object: Json, keys: readonly string[]): boolean => {
  const own = Object.keys(object);
  return own.length === keys.length && keys.every((key) => Object.hasOwn(object, key));
};

// An event's invariants, as etcd reports them; a message naming the first one broken, or undefined.
const eventFault = (event: DeltaEvent): string | undefined => {
  if (!isPositive(event.revision)) return `revision ${JSON.stringify(event.revision) ?? String(event.revision)} is not a whole number >= 1`;
  if (event.type !== 'put' && event.type !== 'delete') return `type ${JSON.stringify(event.type)} is neither put nor delete`;
  if (event.key.length === 0) return 'the key is empty';
  if (!isIso(event.time)) return `time ${JSON.stringify(event.time)} is not an ISO 8601 UTC time with milliseconds`;
  if (typeof event.lease !== 'string' || !LEASE.test(event.lease)) return `lease ${JSON.stringify(event.lease)} is not a decimal lease id`;
  if (!isCount(event.createRevision) || !isCount(event.version)) return 'create revision and version must be whole numbers >= 0';
  if (event.type === 'delete') {
    if (event.value.length > 0 || event.lease !== '0' || event.createRevision !== 0 || event.version !== 0) {
      return 'a delete must have an empty value, lease 0, create revision 0 and version 0';
    }
  } else if (event.createRevision < 1 || event.createRevision > event.revision || event.version < 1) {
    return `a put must have 1 <= create revision (${event.createRevision}) <= revision (${event.revision}) and version >= 1 (${event.version})`;
  }
  return undefined;
};

// The JSON line (without its newline) one event is kept as: {"r","t","k","v","l","c","ver","ts"}, key and value base64.
// Throws AgentError for an event that breaks etcd's invariants (so nothing unreadable is ever written).
export const encodeEvent = (event: DeltaEvent): string => {
  const fault = eventFault(event);
  if (fault) throw new AgentError(`cannot write the event at revision ${String(event.revision)} to a delta segment: ${fault}`);
  return JSON.stringify({
    r: event.revision,
    t: event.type,
    k: event.key.toString('base64'),
    v: event.value.toString('base64'),
    l: event.lease,
    c: event.createRevision,
    ver: event.version,
    ts: event.time,
  });
};

// The trailer line (without its newline) that closes a segment: {"manifest":{...}}.
export const encodeManifest = (manifest: SegmentManifest): string => {
  const fault = manifestFault(manifest as unknown as Json);
  if (fault) throw new AgentError(`cannot write a delta segment trailer: ${fault}`);
  const ordered: Json = {};
  for (const key of MANIFEST_KEYS) ordered[key] = (manifest as unknown as Json)[key];
  return JSON.stringify({ manifest: ordered });
};

// What is wrong with a parsed trailer, or undefined.
const manifestFault = (m: Json): string | undefined => {
  if (!sameKeys(m, MANIFEST_KEYS)) return `its fields must be exactly ${MANIFEST_KEYS.join(', ')}`;
  if (m.kind !== 'etcd-agent-delta' || m.format !== 1) return `kind ${JSON.stringify(m.kind)} format ${JSON.stringify(m.format)} is not etcd-agent-delta format 1`;
  if (typeof m.base !== 'string' || archiveStamp(m.base) === undefined) return `base ${JSON.stringify(m.base)} is not an archive name`;
  if (typeof m.clusterId !== 'string' || !CLUSTER_ID.test(m.clusterId)) return `cluster id ${JSON.stringify(m.clusterId)} is not hex`;
  for (const key of ['baseRevision', 'firstRevision', 'lastRevision', 'count']) if (!isPositive(m[key])) return `${key} ${JSON.stringify(m[key])} is not a whole number >= 1`;
  for (const key of ['firstEventTime', 'lastEventTime', 'closedAt']) if (!isIso(m[key])) return `${key} ${JSON.stringify(m[key])} is not an ISO 8601 UTC time with milliseconds`;
  const [base, first, last] = [m.baseRevision, m.firstRevision, m.lastRevision] as number[];
  if (!(base! < first! && first! <= last!)) return `revisions must be baseRevision < firstRevision <= lastRevision, not ${base} < ${first} <= ${last}`;
  return undefined;
};

const fail = (at: LineSource, why: string): AgentError => new AgentError(`delta segment ${at.file}, line ${at.line}: ${why}; the segment is damaged or not written by this agent`);

// One line of a segment, parsed strictly: an event with exactly its fields, or the trailer. Throws AgentError naming
// the file and line for anything else.
export const decodeLine = (text: string, at: LineSource): SegmentLine => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw fail(at, 'it is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw fail(at, 'it is not a JSON object');
  const object = parsed as Json;
  if (Object.hasOwn(object, 'manifest')) {
    const manifest = object.manifest;
    if (!sameKeys(object, ['manifest']) || typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) throw fail(at, 'the trailer must be {"manifest":{...}} alone');
    const fault = manifestFault(manifest as Json);
    if (fault) throw fail(at, `the trailer is malformed: ${fault}`);
    return { kind: 'manifest', manifest: manifest as SegmentManifest };
  }
  if (!sameKeys(object, EVENT_KEYS)) throw fail(at, `an event must have exactly the fields ${EVENT_KEYS.join(', ')}`);
  const { r, t, k, v, l, c, ver, ts } = object;
  if (!isBase64(k) || !isBase64(v)) throw fail(at, 'the key and value must be canonical base64');
  const event = { revision: r, type: t, key: Buffer.from(k, 'base64'), value: Buffer.from(v, 'base64'), lease: l, createRevision: c, version: ver, time: ts } as DeltaEvent;
  const fault = eventFault(event);
  if (fault) throw fail(at, `the event is malformed: ${fault}`);
  return { kind: 'event', event };
};
