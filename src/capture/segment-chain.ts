import type { ChainBase, DeltaEvent } from '../delta/delta-types.ts';
import { openSegment, type ClosedSegment, type SegmentWriter } from '../delta/segment-writer.ts';
import { AgentError } from '../errors/agent-error.ts';

// The watch skipped revisions: what it expected and what came.
export class RevisionGapError extends AgentError {
  override readonly name: string = 'RevisionGapError';
  readonly expected: number;
  readonly got: number;
  constructor(expected: number, got: number) {
    super(`the watch skipped from revision ${expected - 1} to ${got}: revisions ${expected}..${got - 1} never arrived`);
    this.expected = expected;
    this.got = got;
  }
}

// The last revision a base stands for: its manifest's revision, but at least 1 (the empty store's revision, which
// etcd reports as 0 in a snapshot of it and which holds no event: its first event is at revision 2).
export const chainStart = (base: ChainBase): number => Math.max(base.revision, 1);

// Where a chain's segments go and how big one may grow.
export interface ChainOptions {
  dir: string;
  recipients: string[];
  maxBytes: number;
  // A segment open this long is closed at the next response even when etcd's progress answer is late (busy stream).
  maxAgeMs: number;
  // Each segment as it is closed, with the base of its chain.
  onClosed(segment: ClosedSegment, base: ChainBase): Promise<void>;
  // The chain now continues from base (its revision is the last appended).
  onSwitch(base: ChainBase): void;
}

// The chain being written: its base, the last revision appended (or the base's, or its last closed segment's), the
// open segment, and the next base to switch to once the events pass its revision.
export class SegmentChain {
  private writer: SegmentWriter | undefined;
  private next: ChainBase | undefined;
  private openedAt = 0;
  // Revisions a replayed watch sent again and were dropped.
  duplicates = 0;
  // The last revision in closed segments (or the base's): where a watch resumes after the open segment is lost.
  closedLast: number;

  private readonly options: ChainOptions;
  // The base of the chain being written, and the last revision appended to it.
  base: ChainBase;
  last: number;

  constructor(options: ChainOptions, base: ChainBase, last: number) {
    this.options = options;
    this.base = base;
    this.last = last;
    this.closedLast = last;
  }

  // The base the chain switches to (after its revision), if one is pending.
  get pending(): ChainBase | undefined {
    return this.next;
  }

  // Switches to a new base: at once (the open segment is closed, the next event must be base.revision + 1) when the
  // chain already reached its revision, else once the events pass it (events <= its revision stay in this chain).
  async switchTo(base: ChainBase, closedAt: Date): Promise<'now' | 'later'> {
    if (this.last >= chainStart(base)) {
      await this.close(closedAt);
      this.next = undefined;
      this.base = base;
      this.last = chainStart(base);
      this.closedLast = this.last;
      this.options.onSwitch(base);
      return 'now';
    }
    this.next = base;
    return 'later';
  }

  // Appends one watch response's events, in order; revisions at or below the last appended one before the response
  // are dropped (a resumed watch sending them again). Closes the segment after the response when it reached
  // maxBytes. Throws RevisionGapError when a revision is missing.
  async appendResponse(events: DeltaEvent[], clusterId: string, at: Date): Promise<void> {
    const floor = this.last;
    for (const event of events) {
      if (event.revision <= floor) {
        this.duplicates += 1;
        continue;
      }
      if (this.next && event.revision > chainStart(this.next)) await this.switchTo(this.next, at);
      if (event.revision > this.last + 1) throw new RevisionGapError(this.last + 1, event.revision);
      if (!this.writer) {
        this.writer = await openSegment({ dir: this.options.dir, base: this.base, firstRevision: this.last + 1, clusterId, recipients: this.options.recipients });
        this.openedAt = at.getTime();
      }
      await this.writer.append(event);
      this.last = event.revision;
    }
    const full = this.writer !== undefined && this.writer.bytes >= this.options.maxBytes;
    if (full || (this.writer && at.getTime() - this.openedAt >= this.options.maxAgeMs)) await this.close(at);
  }

  // Closes the open segment (nothing when there is none, or it is empty) and reports it.
  async close(closedAt: Date): Promise<ClosedSegment | undefined> {
    const writer = this.writer;
    this.writer = undefined;
    const closed = await writer?.close(closedAt);
    if (closed) {
      this.closedLast = closed.manifest.lastRevision;
      await this.options.onClosed(closed, this.base);
    }
    return closed;
  }

  // Drops the open segment (its hidden file) without closing it.
  async abort(): Promise<void> {
    const writer = this.writer;
    this.writer = undefined;
    await writer?.abort();
    this.last = this.closedLast;
  }
}
