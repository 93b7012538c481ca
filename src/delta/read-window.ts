import { oneLine } from '../errors/agent-error.ts';
import type { DeltaStore, StoredSegment } from '../store/delta-store.ts';
import type { SnapshotStore, StoredSnapshot, StoreCallOptions } from '../store/snapshot-store.ts';
import { buildChains, chainEnd, recoverableWindow, replayPath } from './chains.ts';
import type { CaptureStatus, Chain, ChainBase, RecoverablePoint, RecoverableWindow, SegmentManifest } from './delta-types.ts';
import { readSegmentManifest } from './segment-reader.ts';
import { archiveStamp } from './segment-name.ts';

// The unit's snapshot dir as a segment store, with the path of each segment in it (a replay's view may download an
// off-unit segment first, so the path may come later).
export type LocalDeltas = DeltaStore & { pathOf(name: string): string | Promise<string> };

// The bases of some listed snapshots: each of this charm's name pattern with a readable manifest (an encrypted
// archive's plain manifest sidecar counts), its revision and created time from that manifest.
export const chainBases = (snapshots: readonly StoredSnapshot[]): ChainBase[] =>
  snapshots.flatMap((snapshot) => {
    const stamp = archiveStamp(snapshot.name);
    const manifest = snapshot.manifest;
    if (stamp === undefined || manifest === undefined) return [];
    return [{ name: snapshot.name, stamp, revision: manifest.revision, created: manifest.created, clusterId: manifest.clusterId }];
  });

// A segment whose trailer could not be read: it is left out of the chains, and why.
export interface BadSegment {
  name: string;
  error: string;
}

// The chains of the local snapshot dir, their exact ends (each chain's last walked segment's trailer read in full;
// an encrypted one needs identity, else its end time is the fallback of chainEnd) and the segments left out because
// their trailer could not be read (the chain then ends before them, so the window is what remains). capture carries
// the chain being written up to capture.coveredAt.
export const readChains = async (local: LocalDeltas, bases: StoredSnapshot[], identity?: string, capture?: CaptureStatus, options: StoreCallOptions = {}): Promise<{ chains: Chain[]; ends: RecoverablePoint[]; bad: BadSegment[] }> => {
  let segments = await local.listSegments(options);
  const chainsOf = chainBases(bases);
  const bad: BadSegment[] = [];
  for (;;) {
    const chains = buildChains(chainsOf, segments);
    const ends: RecoverablePoint[] = [];
    let failed: BadSegment | undefined;
    for (const chain of chains) {
      const last = replayPath(chain).at(-1);
      let manifest: SegmentManifest | undefined;
      if (last && (!last.encrypted || identity !== undefined)) {
        try {
          manifest = await readSegmentManifest(await local.pathOf(last.name), identity === undefined ? {} : { identity });
        } catch (error) {
          failed = { name: last.name, error: oneLine(error) };
          break;
        }
      }
      ends.push(chainEnd(chain, manifest, capture));
    }
    if (failed === undefined) return { chains, ends, bad };
    bad.push(failed);
    const gone = failed.name;
    segments = segments.filter((segment) => segment.name !== gone);
  }
};

// Where listing reads the window from.
export interface WindowSources {
  local: LocalDeltas;
  // The off-unit store's segments, counted with the local ones (never read: only names).
  remote?: DeltaStore | undefined;
  // Every snapshot listed (local and off-unit): the bases.
  snapshots: readonly StoredSnapshot[];
  capture: CaptureStatus | undefined;
  // Whether the trailer of each chain's last unencrypted local segment is read for its end time (default true);
  // the metrics endpoint reads names only.
  readTrailers?: boolean;
  signal?: AbortSignal;
}

// The trailer of a local, unencrypted segment, or undefined when there is none or it cannot be read.
const trailerOf = async (local: LocalDeltas, segment: StoredSegment | undefined): Promise<SegmentManifest | undefined> =>
  segment === undefined || segment.encrypted || segment.location !== local.location ? undefined : readSegmentManifest(await local.pathOf(segment.name)).catch(() => undefined);

// The recoverable window without decrypting anything (list-snapshots, update-status, metrics): segment names (local
// and off-unit), base manifests and the capture status. A chain's end time: the capture status for its chain, else
// its last segment's trailer when that is local and unencrypted, else the next chain's base created time (a chain
// ends where the next one starts). Also the segments listed, for per-snapshot counts. Undefined window when no
// segment is listed and there is no capture status.
export const readRecoverableWindow = async (sources: WindowSources): Promise<{ window: RecoverableWindow | undefined; segments: StoredSegment[] }> => {
  const options = sources.signal ? { signal: sources.signal } : {};
  const lists = await Promise.all([sources.local.listSegments(options), sources.remote?.listSegments(options) ?? []]);
  const segments = lists.flat();
  const chains = buildChains(chainBases(sources.snapshots), segments);
  const local = new Map(lists[0].map((segment) => [segment.name, segment]));
  const ends = await Promise.all(
    chains.map(async (chain, i) => {
      const last = replayPath(chain).at(-1);
      const byCapture = sources.capture?.base === chain.base.name && sources.capture.coveredRevision === last?.lastRevision;
      const manifest = sources.readTrailers === false || byCapture || last === undefined ? undefined : await trailerOf(sources.local, local.get(last.name));
      // The capture status of a chain whose segments reach past what it covered (listed after the state was read)
      // still says the chain reached coveredAt.
      const capture = sources.capture;
      const reached = capture?.base === chain.base.name && last !== undefined && capture.coveredRevision <= last.lastRevision ? capture.coveredAt : undefined;
      const next = chains[i + 1]?.base.created;
      const fallback = reached !== undefined && next !== undefined ? (Date.parse(reached) > Date.parse(next) ? reached : next) : (reached ?? next);
      return chainEnd(chain, manifest, capture, fallback);
    }),
  );
  return { window: recoverableWindow(chains, ends, sources.capture), segments };
};

// The window of the unit's snapshot dir alone (update-status, the metrics endpoint), or undefined when there is
// none or the dir cannot be listed: a status or a scrape does not fail over it.
export const readLocalWindow = async (snapshots: SnapshotStore, local: LocalDeltas, capture: CaptureStatus | undefined, readTrailers = true): Promise<RecoverableWindow | undefined> => {
  try {
    return (await readRecoverableWindow({ local, snapshots: await snapshots.list(), capture, readTrailers })).window;
  } catch {
    return undefined;
  }
};
