import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { LocalDeltas } from '../delta/read-window.ts';
import { oneLine } from '../errors/agent-error.ts';
import { requireSpace } from '../engine/free-space.ts';
import type { DeltaStore, StoredSegment } from '../store/delta-store.ts';
import { downloadChecked } from '../store/download-checked.ts';
import type { LocalStore } from '../store/local-store.ts';
import type { SnapshotStore, StoredSnapshot } from '../store/snapshot-store.ts';

// The off-unit store a replay may plan from too: its archives and the delta segments beside them.
export interface RemoteSources {
  snapshots: SnapshotStore;
  deltas: DeltaStore | undefined;
}

// A base a replay starts from: the file to read and where it is kept (a path in snapshot-dir, or the s3:// URL of a
// copy downloaded into scratch).
export interface BaseFile {
  path: string;
  location: string;
}

// Every base and segment a replay can plan with: the snapshot dir's, and the off-unit store's that the snapshot dir
// lacks (a unit that lost its disk, or pruned harder). A name in both is read from the snapshot dir. Off-unit files
// are downloaded into the stage dir under their exact names when first asked for, the SHA-256 the store recorded
// checked on the way; nothing is downloaded that the plan does not read.
export interface PointFiles {
  bases: StoredSnapshot[];
  deltas: LocalDeltas;
  base(name: string): Promise<BaseFile>;
  // Why the off-unit store could not be listed ('' when it was, or there is none): a refusal says it.
  unlisted: string;
  // The off-unit store listed ('' when none was).
  remoteLocation: string;
}

// Lists both stores and makes the files; a store that cannot be listed is left out (the snapshot dir alone may
// reach the target), and unlisted says why.
export const pointFiles = async (
  local: { snapshots: LocalStore; deltas: LocalDeltas },
  remote: (() => Promise<RemoteSources | undefined>) | undefined,
  stage: string,
): Promise<PointFiles> => {
  const [bases, segments] = await Promise.all([local.snapshots.list(), local.deltas.listSegments()]);
  let off: RemoteSources | undefined;
  let offBases: StoredSnapshot[] = [];
  let offSegments: StoredSegment[] = [];
  let unlisted = '';
  try {
    off = await remote?.();
    if (off) {
      // Both listings are waited for, and the archives' failure is the one told when both fail: the same message
      // whichever answer comes first.
      const [listed, segmentsListed] = await Promise.allSettled([off.snapshots.list(), off.deltas?.listSegments() ?? []]);
      if (listed.status === 'rejected') throw listed.reason;
      if (segmentsListed.status === 'rejected') throw segmentsListed.reason;
      [offBases, offSegments] = [listed.value, segmentsListed.value];
    }
  } catch (error) {
    unlisted = `${off?.snapshots.location ?? 'the off-unit store'} could not be listed (${oneLine(error)})`;
    off = undefined;
  }
  const localBases = new Set(bases.map((b) => b.name));
  const localSegments = new Set(segments.map((s) => s.name));
  const onlyOffBases = new Map(offBases.filter((b) => !localBases.has(b.name)).map((b) => [b.name, b]));
  const onlyOffSegments = new Map(offSegments.filter((s) => !localSegments.has(s.name)).map((s) => [s.name, s]));
  const allSegments = [...segments, ...onlyOffSegments.values()];
  const downloads = new Map<string, Promise<string>>();
  // Downloads once, however often asked; a failed download is asked again next time.
  const once = (name: string, fetch: (path: string) => Promise<unknown>): Promise<string> => {
    let pending = downloads.get(name);
    if (!pending) {
      pending = mkdir(stage, { recursive: true, mode: 0o700 }).then(async () => {
        const path = join(stage, name);
        await fetch(path);
        return path;
      });
      pending.catch(() => downloads.delete(name));
      downloads.set(name, pending);
    }
    return pending;
  };
  const deltas: LocalDeltas = {
    location: local.deltas.location,
    listSegments: async () => allSegments,
    fetchSegment: (name, options) => (onlyOffSegments.has(name) && off?.deltas ? off.deltas : local.deltas).fetchSegment(name, options),
    deleteSegment: (name) => local.deltas.deleteSegment(name),
    pathOf: (name) => {
      const segment = onlyOffSegments.get(name);
      const store = off?.deltas;
      if (!segment || !store) return local.deltas.pathOf(name);
      return once(name, (path) => downloadChecked(() => store.fetchSegment(name), path, segment.sha256, `${segment.location}/${name}`));
    },
  };
  return {
    bases: [...bases, ...onlyOffBases.values()].sort((a, b) => b.created.getTime() - a.created.getTime()),
    deltas,
    unlisted,
    remoteLocation: off?.snapshots.location ?? '',
    async base(name) {
      const entry = onlyOffBases.get(name);
      const store = off?.snapshots;
      if (!entry || !store) return { path: join(local.snapshots.dir, name), location: join(local.snapshots.dir, name) };
      const path = await once(name, async (to) => {
        await requireSpace(stage, entry.bytes, `downloading ${entry.location} (${entry.bytes} bytes) to replay from it`, 'free space there and try again');
        return downloadChecked(() => store.fetch(name), to, entry.sha256, entry.location);
      });
      return { path, location: entry.location };
    },
  };
};
