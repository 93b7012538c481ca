import { DeleteObjectCommand, HeadObjectCommand, ListObjectsV2Command, type HeadObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { AgentError } from '../errors/agent-error.ts';
import { underSignal } from './s3-client.ts';
import { describeS3Error, sanitize, statusOf, type S3ErrorContext } from './s3-errors.ts';
import type { S3Place } from './s3-keys.ts';

// What every S3 store operation works with.
export interface S3Context {
  client: S3Client;
  place: S3Place;
  // s3://bucket/prefix: the store's location.
  location: string;
  errors: S3ErrorContext;
  partSizeBytes: number;
  retries: number;
  retryBaseDelayMs: number;
  // Told about retries, aborted uploads and failed cleanups; never given a key.
  log: (message: string) => void;
}

// An AgentError for a failed call: `<what> failed: <what S3 did>` plus an optional tail, on one line.
export const s3Failure = (context: S3Context, what: string, error: unknown, tail = ''): AgentError =>
  error instanceof AgentError
    ? error
    : new AgentError(`${what} failed: ${describeS3Error(error, context.errors)}${tail}`);

// A log line with the keys blanked out.
export const logSafely = (context: S3Context, message: string): void => context.log(sanitize(message, context.errors.secrets));

// HeadObject, or undefined when there is no such object. A bare 403 (HEAD has no error body) is explained
// by a ListObjectsV2 probe, whose error names the cause (wrong credentials, no bucket, no permission).
export const headObject = async (context: S3Context, key: string): Promise<HeadObjectCommandOutput | undefined> => {
  try {
    return await context.client.send(new HeadObjectCommand({ Bucket: context.place.bucket, Key: key }));
  } catch (error) {
    const status = statusOf(error);
    if (status === 404) return undefined;
    if (status === 403 || status === 400) {
      await context.client.send(new ListObjectsV2Command({ Bucket: context.place.bucket, Prefix: key, MaxKeys: 1 }));
    }
    throw error;
  }
};

// Deletes keys whatever the caller's signal says (cleanup must finish); failures are logged, not thrown.
export const removeQuietly = async (context: S3Context, keys: readonly string[], why: string): Promise<void> => {
  await underSignal(undefined, async () => {
    for (const key of keys) {
      try {
        await context.client.send(new DeleteObjectCommand({ Bucket: context.place.bucket, Key: key }));
      } catch (error) {
        logSafely(context, `could not remove s3://${context.place.bucket}/${key} after ${why}: ${describeS3Error(error, context.errors)}`);
      }
    }
  });
};
