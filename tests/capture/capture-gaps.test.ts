import t from 'tap';
import { startEtcd } from '../support/etcd/server.ts';
import { listDir, tempDir } from '../support/files/dirs.ts';
import { readState, spawnAgent, waitFor } from '../support/juju/agent-process.ts';
import { archiveStamp } from '../../src/delta/segment-name.ts';
import { captureFlags, captureState, etcdRevision, range, readChain, revisionRun, segmentsIn, spawnCapture, waitCovered } from './capture-support.ts';

const etcd = await startEtcd();
t.teardown(() => etcd.cleanup());
await etcd.put('/registry/namespaces/default', '{}');

t.test('etcd compacted past the resume point while capture was stopped: the gap is recorded, a new chain starts from a new full snapshot', async (t) => {
  const dir = await tempDir(t, 'capture-compact');
  const first = spawnCapture(etcd, dir);
  t.teardown(() => void first.kill('SIGKILL'));
  await waitFor('a chain', async () => ((await captureState(dir))?.base ? true : undefined));
  for (let i = 0; i < 10; i++) await etcd.put(`/registry/compact/before/${i}`, `v${i}`);
  const before = await waitCovered(dir, await etcdRevision(etcd));
  first.kill('SIGTERM');
  t.equal((await first).exitCode, 0);
  const stoppedAt = (await captureState(dir))!.coveredRevision;
  for (let i = 0; i < 10; i++) await etcd.put(`/registry/compact/while-stopped/${i}`, `v${i}`);
  const compactAt = await etcdRevision(etcd);
  await etcd.etcdctl(['compact', '--physical', String(compactAt)]);

  const second = spawnCapture(etcd, dir);
  t.teardown(() => void second.kill('SIGKILL'));
  const after = await waitFor('a new chain', async () => {
    const c = await captureState(dir);
    return c && c.base !== before.base ? c : undefined;
  });
  for (let i = 0; i < 10; i++) await etcd.put(`/registry/compact/after/${i}`, `v${i}`);
  const last = await etcdRevision(etcd);
  const covered = await waitCovered(dir, last);
  second.kill('SIGTERM');
  const result = await second;
  t.equal(result.exitCode, 0, result.all);
  const { manifests, events } = await readChain(dir, archiveStamp(after.base)!);
  const newBase = manifests[0]!.baseRevision;
  t.ok(newBase >= compactAt, `the new base (revision ${newBase}) is at or after the compaction (${compactAt})`);
  t.strictSame(revisionRun(events), range(newBase + 1, last), 'the new chain holds every revision from its base on');
  t.equal(covered.gaps.length, 1);
  const [gap] = covered.gaps;
  t.strictSame({ from: gap!.fromRevision, to: gap!.toRevision }, { from: stoppedAt + 1, to: newBase - 1 }, 'the gap: from where the watch had to resume to before the new base');
  t.equal(gap!.reason, `etcd compacted revisions up to ${compactAt - 1} before the watch could resume at revision ${stoppedAt + 1}`);
  const state = await readState(dir);
  t.match(state?.lastRun, { outcome: 'ok', archive: new RegExp(`${after.base.replace(/\./g, '\\.')}$`) }, 'the full snapshot is recorded like a run');
  const lines = String(result.all).split('\n');
  t.strictSame(lines.filter((l) => l.includes('are lost')), [`warning: capture: revisions ${stoppedAt + 1}..${compactAt - 1} are lost: ${gap!.reason}; taking a full snapshot now and starting a new chain`]);
  const old = await readChain(dir, archiveStamp(before.base)!);
  t.equal(old.segments.at(-1)!.lastRevision, stoppedAt, 'the old chain ends where the capture stopped');
});

t.test('delta-interval 0: no capture, no segment, no capture status', async (t) => {
  const dir = await tempDir(t, 'delta-off');
  const agent = spawnAgent([...captureFlags(etcd, dir), '--snapshot-schedule', '*/2 * * * * *', '--delta-interval', '0']);
  t.teardown(() => void agent.kill('SIGKILL'));
  // Two scheduled runs, with writes before, between and after them.
  const runs = new Set<string>();
  await waitFor('two scheduled snapshots', async () => {
    await etcd.put('/registry/off/key', String(Date.now()));
    const finished = (await readState(dir))?.lastSuccess?.finished;
    if (typeof finished === 'string') runs.add(finished);
    return runs.size >= 2 ? true : undefined;
  });
  agent.kill('SIGTERM');
  const result = await agent;
  t.equal(result.exitCode, 0, result.all);
  t.strictSame(await segmentsIn(dir), []);
  t.strictSame((await listDir(dir)).filter((n) => n.includes('delta')), [], 'not even a partial');
  t.equal((await readState(dir))?.capture, undefined);
  t.strictSame(String(result.all).split('\n').filter((l) => /capture[: ]/.test(l)), [], 'nothing about capture in the log');
});
