import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AgentError, oneLine } from '../errors/agent-error.ts';
import { hashingStream } from '../fs/hashing-stream.ts';

// Streams what open() gives into path (a new file, never over one), hashing on the way, and refuses it, the file
// removed, when the store recorded another SHA-256 (expected undefined: nothing recorded to check against).
// where names the object in messages (e.g. s3://bucket/prefix/name). Returns the bytes' SHA-256.
export const downloadChecked = async (open: () => Promise<Readable>, path: string, expected: string | undefined, where: string): Promise<string> => {
  const tap = hashingStream();
  try {
    await pipeline(await open(), tap.stream, createWriteStream(path, { flags: 'wx', mode: 0o600 }));
  } catch (error) {
    await rm(path, { force: true });
    throw new AgentError(`downloading ${where} failed: ${oneLine(error)}`, { cause: error });
  }
  const { sha256 } = tap.result();
  if (expected !== undefined && expected.toLowerCase() !== sha256) {
    await rm(path, { force: true });
    throw new AgentError(`refusing ${where}: the download has SHA-256 ${sha256}, the store recorded ${expected}; try again`);
  }
  return sha256;
};
