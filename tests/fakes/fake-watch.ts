import type { WatchEvent, WatchResponse, WatchSession, WatchSource } from '../../src/etcd/gateway-watch.ts';

// One scripted watch session: the responses it sends, then how it ends (an error, or held open until closed);
// progress() answers with `progressRevision`.
export interface ScriptedSession {
  responses: WatchResponse[];
  end: Error | 'hold';
  progressRevision: number;
}

// A WatchSource that plays sessions in order (one per open) and records the revision each was opened from: what a
// real etcd cannot do on demand (a stream cut after exactly these events, a resent revision).
export interface FakeWatch extends WatchSource {
  readonly opened: number[];
}

// A response header of cluster id `cluster` (decimal) at revision.
const header = (cluster: string, revision: number) => ({ cluster_id: cluster, revision: String(revision) });

// The created answer, an answer of put events at the given revisions (one per revision), and a progress answer.
export const created = (cluster: string, revision: number): WatchResponse => ({ header: header(cluster, revision), created: true, canceled: false, cancel_reason: '', compact_revision: '0', events: [] });
export const puts = (cluster: string, revisions: number[]): WatchResponse => ({
  header: header(cluster, revisions.at(-1) ?? 0), created: false, canceled: false, cancel_reason: '', compact_revision: '0',
  events: revisions.map((r): WatchEvent => ({ type: 'Put', kv: { key: Buffer.from(`/registry/k/${r}`), value: Buffer.from(`v${r}`), lease: '0', create_revision: String(r), mod_revision: String(r), version: '1' } })),
});

export const fakeWatch = (script: ScriptedSession[]): FakeWatch => {
  const opened: number[] = [];
  return {
    endpoints: ['http://fake-etcd:2379'],
    opened,
    async open(startRevision): Promise<WatchSession> {
      opened.push(startRevision);
      const session = script.shift();
      if (!session) throw new Error('no more scripted sessions');
      const queue = [...session.responses];
      let wake: (() => void) | undefined;
      let closed = false;
      const cluster = session.responses[0]?.header.cluster_id ?? '1';
      return {
        responses: (async function* () {
          for (;;) {
            const next = queue.shift();
            if (next) {
              yield next;
              continue;
            }
            if (closed) return;
            if (session.end !== 'hold') throw session.end;
            await new Promise<void>((resolve) => (wake = resolve));
          }
        })(),
        progress() {
          queue.push({ ...created(cluster, session.progressRevision), created: false });
          wake?.();
        },
        close() {
          closed = true;
          wake?.();
        },
      };
    },
  };
};
