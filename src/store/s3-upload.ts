import { createHash } from 'node:crypto';
import { addAbortListener } from 'node:events';
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
} from '@aws-sdk/client-s3';
import { reserveBuffers } from '../system/buffer-governor.ts';
import { underSignal } from './s3-client.ts';
import { logSafely, type S3Context } from './s3-context.ts';
import { describeS3Error } from './s3-errors.ts';
import { sendFileRange, type FileRange } from './s3-file-body.ts';
import { contentTypeOf } from './s3-keys.ts';

// Parts sent at once. One more part buffer fills while they are sent: an upload holds (UPLOAD_QUEUE + 1) part
// buffers, reused from part to part, whatever the archive's size.
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

// head, then every chunk of rest, as Buffers; a failure of rest is a SourceError.
async function* bytesOf(head: readonly Buffer[], rest: Readable, signal: AbortSignal | undefined): AsyncGenerator<Buffer> {
  yield* head;
  try {
    for await (const chunk of rest) yield toBuffer(chunk);
  } catch (error) {
    throw new SourceError(signal?.aborted ? 'aborted' : error instanceof Error ? error.message : String(error), { cause: error });
  }
}

// What one part sends: bytes copied into a part buffer, or a range of the archive file read again to send it.
type PartBody = { buffer: Buffer; length: number } | FileRange;

// The body and length a PutObject or UploadPart command is made with; a file range also needs sendFileRange.
const bodyInput = (body: PartBody): { Body?: Buffer; ContentLength: number } =>
  'buffer' in body ? { Body: body.buffer.subarray(0, body.length), ContentLength: body.length } : { ContentLength: body.last - body.first + 1 };

// The multipart upload of one object: parts sent UPLOAD_QUEUE at a time, from a fixed set of buffers or from the
// archive file. A buffer goes back to the set when its part's request has finished, so the next part is copied
// into bytes S3 already has.
class Multipart {
  private readonly free: Buffer[] = [];
  private made = 0;
  // The buffers are held on purpose: the buffer governor does not count them as garbage to collect.
  private readonly reservations = new DisposableStack();
  private readonly sending = new Set<Promise<void>>();
  private readonly parts: CompletedPart[] = [];
  // The upload id, once the first part asked S3 for one.
  private created: Promise<string> | undefined;
  // The first part's failure: it ends the upload.
  failure: { error: unknown } | undefined;

  private readonly context: S3Context;
  private readonly key: string;
  private readonly metadata: Record<string, string>;

  constructor(context: S3Context, key: string, metadata: Record<string, string>) {
    this.context = context;
    this.key = key;
    this.metadata = metadata;
  }

  // A part buffer to fill: a free one, a new one while fewer than UPLOAD_QUEUE + 1 exist, or the next one freed.
  async buffer(): Promise<Buffer> {
    while (this.free.length === 0 && this.made > UPLOAD_QUEUE) await Promise.race(this.sending);
    const reused = this.free.pop();
    if (reused) return reused;
    this.made += 1;
    this.reservations.use(reserveBuffers(this.context.partSizeBytes));
    return Buffer.allocUnsafe(this.context.partSizeBytes);
  }

  // Waits until fewer than UPLOAD_QUEUE parts are being sent (parts read from the file hold no buffer to wait for).
  async slot(): Promise<void> {
    while (this.sending.size >= UPLOAD_QUEUE) await Promise.race(this.sending);
  }

  // Once the upload has ended: the buffers are garbage again.
  [Symbol.dispose](): void {
    this.reservations.dispose();
  }

  // Starts sending part number: the first length bytes of a buffer (the upload's until that ends) or a file range.
  send(body: PartBody, number: number): void {
    const sent: Promise<void> = this.sendPart(body, number)
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => {
        this.sending.delete(sent);
        if ('buffer' in body) this.free.push(body.buffer);
      });
    this.sending.add(sent);
  }

  private async sendPart(body: PartBody, number: number): Promise<void> {
    const uploadId = await (this.created ??= this.create());
    const part = { Bucket: this.context.place.bucket, Key: this.key, UploadId: uploadId, PartNumber: number };
    const command = new UploadPartCommand({ ...part, ...bodyInput(body) });
    if (!('buffer' in body)) sendFileRange(command, body);
    const { ETag } = await this.context.client.send(command);
    if (!ETag) throw new Error(`S3 answered part ${number} of s3://${this.context.place.bucket}/${this.key} without an ETag`);
    this.parts.push({ PartNumber: number, ETag });
  }

  private async create(): Promise<string> {
    const { UploadId } = await this.context.client.send(
      new CreateMultipartUploadCommand({ Bucket: this.context.place.bucket, Key: this.key, Metadata: this.metadata, ContentType: contentTypeOf(this.key) }),
    );
    if (!UploadId) throw new Error(`S3 started a multipart upload of s3://${this.context.place.bucket}/${this.key} without an upload id`);
    return UploadId;
  }

  // Waits for every part sent, then completes the upload (the first part's failure is thrown instead).
  async complete(): Promise<void> {
    await this.settled();
    if (this.failure) throw this.failure.error;
    const uploadId = await this.created!;
    const parts = [...this.parts].sort((a, b) => a.PartNumber! - b.PartNumber!);
    await this.context.client.send(
      new CompleteMultipartUploadCommand({ Bucket: this.context.place.bucket, Key: this.key, UploadId: uploadId, MultipartUpload: { Parts: parts } }),
    );
  }

  // After a failure: waits for the parts still being sent, then tells S3 to drop them all (nothing when no part
  // was sent, or S3 gave no upload id).
  async abort(): Promise<void> {
    await this.settled();
    const uploadId = await this.created?.catch(() => undefined);
    if (uploadId) await abortMultipart(this.context, this.key, uploadId);
  }

  private async settled(): Promise<void> {
    while (this.sending.size > 0) await Promise.allSettled([...this.sending]);
  }
}

// One attempt: streams head then rest to key (multipart above partSizeBytes, one PUT up to it), hashing on the
// way; a failed multipart upload is aborted. Takes the stream once; an abort destroys it. With sourceFile (the
// file rest reads, complete on disk) the bytes are only hashed on the way: each part is read again from the file
// to be sent, with its SHA-256 signed, so the upload holds no part buffers.
export const uploadOnce = async (
  context: S3Context,
  key: string,
  head: readonly Buffer[],
  rest: Readable,
  metadata: Record<string, string>,
  signal: AbortSignal | undefined,
  sourceFile?: string,
): Promise<Uploaded> => {
  const hash = createHash('sha256');
  let bytes = 0;
  const size = context.partSizeBytes;
  using upload = new Multipart(context, key, metadata);
  const onAbort = signal ? addAbortListener(signal, () => rest.destroy(signal.reason as Error)) : undefined;
  try {
    await underSignal(signal, async () => {
      let buffer = sourceFile === undefined ? await upload.buffer() : undefined;
      let partHash = createHash('sha256');
      let filled = 0;
      let parts = 0;
      // The part filled so far: its buffer, or its range of the file and the SHA-256 of that range.
      const body = (): PartBody =>
        buffer ? { buffer, length: filled } : { path: sourceFile as string, first: parts * size, last: parts * size + filled - 1, sha256: partHash.digest('hex') };
      for await (const chunk of bytesOf(head, rest, signal)) {
        hash.update(chunk);
        bytes += chunk.length;
        for (let offset = 0; offset < chunk.length; ) {
          // A full part is sent once more bytes follow it: an archive of exactly one part goes up in one PUT.
          if (filled === size) {
            const full = body();
            upload.send(full, ++parts);
            if (sourceFile === undefined) buffer = await upload.buffer();
            else {
              await upload.slot();
              partHash = createHash('sha256');
            }
            filled = 0;
          }
          if (upload.failure) throw upload.failure.error;
          const end = offset + Math.min(size - filled, chunk.length - offset);
          if (buffer) chunk.copy(buffer, filled, offset, end);
          else partHash.update(chunk.subarray(offset, end));
          filled += end - offset;
          offset = end;
        }
      }
      if (parts === 0) {
        const last = body();
        const put = new PutObjectCommand({ Bucket: context.place.bucket, Key: key, Metadata: metadata, ContentType: contentTypeOf(key), ...bodyInput(last) });
        if (!('buffer' in last)) sendFileRange(put, last);
        await context.client.send(put);
        return;
      }
      upload.send(body(), parts + 1);
      await upload.complete();
    });
    return { sha256: hash.digest('hex'), bytes };
  } catch (error) {
    await upload.abort();
    throw error;
  } finally {
    onAbort?.[Symbol.dispose]();
    rest.destroy();
  }
};
