import { createWriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { hashingStream } from '../fs/hashing-stream.ts';
import { pipeline } from 'node:stream/promises';
import { writeAtomically } from '../fs/atomic-file.ts';
import { AgentError } from '../errors/agent-error.ts';

// What a streamed save wrote.
export interface SavedStream {
  sha256: string;
  bytes: number;
}

// Streams source to path (0600) under a hidden temporary name, hashing it on the way, then links it
// into place, never over an existing file; a wrong expected SHA-256 or an abort keeps nothing.
export const saveStream = async (
  path: string,
  source: Readable,
  options: { expectedSha256?: string | undefined; signal?: AbortSignal | undefined; label: string },
): Promise<SavedStream> => {
  const tap = hashingStream();
  let bytes = 0;
  let sha256 = '';
  await writeAtomically(
    path,
    async (temp) => {
      const out = createWriteStream(temp, { flags: 'wx', mode: 0o600, flush: true });
      await pipeline(source, tap.stream, out, options.signal ? { signal: options.signal } : {});
      ({ sha256, bytes } = tap.result());
      const expected = options.expectedSha256?.toLowerCase();
      if (expected !== undefined && expected !== sha256) {
        throw new AgentError(`refusing to save ${options.label}: its SHA-256 is ${sha256}, not the expected ${expected}; nothing was kept`);
      }
    },
    { exclusive: true },
  );
  return { sha256, bytes };
};
