import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { AgentError } from '../errors/agent-error.ts';
import { makeS3Client, underSignal } from './s3-client.ts';
import { logSafely, s3Failure, type S3Context } from './s3-context.ts';
import { describeS3Error } from './s3-errors.ts';
import { keyOf, placeOf, sidecarKeyOf, urlOf } from './s3-keys.ts';
import { listS3 } from './s3-list.ts';
import { saveToS3, type S3SaveMeta } from './s3-save.ts';
import { checkSnapshotName } from './snapshot-names.ts';
import type { UploadStore } from './snapshot-store.ts';

// SaveMeta plus `reopen`, which lets a failed upload start over from the archive's beginning.
export type { S3SaveMeta } from './s3-save.ts';

const MIB = 1024 * 1024;

// The smallest part S3 accepts (every part but the last).
export const MIN_PART_SIZE = 5 * MIB;
// Parts of S3's minimum size: an upload holds UPLOAD_QUEUE + 1 of them (s3-upload.ts), and 10,000 parts still
// reach 48 GiB.
const DEFAULT_PART_BYTES = MIN_PART_SIZE;

// How to reach one unit's objects in a bucket.
export interface S3StoreOptions {
  // URL of an S3-compatible endpoint; absent = AWS S3 in region.
  endpoint?: string;
  bucket: string;
  region: string;
  // Full key prefix (<s3-prefix>/<application>/<unit>), composed by the caller; no trailing slash needed.
  prefix: string;
  forcePathStyle: boolean;
  // PEM CA bundle that signs the endpoint's TLS certificate.
  caFile?: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  // Multipart part size; default and least 5 MiB.
  partSizeBytes?: number;
  // Retries of each request (and of a whole upload when the archive can be reopened); default 4.
  retries?: number;
  // First backoff before a retry, doubled each time, with jitter; default 200 ms.
  retryBaseDelayMs?: number;
  // Connect and idle-socket timeout of each request; default 30 s.
  timeoutMs?: number;
  // Told about retries and failed cleanups (never a key): wire it to the agent's log.
  log?: (message: string) => void;
}

const checked = (options: S3StoreOptions): { partSizeBytes: number; retries: number; baseDelayMs: number; timeoutMs: number; ca: Buffer | undefined } => {
  const { partSizeBytes = DEFAULT_PART_BYTES, retries = 4, retryBaseDelayMs = 200, timeoutMs = 30_000 } = options;
  if (!Number.isInteger(partSizeBytes) || partSizeBytes < MIN_PART_SIZE) throw new AgentError(`S3 part size ${partSizeBytes} is below the 5 MiB S3 requires`);
  if (!Number.isInteger(retries) || retries < 0) throw new AgentError(`S3 retries must be a whole number >= 0, not ${retries}`);
  if (options.endpoint !== undefined && !URL.canParse(options.endpoint)) throw new AgentError(`S3 endpoint ${JSON.stringify(options.endpoint)} is not a URL`);
  let ca: Buffer | undefined;
  if (options.caFile) {
    try {
      ca = readFileSync(options.caFile);
    } catch (error) {
      throw new AgentError(`cannot read the S3 CA bundle ${options.caFile} (s3-ca): ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  }
  return { partSizeBytes, retries, baseDelayMs: Math.max(0, retryBaseDelayMs), timeoutMs, ca };
};

// The endpoint as messages name it: without any user:password in it, or AWS's for the region.
const shownEndpoint = (options: S3StoreOptions): string => {
  if (options.endpoint === undefined) return `https://s3.${options.region}.amazonaws.com`;
  const url = new URL(options.endpoint);
  url.username = '';
  url.password = '';
  return url.href.replace(/\/+$/, '');
};

// The client, place, error context and retry settings of one unit's objects in a bucket: what the archive store
// and the delta segment store (s3-delta-store.ts) on the same bucket and prefix share.
export const s3ContextOf = (options: S3StoreOptions): S3Context => {
  const settings = checked(options);
  const place = placeOf(options.bucket, options.prefix);
  const endpoint = shownEndpoint(options);
  const errors = {
    endpoint,
    bucket: options.bucket,
    secrets: [options.credentials.accessKeyId, options.credentials.secretAccessKey],
    virtualHosted: options.endpoint !== undefined && !options.forcePathStyle,
  };
  const log = options.log ?? (() => undefined);
  const retries = {
    retries: settings.retries,
    baseDelayMs: settings.baseDelayMs,
    onRetry: (retry: number, delayMs: number, error: unknown) =>
      logSafely(context, `S3 request failed (${describeS3Error(error, errors)}); retry ${retry} of ${settings.retries} in ${delayMs} ms`),
  };
  const client = makeS3Client({
    endpoint: options.endpoint,
    region: options.region,
    forcePathStyle: options.forcePathStyle,
    credentials: options.credentials,
    ca: settings.ca,
    timeoutMs: settings.timeoutMs,
    retries,
    log: (message) => logSafely(context, message),
  });
  const location = urlOf(place);
  const context: S3Context = { client, place, location, errors, partSizeBytes: settings.partSizeBytes, retries: settings.retries, retryBaseDelayMs: settings.baseDelayMs, log };
  return context;
};

// The off-unit store: this unit's archives as objects `<prefix>/<archive name>` (with `<name>.sha256`
// beside each) in an S3 bucket; location `s3://<bucket>/<prefix>`. `save` also takes S3SaveMeta.
export const s3Store = (options: S3StoreOptions): UploadStore => s3StoreOn(s3ContextOf(options));

// The archive store over a context made by s3ContextOf.
export const s3StoreOn = (context: S3Context): UploadStore => {
  const { client, place, location } = context;
  return {
    location,

    async list(call = {}) {
      try {
        return await underSignal(call.signal, () => listS3(context, call.signal));
      } catch (error) {
        throw s3Failure(context, `listing snapshots in store ${location}`, error);
      }
    },

    async fetch(name, call = {}) {
      checkSnapshotName(name, location);
      try {
        const { Body } = await underSignal(call.signal, () => client.send(new GetObjectCommand({ Bucket: place.bucket, Key: keyOf(place, name) })));
        if (!(Body instanceof Readable)) throw new AgentError(`fetching ${name} from store ${location} failed: the SDK returned no stream`);
        return Body;
      } catch (error) {
        if ((error as Error).name === 'NoSuchKey') throw new AgentError(`no snapshot named ${name} in store ${location}; run list-snapshots to see what is there`);
        throw s3Failure(context, `fetching ${name} from store ${location}`, error);
      }
    },

    async save(name, source, meta: S3SaveMeta = {}, call = {}) {
      let created: Date;
      try {
        created = checkSnapshotName(name, location);
      } catch (error) {
        source.destroy();
        throw error;
      }
      return saveToS3(context, name, created, source, meta, call.signal);
    },

    async delete(name, call = {}) {
      checkSnapshotName(name, location);
      try {
        await underSignal(call.signal, async () => {
          for (const key of [keyOf(place, name), sidecarKeyOf(place, name)]) await client.send(new DeleteObjectCommand({ Bucket: place.bucket, Key: key }));
        });
      } catch (error) {
        throw s3Failure(context, `removing ${name} from store ${location}`, error);
      }
    },
  };
};
