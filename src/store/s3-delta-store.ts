import { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import type { SegmentName } from '../delta/delta-types.ts';
import { parseSegmentName } from '../delta/segment-name.ts';
import { AgentError, oneLine } from '../errors/agent-error.ts';
import { SHA256_HEX, sidecarText } from '../format/sha256sum.ts';
import type { DeltaUploadStore, StoredSegment } from './delta-store.ts';
import { underSignal } from './s3-client.ts';
import { headObject, removeQuietly, s3Failure, type S3Context } from './s3-context.ts';
import { keyOf, readMetadata, sidecarKeyOf } from './s3-keys.ts';
import { readSidecarObject } from './s3-list.ts';
import { uploadWithRestarts, verifyUploaded } from './s3-save.ts';
import { SourceError } from './s3-upload.ts';
import { checkSegmentName, segmentOrder } from './segment-names.ts';

// Sidecar reads in flight at once while listing.
const LIST_CONCURRENCY = 8;

// Segment objects directly under the prefix (name → size), and which sidecar keys exist, page by page.
const listSegmentKeys = async (context: S3Context): Promise<{ segments: Map<string, number>; keys: Set<string> }> => {
  const start = context.place.prefix ? `${context.place.prefix}/` : '';
  const segments = new Map<string, number>();
  const keys = new Set<string>();
  let token: string | undefined;
  do {
    const page = await context.client.send(
      new ListObjectsV2Command({ Bucket: context.place.bucket, Prefix: `${start}etcd-delta-`, Delimiter: '/', ContinuationToken: token }),
    );
    for (const object of page.Contents ?? []) {
      if (!object.Key) continue;
      keys.add(object.Key);
      const name = object.Key.slice(start.length);
      if (parseSegmentName(name)) segments.set(name, object.Size ?? 0);
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return { segments, keys };
};

// The segment already in the bucket when it holds exactly these bytes (its recorded SHA-256 and a sidecar); undefined
// when there is no such object, or only an unfinished save of these same bytes (the object, its sidecar not written:
// S3 went away between the two and the failed save could not remove the object), which the save then completes.
// Refuses one with other content: segments are never overwritten.
const alreadySaved = async (context: S3Context, segment: SegmentName, sha256: string): Promise<StoredSegment | undefined> => {
  const head = await headObject(context, keyOf(context.place, segment.name));
  if (!head) return undefined;
  const recorded = readMetadata(head.Metadata).sha256;
  if (recorded === sha256) {
    const sidecar = await readSidecarObject(context, segment.name);
    return sidecar === sha256 ? { ...segment, location: context.location, bytes: head.ContentLength ?? 0, sha256 } : undefined;
  }
  throw new AgentError(`${segment.name} already exists in store ${context.location} with other content (SHA-256 ${recorded ?? 'unrecorded'}, not ${sha256}) and is never overwritten`);
};

// Delta segments beside the archives of one unit in an S3 bucket (`<prefix>/etcd-delta-…`, with `<name>.sha256`),
// over the archive store's context: the same client, retries and upload checks.
export const s3DeltaStore = (context: S3Context): DeltaUploadStore => {
  const { client, place, location } = context;
  return {
    location,

    async listSegments(call = {}) {
      try {
        return await underSignal(call.signal, async () => {
          const { segments, keys } = await listSegmentKeys(context);
          const names = [...segments.keys()];
          const found: StoredSegment[] = [];
          for (let i = 0; i < names.length; i += LIST_CONCURRENCY) {
            call.signal?.throwIfAborted();
            const batch = names.slice(i, i + LIST_CONCURRENCY);
            const sums = await Promise.all(batch.map((name) => (keys.has(sidecarKeyOf(place, name)) ? readSidecarObject(context, name) : undefined)));
            batch.forEach((name, j) => found.push({ ...(parseSegmentName(name) as SegmentName), location, bytes: segments.get(name) ?? 0, sha256: sums[j] }));
          }
          return found.sort(segmentOrder);
        });
      } catch (error) {
        throw s3Failure(context, `listing delta segments in store ${location}`, error);
      }
    },

    async fetchSegment(name, call = {}) {
      checkSegmentName(name, location);
      try {
        const { Body } = await underSignal(call.signal, () => client.send(new GetObjectCommand({ Bucket: place.bucket, Key: keyOf(place, name) })));
        if (!(Body instanceof Readable)) throw new AgentError(`fetching ${name} from store ${location} failed: the SDK returned no stream`);
        return Body;
      } catch (error) {
        if ((error as Error).name === 'NoSuchKey') throw new AgentError(`no delta segment named ${name} in store ${location}; it was removed (retention) or never uploaded`);
        throw s3Failure(context, `fetching ${name} from store ${location}`, error);
      }
    },

    async deleteSegment(name, call = {}) {
      checkSegmentName(name, location);
      try {
        await underSignal(call.signal, async () => {
          for (const key of [keyOf(place, name), sidecarKeyOf(place, name)]) await client.send(new DeleteObjectCommand({ Bucket: place.bucket, Key: key }));
        });
      } catch (error) {
        throw s3Failure(context, `removing ${name} from store ${location}`, error);
      }
    },

    async saveSegment(name, source, meta, call = {}) {
      const { signal } = call;
      const what = `saving ${name} to store ${location}`;
      const aborted = (): AgentError => new AgentError(`${what} was aborted; nothing was kept`);
      const expected = meta.sha256.toLowerCase();
      let segment: SegmentName;
      let existing: StoredSegment | undefined;
      try {
        segment = checkSegmentName(name, location);
        if (!SHA256_HEX.test(expected)) throw new AgentError(`refusing to save ${name} to store ${location}: its expected SHA-256 ${JSON.stringify(meta.sha256)} is not 64 hex digits`);
        if (signal?.aborted) throw aborted();
        existing = await underSignal(signal, () => alreadySaved(context, segment, expected));
      } catch (error) {
        source.destroy();
        throw signal?.aborted ? aborted() : s3Failure(context, what, error);
      }
      if (existing) {
        source.destroy();
        return existing;
      }
      const key = keyOf(place, name);
      const written = [key];
      try {
        const sent = await uploadWithRestarts(context, key, source, { head: [], manifest: undefined }, { sha256: expected, ...(meta.reopen ? { reopen: meta.reopen } : {}) }, signal);
        await underSignal(signal, () => verifyUploaded(context, name, key, sent, expected));
        written.push(sidecarKeyOf(place, name));
        await underSignal(signal, () => client.send(new PutObjectCommand({ Bucket: place.bucket, Key: sidecarKeyOf(place, name), Body: sidecarText(sent.sha256, name), ContentType: 'text/plain' })));
        if (signal?.aborted) throw aborted();
        return { ...segment, location, bytes: sent.bytes, sha256: sent.sha256 };
      } catch (error) {
        source.destroy();
        await removeQuietly(context, written, `a failed upload of ${name}`);
        if (signal?.aborted) throw aborted();
        if (error instanceof SourceError) throw new AgentError(`${what} failed: reading the segment failed: ${oneLine(error)}; nothing was kept`, { cause: error });
        throw s3Failure(context, what, error, '; nothing was kept');
      }
    },
  };
};
