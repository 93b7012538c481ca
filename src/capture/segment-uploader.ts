import { createReadStream } from 'node:fs';
import type { DeltaUploadStore } from '../store/delta-store.ts';
import { oneLine } from '../errors/agent-error.ts';
import type { Logger } from '../log/logger.ts';

// A closed segment waiting for its upload.
export interface PendingUpload {
  name: string;
  path: string;
  sha256: string;
}

// What the uploader reports after each attempt.
export interface UploadReport {
  uploaded: number;
  failures: number;
  pending: number;
}

// Uploads closed segments one at a time, in the order they closed, off the capture's path: a failure leaves the
// segment queued for the next tick (one log line per failed attempt), and never holds the watch.
export class SegmentUploader {
  private readonly queue: PendingUpload[] = [];
  private running: Promise<void> | undefined;
  private uploaded = 0;
  private failures = 0;

  private readonly store: DeltaUploadStore;
  private readonly log: Logger;
  private readonly retryNote: string;
  private readonly onReport: (report: UploadReport) => void;
  private readonly signal: AbortSignal;

  constructor(store: DeltaUploadStore, log: Logger, retryNote: string, onReport: (report: UploadReport) => void, signal: AbortSignal) {
    this.store = store;
    this.log = log;
    this.retryNote = retryNote;
    this.onReport = onReport;
    this.signal = signal;
  }

  // Queues a segment (reported as pending at once, so a status written after it never says nothing is waiting) and
  // starts uploading.
  add(segment: PendingUpload): void {
    if (!this.queue.some((q) => q.name === segment.name)) {
      this.queue.push(segment);
      this.report();
    }
    this.kick();
  }

  // Works through the queue unless that is under way; the retry timer calls this every interval.
  kick(): Promise<void> {
    this.running ??= this.drain().finally(() => (this.running = undefined));
    return this.running;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && !this.signal.aborted) {
      const next = this.queue[0]!;
      try {
        const open = () => createReadStream(next.path);
        await this.store.saveSegment(next.name, open(), { sha256: next.sha256, reopen: open }, { signal: this.signal });
        this.queue.shift();
        this.uploaded += 1;
      } catch (error) {
        if (this.signal.aborted) return;
        this.failures += 1;
        this.log.warn(`capture: upload of ${next.name} to ${this.store.location} failed (${oneLine(error)}); ${this.queue.length} segment(s) waiting, retried ${this.retryNote}`);
        this.report();
        return;
      }
      this.report();
    }
  }

  private report(): void {
    this.onReport({ uploaded: this.uploaded, failures: this.failures, pending: this.queue.length });
  }
}
