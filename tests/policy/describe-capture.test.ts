import t from 'tap';
import type { CaptureStatus, RecoverableWindow } from '../../src/delta/delta-types.ts';
import { describeCapture, type CaptureView } from '../../src/policy/describe-capture.ts';
import { describeStatus } from '../../src/policy/describe-status.ts';
import type { RunRecord, ScheduleState } from '../../src/state/schedule-state.ts';

const NOW = new Date('2026-12-01T14:32:18.000Z');
const ago = (seconds: number): string => new Date(NOW.getTime() - seconds * 1000).toISOString();
const UNIT = 'etcd-agent-scheduler-etcd-0';
const TODO = `check the scheduler with \`systemctl status ${UNIT}\` and \`journalctl -u ${UNIT}\``;

const capture = (over: Partial<CaptureStatus> = {}): CaptureStatus => ({
  state: 'running',
  base: 'etcd-snapshot-2026-12-01-14.00.00.tar.gz',
  coveredRevision: 4200,
  coveredAt: ago(8),
  gaps: [],
  intervalSeconds: 10,
  ...over,
});

const window = (toAgo: number, revision: number, fromRevision = 100): RecoverableWindow => ({
  from: { time: ago(3600), revision: fromRevision },
  to: { time: ago(toAgo), revision },
  gaps: 0,
  chains: [],
});

const view = (over: Partial<CaptureView> = {}): CaptureView => ({ intervalSeconds: 10, window: window(8, 4200), schedulerUnit: UNIT, ...over });

t.test('a running capture that keeps up: a note with how far back the unit can be restored', async (t) => {
  t.strictSame(describeCapture(capture(), view(), NOW, ago(600)), { note: 'recoverable to 8s ago (rev 4200)' });
  // The window's end is what list shows; without a window, what the capture confirmed.
  t.strictSame(describeCapture(capture(), view({ window: window(3, 4210) }), NOW, ago(600)), { note: 'recoverable to 3s ago (rev 4210)' });
  t.strictSame(describeCapture(capture({ coveredAt: ago(12) }), view({ window: undefined }), NOW, ago(600)), { note: 'recoverable to 12s ago (rev 4200)' });
});

t.test('a capture lagging more than 3 × delta-interval blocks, saying what to do', async (t) => {
  t.strictSame(describeCapture(capture({ coveredAt: ago(31) }), view({ window: window(31, 4200) }), NOW, ago(600)), {
    blocked: `point-in-time capture lags: recoverable to 31s ago (rev 4200), more than 3 × delta-interval (10s); ${TODO}`,
  });
  t.strictSame(describeCapture(capture({ coveredAt: ago(30) }), view({ window: window(30, 4200) }), NOW, ago(600)), { note: 'recoverable to 30s ago (rev 4200)' }, 'exactly 3 intervals is not late');
  t.strictSame(describeCapture(capture({ coveredAt: ago(200), error: 'etcd at http://127.0.0.1:2379 does not answer; reconnecting' }), view({ window: window(200, 4200) }), NOW, ago(600)), {
    blocked: `point-in-time capture lags: recoverable to 3m ago (rev 4200), more than 3 × delta-interval (10s) (etcd at http://127.0.0.1:2379 does not answer; reconnecting); ${TODO}`,
  });
});

t.test('a failed or stopped capture blocks while the scheduler runs', async (t) => {
  t.strictSame(describeCapture(capture({ state: 'failed', error: 'cannot write etcd-delta-x: no space left on the device' }), view(), NOW, ago(600)), {
    blocked: `point-in-time capture failed: cannot write etcd-delta-x: no space left on the device; recoverable to 8s ago (rev 4200); ${TODO}`,
  });
  t.strictSame(describeCapture(capture({ state: 'stopped' }), view(), NOW, ago(600)), { blocked: `point-in-time capture stopped while the scheduler runs; recoverable to 8s ago (rev 4200); ${TODO}` });
  // Just after the scheduler started, the previous run's "stopped" is a capture starting.
  t.strictSame(describeCapture(capture({ state: 'stopped', coveredAt: ago(100) }), view({ window: window(100, 4200) }), NOW, ago(5)), { note: 'point-in-time capture starting; recoverable to 1m ago (rev 4200)' });
});

t.test('no capture status: starting just after the scheduler started, else blocked', async (t) => {
  t.strictSame(describeCapture(undefined, view(), NOW, ago(20)), { note: 'point-in-time capture starting' });
  t.strictSame(describeCapture(undefined, view(), NOW, ago(31)), { blocked: `point-in-time capture has not reported since the scheduler started; ${TODO}` });
  t.strictSame(describeCapture(undefined, view(), NOW, undefined), { blocked: `point-in-time capture has not reported since the scheduler started; ${TODO}` });
});

t.test('a running capture with no chain yet waits for its first full snapshot', async (t) => {
  t.strictSame(describeCapture(capture({ base: '', coveredRevision: 0, coveredAt: ago(600) }), view({ window: undefined }), NOW, ago(600)), { note: 'point-in-time capture waiting for its first full snapshot' });
  t.strictSame(describeCapture(capture({ base: '', coveredRevision: 0, state: 'failed', error: 'boom' }), view({ window: undefined }), NOW, ago(600)), {
    blocked: `point-in-time capture failed: boom; no full snapshot to recover from yet; ${TODO}`,
  });
});

t.test('the newest recorded gap inside the window is shown', async (t) => {
  const gaps = [
    { time: ago(7200), fromRevision: 40, toRevision: 60, reason: 'etcd compacted past revision 40' },
    { time: ago(720), fromRevision: 3000, toRevision: 3100, reason: 'etcd compacted past revision 3000' },
  ];
  t.strictSame(describeCapture(capture({ gaps }), view(), NOW, ago(6000)), { note: 'recoverable to 8s ago (rev 4200); capture gap 12m ago: revisions 3000-3100 not recoverable (etcd compacted past revision 3000)' });
  // A gap before the window's start (its chain was pruned) is no longer shown.
  t.strictSame(describeCapture(capture({ gaps: gaps.slice(0, 1) }), view(), NOW, ago(6000)), { note: 'recoverable to 8s ago (rev 4200)' });
  t.strictSame(describeCapture(capture({ state: 'failed', error: 'boom', gaps: [{ ...gaps[1]!, fromRevision: 3000, toRevision: 3000 }] }), view(), NOW, ago(6000)), {
    blocked: `point-in-time capture failed: boom; recoverable to 8s ago (rev 4200); ${TODO}; capture gap 12m ago: revision 3000 not recoverable (etcd compacted past revision 3000)`,
  });
});

t.test('describeStatus appends the window to today\'s message, or blocks with the capture\'s reason', async (t) => {
  const good: RunRecord = { started: ago(7600), finished: ago(7500), outcome: 'ok', revision: 42, diskBytes: 69632 };
  const state: ScheduleState = { started: ago(8000), lastRun: good, lastSuccess: good, capture: capture() };
  const input = { schedule: '0 */6 * * *', state, schedulerActive: true, schedulerRestarted: false, now: NOW, periodMs: 6 * 3600_000 };
  t.strictSame(describeStatus(input), { status: 'active', message: 'last snapshot 2h 5m ago (rev 42, 68K)', catchUp: false }, 'without a capture view, today\'s message');
  t.strictSame(describeStatus({ ...input, capture: view() }), { status: 'active', message: 'last snapshot 2h 5m ago (rev 42, 68K); recoverable to 8s ago (rev 4200)', catchUp: false });
  t.strictSame(describeStatus({ ...input, capture: view({ intervalSeconds: 0 }) }), { status: 'active', message: 'last snapshot 2h 5m ago (rev 42, 68K)', catchUp: false }, 'delta-interval 0: capture off');
  t.strictSame(describeStatus({ ...input, state: { ...state, capture: capture({ state: 'failed', error: 'boom' }) }, capture: view() }), {
    status: 'blocked',
    message: `point-in-time capture failed: boom; recoverable to 8s ago (rev 4200); ${TODO}; last snapshot 2h 5m ago (rev 42, 68K)`,
    catchUp: false,
  });
  // A scheduler that is not running says so first.
  t.strictSame(describeStatus({ ...input, schedulerActive: false, schedulerRestarted: true, capture: view() }), { status: 'blocked', message: 'snapshot scheduler was not running (restarted it); last snapshot 2h 5m ago (rev 42, 68K)', catchUp: false });
});
