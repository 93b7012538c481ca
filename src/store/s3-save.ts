import { SHA256_HEX } from '../format/sha256sum.ts';
import { addAbortListener } from 'node:events';
import type { Readable } from 'node:stream';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { Manifest } from '../archive/manifest.ts';
import { AgentError, oneLine } from '../errors/agent-error.ts';
import { manifestInHead, peekHead } from './peek-manifest.ts';
import { withRetries } from './retry.ts';
import { underSignal } from './s3-client.ts';
import { headObject, logSafely, removeQuietly, s3Failure, type S3Context } from './s3-context.ts';
import { describeS3Error, isTransient } from './s3-errors.ts';
import { keyOf, metadataFor, readMetadata, sidecarKeyOf, sidecarText, urlOf } from './s3-keys.ts';
import { SourceError, uploadOnce, type Uploaded } from './s3-upload.ts';
import type { SaveMeta, StoredSnapshot } from './snapshot-store.ts';

// What a caller may say about an archive it saves to S3: SaveMeta; without reopen a failed upload is not started
// over (each part is still retried).
export type S3SaveMeta = SaveMeta;

const HEX64 = SHA256_HEX;

// The archive's head, read ahead so its manifest can go into the object's metadata before the upload starts.
const readAhead = async (source: Readable, meta: S3SaveMeta): Promise<{ head: Buffer[]; manifest: Manifest | undefined }> => {
  try {
    const { chunks } = await peekHead(source);
    return { head: chunks, manifest: (await manifestInHead(chunks)) ?? meta.manifest };
  } catch (error) {
    throw new SourceError(oneLine(error), { cause: error });
  }
};

// Streams the archive up, starting over from reopen() after a transient failure; nothing else is retried here.
const upload = async (
  context: S3Context,
  key: string,
  source: Readable,
  { head, manifest }: { head: Buffer[]; manifest: Manifest | undefined },
  meta: S3SaveMeta,
  signal: AbortSignal | undefined,
): Promise<Uploaded> => {
  const expected = meta.sha256?.toLowerCase();
  const metadata = metadataFor(expected && HEX64.test(expected) ? expected : undefined, manifest);
  const reopen = meta.reopen;
  const reopened = (open: () => Readable): Readable => {
    try {
      return open();
    } catch (error) {
      throw new SourceError(`reopening the archive failed: ${oneLine(error)}`, { cause: error });
    }
  };
  const attempt = async (n: number): Promise<Uploaded> =>
    n === 0 || !reopen
      ? uploadOnce(context, key, head, source, metadata, signal, meta.sourceFile)
      : uploadOnce(context, key, [], reopened(reopen), metadata, signal, meta.sourceFile);
  return withRetries(attempt, {
    retries: reopen ? context.retries : 0,
    baseDelayMs: context.retryBaseDelayMs,
    retryable: (error) => !(error instanceof SourceError) && isTransient(error),
    onRetry: (retry, delayMs, error) =>
      logSafely(context, `upload to ${urlOf(context.place)} failed (${describeS3Error(error, context.errors)}); starting over from the archive in ${delayMs} ms (retry ${retry} of ${context.retries})`),
    signal,
  });
};

// Checks what the bucket now holds against what was sent; throws an AgentError when they differ.
const verify = async (context: S3Context, name: string, key: string, sent: Uploaded, expected: string | undefined): Promise<void> => {
  if (expected !== undefined && expected !== sent.sha256) {
    throw new AgentError(`refusing to save ${name} to store ${context.location}: its SHA-256 is ${sent.sha256}, not the expected ${expected}; nothing was kept`);
  }
  const stored = await headObject(context, key);
  if (!stored) throw new AgentError(`${name} is not in store ${context.location} right after it was uploaded; nothing was kept`);
  const recorded = readMetadata(stored.Metadata).sha256;
  if (stored.ContentLength !== sent.bytes || (expected !== undefined && recorded !== sent.sha256)) {
    throw new AgentError(
      `store ${context.location} holds ${stored.ContentLength ?? '?'} bytes with SHA-256 ${recorded ?? 'unrecorded'} for ${name}, but ${sent.bytes} bytes with ${sent.sha256} were sent; nothing was kept`,
    );
  }
};

// The upload (started over from reopen() after a transient failure) and its check, for other objects saved the
// same way (delta segments, s3-delta-store.ts).
export { upload as uploadWithRestarts, verify as verifyUploaded };

// Saves source as name: refuses an existing object, uploads, verifies, then writes the `.sha256` sidecar.
// Any failure after the upload started removes what was written; an abort keeps nothing.
export const saveToS3 = async (
  context: S3Context,
  name: string,
  created: Date,
  source: Readable,
  meta: S3SaveMeta,
  signal: AbortSignal | undefined,
): Promise<StoredSnapshot> => {
  const what = `saving ${name} to store ${context.location}`;
  const key = keyOf(context.place, name);
  const aborted = (): AgentError => new AgentError(`${what} was aborted; nothing was kept`);
  try {
    if (signal?.aborted) throw aborted();
    if (await underSignal(signal, () => headObject(context, key))) {
      throw new AgentError(`${name} already exists in store ${context.location} and is never overwritten`);
    }
  } catch (error) {
    source.destroy();
    throw signal?.aborted ? aborted() : s3Failure(context, what, error);
  }
  const expected = meta.sha256?.toLowerCase();
  const written: string[] = [];
  const onAbort = signal ? addAbortListener(signal, () => source.destroy(signal.reason as Error)) : undefined;
  try {
    const ahead = await readAhead(source, meta);
    written.push(key);
    const sent = await upload(context, key, source, ahead, meta, signal);
    await underSignal(signal, () => verify(context, name, key, sent, expected));
    written.push(sidecarKeyOf(context.place, name));
    await underSignal(signal, () =>
      context.client.send(new PutObjectCommand({ Bucket: context.place.bucket, Key: sidecarKeyOf(context.place, name), Body: sidecarText(sent.sha256, name), ContentType: 'text/plain' })),
    );
    if (signal?.aborted) throw aborted();
    const { sha256, bytes } = sent;
    const { manifest } = ahead;
    return { name, location: urlOf(context.place, name), bytes, diskBytes: bytes, sha256, created, manifest, trigger: manifest?.trigger };
  } catch (error) {
    source.destroy();
    await removeQuietly(context, written, `a failed upload of ${name}`);
    if (signal?.aborted) throw aborted();
    if (error instanceof SourceError) throw new AgentError(`${what} failed: reading the archive failed: ${oneLine(error)}; nothing was kept`, { cause: error });
    throw s3Failure(context, what, error, '; nothing was kept');
  } finally {
    onAbort?.[Symbol.dispose]();
  }
};
