// Delta segments for point-in-time tests, written with the agent's own segment writer from events a test watched.
import type { ChainBase, DeltaEvent } from '../../../src/delta/delta-types.ts';
import { openSegment, type ClosedSegment } from '../../../src/delta/segment-writer.ts';

// Writes events (ascending, every revision after base.revision) into dir as segments of about perSegment events
// each, never splitting a revision; returns the closed segments in order.
export const writeSegments = async (dir: string, base: ChainBase, events: readonly DeltaEvent[], perSegment: number, recipients: string[] = []): Promise<ClosedSegment[]> => {
  const closed: ClosedSegment[] = [];
  let at = 0;
  while (at < events.length) {
    const first = events[at]!.revision;
    const writer = await openSegment({ dir, base, firstRevision: first, clusterId: base.clusterId as string, recipients });
    let n = 0;
    while (at < events.length && (n < perSegment || events[at]!.revision === events[at - 1]?.revision)) {
      await writer.append(events[at]!);
      at++;
      n++;
    }
    const segment = await writer.close(new Date());
    if (segment) closed.push(segment);
  }
  return closed;
};
