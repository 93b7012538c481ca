import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { decryptStream } from '../archive/age-encryption.ts';
import { AgentError, oneLine } from '../errors/agent-error.ts';
import { SHA256_HEX } from '../format/sha256sum.ts';
import { readSidecar } from '../store/checksum-sidecar.ts';
import type { DeltaEvent, SegmentManifest, SegmentName } from './delta-types.ts';
import { decodeLine } from './segment-codec.ts';
import { archiveStamp, parseSegmentName } from './segment-name.ts';

// The longest line read (an event of etcd's largest request, base64, with room): past it the file is refused.
export const MAX_LINE_BYTES = 64 * 1024 * 1024;

// How a segment is read: the age identity for an encrypted one, and a signal to stop early.
export interface ReadSegmentOptions {
  identity?: string;
  signal?: AbortSignal;
}

// Marks an error the caller's onEvent threw, so it passes through unchanged.
class FromConsumer {
  readonly error: unknown;
  constructor(error: unknown) {
    this.error = error;
  }
}

const checkName = (path: string): SegmentName => {
  const name = parseSegmentName(basename(path));
  if (!name) throw new AgentError(`refusing to read ${path} as a delta segment: its name is not etcd-delta-<stamp>-<first>-<last>.jsonl.gz[.age]`);
  return name;
};

// Streams the file's gunzipped bytes (decrypted first when .age) into lines.
const readPlain = (path: string, name: SegmentName, identity: string | undefined, lines: (source: AsyncIterable<Buffer>) => Promise<void>, signal: AbortSignal | undefined): Promise<void> => {
  if (name.encrypted && identity === undefined) {
    throw new AgentError(`delta segment ${name.name} is age-encrypted: an identity is needed to read it (identity-secret, the age identity of one of the encryption-recipients)`);
  }
  const file = createReadStream(path, { highWaterMark: 1 << 20 });
  const options = signal ? { signal } : {};
  return name.encrypted ? pipeline(file, decryptStream(identity as string), createGunzip(), lines, options) : pipeline(file, createGunzip(), lines, options);
};

// Checks each event against the one before and the name, then the trailer against all of them.
const tracker = (name: SegmentName, file: string) => {
  let first: DeltaEvent | undefined;
  let last: DeltaEvent | undefined;
  let count = 0;
  const refuse = (why: string): AgentError => new AgentError(`delta segment ${file}: ${why}; the segment is damaged or not written by this agent`);
  return {
    event(event: DeltaEvent, line: number): void {
      if (last === undefined) {
        if (event.revision !== name.firstRevision) throw refuse(`its first event (line ${line}) is at revision ${event.revision}, but its name says it starts at ${name.firstRevision}`);
      } else if (event.revision !== last.revision && event.revision !== last.revision + 1) {
        throw refuse(`line ${line} is at revision ${event.revision} after revision ${last.revision}: revisions must ascend without a gap`);
      }
      if (event.revision > name.lastRevision) throw refuse(`line ${line} is at revision ${event.revision}, past the ${name.lastRevision} its name says it ends at`);
      first ??= event;
      last = event;
      count++;
    },
    trailer(manifest: SegmentManifest, line: number): SegmentManifest {
      if (first === undefined || last === undefined) throw refuse(`its trailer (line ${line}) comes before any event`);
      const seen = { firstRevision: first.revision, lastRevision: last.revision, count, firstEventTime: first.time, lastEventTime: last.time };
      for (const [key, value] of Object.entries(seen)) {
        const recorded = manifest[key as keyof typeof seen];
        if (recorded !== value) throw refuse(`its trailer says ${key} ${JSON.stringify(recorded)}, but its events say ${JSON.stringify(value)}`);
      }
      if (last.revision !== name.lastRevision) throw refuse(`its last event is at revision ${last.revision}, but its name says it ends at ${name.lastRevision}`);
      if (archiveStamp(manifest.base) !== name.stamp) throw refuse(`its trailer names the base ${manifest.base}, but its name says the base's stamp is ${name.stamp}`);
      return manifest;
    },
    missing(): AgentError {
      return refuse('it has no trailer ({"manifest":...} line): it is truncated, its writer stopped before closing it');
    },
  };
};

// Reads a segment as a stream: decrypts (.age, with the identity), gunzips both members, parses each line, checks
// revisions ascend without a gap and match the name and the trailer, and awaits onEvent for each event (a slow
// consumer slows the read). Returns the trailer. Throws AgentError naming the file for any fault; an error onEvent
// throws, or the signal's abort, passes through as it is.
export const readSegment = async (path: string, onEvent: (event: DeltaEvent) => void | Promise<void>, options: ReadSegmentOptions = {}): Promise<SegmentManifest> => {
  const name = checkName(path);
  const check = tracker(name, path);
  let manifest: SegmentManifest | undefined;
  let lineNo = 0;
  const take = async (text: string): Promise<void> => {
    lineNo++;
    if (manifest !== undefined) throw new AgentError(`delta segment ${path}, line ${lineNo}: there is more after the trailer; the segment is damaged or not written by this agent`);
    const parsed = decodeLine(text, { file: path, line: lineNo });
    if (parsed.kind === 'manifest') {
      manifest = check.trailer(parsed.manifest, lineNo);
      return;
    }
    check.event(parsed.event, lineNo);
    try {
      await onEvent(parsed.event);
    } catch (error) {
      throw new FromConsumer(error);
    }
  };
  const lines = async (source: AsyncIterable<Buffer>): Promise<void> => {
    let held: Buffer[] = [];
    let heldBytes = 0;
    for await (const chunk of source) {
      let start = 0;
      for (let end = chunk.indexOf(10); end >= 0; end = chunk.indexOf(10, start)) {
        const piece = chunk.subarray(start, end);
        const text = heldBytes === 0 ? piece.toString('utf8') : Buffer.concat([...held, piece]).toString('utf8');
        held = [];
        heldBytes = 0;
        start = end + 1;
        await take(text);
      }
      if (start < chunk.length) {
        held.push(chunk.subarray(start));
        heldBytes += chunk.length - start;
        if (heldBytes > MAX_LINE_BYTES) throw new AgentError(`delta segment ${path}, line ${lineNo + 1}: it is longer than ${MAX_LINE_BYTES} bytes; the segment is damaged or not written by this agent`);
      }
    }
    if (heldBytes > 0) throw new AgentError(`delta segment ${path}: its last line (line ${lineNo + 1}) has no newline: it is truncated`);
  };
  try {
    await readPlain(path, name, options.identity, lines, options.signal);
  } catch (error) {
    if (error instanceof FromConsumer) throw error.error;
    if (options.signal?.aborted) throw options.signal.reason;
    if (error instanceof AgentError && error.message.startsWith('delta segment ')) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new AgentError(`delta segment ${path} is not there (it was removed or never written)`, { cause: error });
    if (typeof code === 'string' && code.startsWith('Z_')) {
      throw new AgentError(`delta segment ${path} is not valid gzip (${oneLine(error)}): it is truncated or damaged${name.encrypted ? '' : ', or encrypted under a name without .age'}`, { cause: error });
    }
    // The age stream speaks of archives; here it is a segment.
    const reason = error instanceof AgentError ? oneLine(error).replace(/\b(this|the) archive\b/g, '$1 segment') : oneLine(error);
    throw new AgentError(`cannot read delta segment ${path}: ${reason}`, { cause: error });
  }
  if (manifest === undefined) throw check.missing();
  return manifest;
};

// A segment's trailer, after reading (and checking) the whole segment.
export const readSegmentManifest = (path: string, options: { identity?: string } = {}): Promise<SegmentManifest> => readSegment(path, () => undefined, options);

// Hashes a segment file and checks it against expected (hex), or, when expected is undefined, against its
// `<segment>.sha256` sidecar; returns the hex. AgentError when there is nothing to check against or they differ.
export const checkSegmentSha256 = async (path: string, expected: string | undefined): Promise<string> => {
  const name = basename(path);
  const want = expected?.toLowerCase() ?? (await readSidecar(`${path}.sha256`, name));
  if (want === undefined) throw new AgentError(`segment ${name}: it has no readable sha256 sidecar (${name}.sha256 is missing or malformed), so it cannot be verified; it is not used`);
  if (!SHA256_HEX.test(want)) throw new AgentError(`segment ${name}: the expected sha256 ${JSON.stringify(expected)} is not 64 hex digits`);
  const hash = createHash('sha256');
  try {
    await pipeline(createReadStream(path), hash);
  } catch (error) {
    throw new AgentError(`cannot read segment ${path} to check its sha256: ${oneLine(error)}`, { cause: error });
  }
  const got = hash.digest('hex');
  if (got !== want) throw new AgentError(`segment ${name}: sha256 ${got} does not match its sidecar ${want}; the segment is damaged`);
  return got;
};
