import { createReadStream } from 'node:fs';
import { HEAP_CHUNK_BYTES } from '../system/malloc-threshold.ts';
import type { FinalizeRequestMiddleware, BuildMiddleware, MiddlewareStack } from '@smithy/types';

// One byte range of a file that is complete on disk, with its SHA-256 (hex), sent as a request body.
export interface FileRange {
  path: string;
  // First and last byte, inclusive (last = first - 1 for an empty range).
  first: number;
  last: number;
  sha256: string;
}

type WithRequest = { request: { headers: Record<string, string>; body?: unknown } };

// Each read of a range is a fresh chunk: sized for malloc's heap, not a mapping each.
const READ_BYTES = HEAP_CHUNK_BYTES;

// Makes a PutObject or UploadPart command send range as its body, read from the file for each attempt: the SDK's
// retries (which run the steps after retryMiddleware again) each get a fresh stream, where a stream handed in as
// Body would be spent after the first. The range's SHA-256 goes into x-amz-content-sha256, so the request's
// signature covers the payload as it does for a Buffer body, and S3 refuses bytes that differ from it.
export const sendFileRange = <I extends object, O extends object>(command: { middlewareStack: MiddlewareStack<I, O> }, range: FileRange): void => {
  const hashed: BuildMiddleware<I, O> = (next) => (args) => {
    (args as WithRequest).request.headers['x-amz-content-sha256'] = range.sha256;
    return next(args);
  };
  const fresh: FinalizeRequestMiddleware<I, O> = (next) => async (args) => {
    const reading = range.last < range.first ? undefined : createReadStream(range.path, { start: range.first, end: range.last, highWaterMark: READ_BYTES });
    // The stream goes on a copy of the request: the retry middleware looks at its own request when a try fails,
    // and it does not retry a request whose body is a stream.
    const { request } = args as WithRequest;
    const copy = Object.assign(Object.create(Object.getPrototypeOf(request) as object) as object, request, { body: reading ?? Buffer.alloc(0) });
    try {
      return await next({ ...args, request: copy });
    } finally {
      // A request that failed may not have read its stream to the end.
      reading?.destroy();
    }
  };
  command.middlewareStack.add(hashed, { step: 'build', name: 'etcdAgentPayloadHash' });
  command.middlewareStack.addRelativeTo(fresh, { relation: 'after', toMiddleware: 'retryMiddleware', name: 'etcdAgentFileBody' });
};
