import { parseSnapshotName } from '../archive/snapshot-name.ts';
import { AgentError } from '../errors/agent-error.ts';
import type { SegmentName } from './delta-types.ts';

const STAMP = /^\d{4}-\d{2}-\d{2}-\d{2}\.\d{2}\.\d{2}$/;
const SEGMENT = /^etcd-delta-(\d{4}-\d{2}-\d{2}-\d{2}\.\d{2}\.\d{2})-([1-9]\d*)-([1-9]\d*)\.jsonl\.gz(\.age)?$/;
const ARCHIVE = /^etcd-snapshot-(\d{4}-\d{2}-\d{2}-\d{2}\.\d{2}\.\d{2})\.tar/;

// Whether a stamp is YYYY-MM-DD-HH.MM.SS of a real UTC moment (no 13th month, no 25th hour).
const isStamp = (stamp: string): boolean => STAMP.test(stamp) && parseSnapshotName(`etcd-snapshot-${stamp}.tar.gz`) !== undefined;

const isRevision = (n: number): boolean => Number.isSafeInteger(n) && n > 0;

// The file name of a delta segment: etcd-delta-<base stamp>-<first rev>-<last rev>.jsonl.gz, then .age when encrypted.
// Throws AgentError on a stamp that is not YYYY-MM-DD-HH.MM.SS or revisions that are not 1 <= first <= last.
export const segmentName = (stamp: string, firstRevision: number, lastRevision: number, encrypted: boolean): string => {
  if (!isStamp(stamp)) throw new AgentError(`cannot name a delta segment after base stamp ${JSON.stringify(stamp)}: it is not YYYY-MM-DD-HH.MM.SS`);
  if (!isRevision(firstRevision) || !isRevision(lastRevision) || firstRevision > lastRevision) {
    throw new AgentError(`cannot name a delta segment for revisions ${firstRevision}..${lastRevision}: they must be whole numbers with 1 <= first <= last`);
  }
  return `etcd-delta-${stamp}-${firstRevision}-${lastRevision}.jsonl.gz${encrypted ? '.age' : ''}`;
};

// What a segment name says; undefined for any name that is not the exact pattern (a real stamp, revisions without
// leading zeros, positive, safe, first <= last).
export const parseSegmentName = (name: string): SegmentName | undefined => {
  const m = SEGMENT.exec(name);
  if (!m) return undefined;
  const [, stamp = '', first = '', last = '', age] = m;
  const firstRevision = Number(first);
  const lastRevision = Number(last);
  if (!isStamp(stamp) || !isRevision(firstRevision) || !isRevision(lastRevision) || firstRevision > lastRevision) return undefined;
  return { name, stamp, firstRevision, lastRevision, encrypted: age !== undefined };
};

// The stamp (YYYY-MM-DD-HH.MM.SS) of an archive name etcd-snapshot-<stamp>.tar[.gz|.zst][.age]; undefined for any
// other name.
export const archiveStamp = (archiveName: string): string | undefined => {
  if (parseSnapshotName(archiveName) === undefined) return undefined;
  return ARCHIVE.exec(archiveName)?.[1];
};
