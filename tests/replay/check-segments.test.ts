import t, { type Test } from 'tap';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildChains, chainEnd, planReplay, type PointTarget } from '../../src/delta/chains.ts';
import type { ChainBase } from '../../src/delta/delta-types.ts';
import { parseSegmentName } from '../../src/delta/segment-name.ts';
import type { ClosedSegment } from '../../src/delta/segment-writer.ts';
import { checkSegments } from '../../src/replay/check-segments.ts';
import { writeSegments } from '../support/etcd/write-segments.ts';
import { tempDir } from '../support/files/dirs.ts';
import { BASE, put } from '../delta/segment-fixture.ts';

// checkSegments on real segment files (written by the agent's writer): what a replay needs is checked before
// anything starts, and a damaged segment is refused with the window that remains.

const events = Array.from({ length: 30 }, (_, i) => put(BASE.revision + 1 + i));
const target = (revision: number): PointTarget => ({ kind: 'revision', revision, given: String(revision), param: 'to-revision' });

const setup = async (t: Test, base: ChainBase = BASE) => {
  const dir = await tempDir(t, 'check-segments');
  const segments = await writeSegments(dir, base, events, 10);
  return { dir, segments };
};

const planFor = (segments: ClosedSegment[], to: PointTarget, base: ChainBase = BASE) => {
  const chains = buildChains([base], segments.map((s) => parseSegmentName(s.name)!));
  const ends = [chainEnd(chains[0]!, segments.at(-1)?.manifest, undefined)];
  return { plan: planReplay(chains, ends, to, undefined), chains, ends };
};

const context = (dir: string) => ({ pathOf: (name: string) => join(dir, name), listed: [], capture: undefined });

t.test('all good: the segments up to the one holding the target, in order', async (t) => {
  const { dir, segments } = await setup(t);
  t.equal(segments.length, 3);
  const checked = await checkSegments(planFor(segments, target(BASE.revision + 15)), context(dir));
  t.strictSame(checked.segments.map((c) => c.segment.name), segments.slice(0, 2).map((s) => s.name));
  t.strictSame(checked.segments.map((c) => c.sha256), segments.slice(0, 2).map((s) => s.sha256));
});

t.test('to a time: segments whose events all come after it are not needed, nor checked', async (t) => {
  const { dir, segments } = await setup(t);
  const at = new Date(Date.parse(events[4]!.time));
  await rm(join(dir, `${segments[2]!.name}.sha256`));
  const checked = await checkSegments(planFor(segments, { kind: 'time', time: at, given: at.toISOString(), param: 'to-time' }), context(dir));
  t.strictSame(checked.segments.map((c) => c.segment.name), [segments[0]!.name]);
});

t.test('a segment of another cluster is refused by name, with the window that remains', async (t) => {
  const { dir, segments } = await setup(t);
  const other = await tempDir(t, 'check-segments-other');
  const foreign = await writeSegments(other, { ...BASE, clusterId: 'abcdef0123456789' }, events, 10);
  // The second segment replaced by one of another cluster (same name, its own sidecar).
  await writeFile(segments[1]!.path, await (await import('node:fs/promises')).readFile(foreign[1]!.path));
  await writeFile(`${segments[1]!.path}.sha256`, `${foreign[1]!.sha256}  ${foreign[1]!.name}\n`);
  const last = BASE.revision + 30;
  await t.rejects(checkSegments(planFor(segments, target(last)), context(dir)), {
    message: `segment ${segments[1]!.name} cannot be used (its events are of cluster abcdef0123456789, the base ${BASE.name} is of cluster ${BASE.clusterId}); without it, to-revision ${last} is not recoverable: the recoverable window is ${BASE.created} (revision ${BASE.revision}) to ${segments[0]!.manifest.lastEventTime} (revision ${segments[0]!.manifest.lastRevision}); the nearest recoverable point is revision ${segments[0]!.manifest.lastRevision} (${segments[0]!.manifest.lastEventTime})`,
  });
});

t.test('a missing sidecar: refused, the segment cannot be verified', async (t) => {
  const { dir, segments } = await setup(t);
  await rm(join(dir, `${segments[0]!.name}.sha256`));
  await t.rejects(checkSegments(planFor(segments, target(BASE.revision + 3)), context(dir)), {
    message: `segment ${segments[0]!.name} cannot be used (segment ${segments[0]!.name}: it has no readable sha256 sidecar (${segments[0]!.name}.sha256 is missing or malformed), so it cannot be verified; it is not used); without it, to-revision ${BASE.revision + 3} is not recoverable: the recoverable window is ${BASE.created} (revision ${BASE.revision}) to ${BASE.created} (revision ${BASE.revision}); the nearest recoverable point is revision ${BASE.revision} (${BASE.created})`,
  });
});

t.test('a base without a cluster id matches no segment', async (t) => {
  const { dir, segments } = await setup(t);
  const bare = { ...BASE, clusterId: undefined };
  await t.rejects(checkSegments(planFor(segments, target(BASE.revision + 3), bare), context(dir)), {
    message: `segment ${segments[0]!.name} cannot be used (the base ${BASE.name} records no cluster id, so no segment can be matched to it); without it, to-revision ${BASE.revision + 3} is not recoverable: the recoverable window is ${BASE.created} (revision ${BASE.revision}) to ${BASE.created} (revision ${BASE.revision}); the nearest recoverable point is revision ${BASE.revision} (${BASE.created})`,
  });
});
