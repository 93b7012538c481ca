import type { SegmentName } from '../delta/delta-types.ts';
import { parseSegmentName } from '../delta/segment-name.ts';
import { AgentError } from '../errors/agent-error.ts';

// What a segment name says; refuses any name that is not a segment's exact pattern.
export const checkSegmentName = (name: string, location: string): SegmentName => {
  const parsed = parseSegmentName(name);
  if (!parsed) {
    throw new AgentError(
      `refusing delta segment name ${JSON.stringify(name)} in store ${location}: only this charm's segments (etcd-delta-YYYY-MM-DD-HH.MM.SS-<first>-<last>.jsonl.gz[.age]) are handled`,
    );
  }
  return parsed;
};

// Orders segments by stamp, then first revision, then last, then name (ascending), for sort().
export const segmentOrder = (a: SegmentName, b: SegmentName): number =>
  (a.stamp < b.stamp ? -1 : a.stamp > b.stamp ? 1 : 0) || a.firstRevision - b.firstRevision || a.lastRevision - b.lastRevision || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
