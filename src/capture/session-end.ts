import { oneLine } from '../errors/agent-error.ts';
import { RevisionGapError } from './segment-chain.ts';

// A segment could not be written (the stream itself is fine).
export class SegmentWriteError extends Error {}

// Runs segment work; a failure other than a missing revision becomes a SegmentWriteError.
export const writing = async (work: () => Promise<unknown>): Promise<void> => {
  try {
    await work();
  } catch (error) {
    if (error instanceof RevisionGapError) throw error;
    throw new SegmentWriteError(oneLine(error), { cause: error });
  }
};

// Why a session ended.
export type SessionEnd = { kind: 'woken' } | { kind: 'broken'; error: unknown } | { kind: 'write'; error: unknown } | { kind: 'compacted'; compactRevision: number } | { kind: 'gap'; error: RevisionGapError } | { kind: 'history'; why: string };
