import { createHash } from 'node:crypto';
import { addAbortListener } from 'node:events';
import { Readable } from 'node:stream';
import { AbortMultipartUploadCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { underSignal } from './s3-client.ts';
import { logSafely, type S3Context } from './s3-context.ts';
import { describeS3Error } from './s3-errors.ts';
import { contentTypeOf } from './s3-keys.ts';

// Parts uploaded at once; memory held is about (UPLOAD_QUEUE + 1) * partSizeBytes.
export const UPLOAD_QUEUE = 2;

// The archive stream itself failed (not S3): never retried, reported as a read failure.
export class SourceError extends Error {
  override readonly name: string = 'SourceError';
}

// What one upload sent: its SHA-256 and size, counted on the way out.
export interface Uploaded {
  sha256: string;
  bytes: number;
}

const toBuffer = (chunk: unknown): Buffer => (Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));

// Tells S3 to drop the parts of a failed multipart upload; cleanup ignores the caller's signal.
const abortMultipart = async (context: S3Context, key: string, uploadId: string): Promise<void> => {
  try {
    await underSignal(undefined, () => context.client.send(new AbortMultipartUploadCommand({ Bucket: context.place.bucket, Key: key, UploadId: uploadId })));
  } catch (error) {
    logSafely(context, `could not abort multipart upload ${uploadId} of s3://${context.place.bucket}/${key} (${describeS3Error(error, context.errors)}); a bucket lifecycle rule AbortIncompleteMultipartUpload removes such leftovers`);
  }
};

// One attempt: streams head then rest to key (multipart above partSizeBytes, one PUT below), hashing
// on the way; a failed multipart upload is aborted. Takes the stream once; an abort destroys it.
export const uploadOnce = async (
  context: S3Context,
  key: string,
  head: readonly Buffer[],
  rest: Readable,
  metadata: Record<string, string>,
  signal: AbortSignal | undefined,
): Promise<Uploaded> => {
  const hash = createHash('sha256');
  let bytes = 0;
  const count = (chunk: Buffer): Buffer => {
    hash.update(chunk);
    bytes += chunk.length;
    return chunk;
  };
  const feed = async function* (): AsyncGenerator<Buffer> {
    for (const chunk of head) yield count(chunk);
    try {
      for await (const chunk of rest) yield count(toBuffer(chunk));
    } catch (error) {
      throw new SourceError(signal?.aborted ? 'aborted' : error instanceof Error ? error.message : String(error), { cause: error });
    }
  };
  const body = Readable.from(feed(), { objectMode: false });
  const upload = new Upload({
    client: context.client,
    params: { Bucket: context.place.bucket, Key: key, Body: body, Metadata: metadata, ContentType: contentTypeOf(key) },
    queueSize: UPLOAD_QUEUE,
    partSize: context.partSizeBytes,
    leavePartsOnError: true,
  });
  const onAbort = signal ? addAbortListener(signal, () => rest.destroy(signal.reason as Error)) : undefined;
  try {
    await underSignal(signal, () => upload.done());
    return { sha256: hash.digest('hex'), bytes };
  } catch (error) {
    if (upload.uploadId) await abortMultipart(context, key, upload.uploadId);
    throw error;
  } finally {
    onAbort?.[Symbol.dispose]();
    rest.destroy();
    body.destroy();
  }
};
