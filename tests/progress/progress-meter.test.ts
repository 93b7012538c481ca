import t from 'tap';
import { progressMeters, type ProgressUpdate } from '../../src/progress/progress-meter.ts';
import { progressLine } from '../../src/progress/progress-line.ts';
import { fakeClock } from '../fakes/fake-clock.ts';

const MiB = 1 << 20;

// Meters on a fake clock whose reports are kept as lines; counts how often the clock was read.
const metered = () => {
  const clock = fakeClock();
  let reads = 0;
  const lines: string[] = [];
  const updates: ProgressUpdate[] = [];
  const counted = { ...clock, now: () => (reads++, clock.now()) };
  const start = progressMeters(async (update) => {
    updates.push(update);
    lines.push(progressLine(update));
  }, counted);
  return { clock, start, lines, updates, reads: () => reads };
};

t.test('a start line, a line when 5 s have passed (looked at once per MiB), and an end line', async (t) => {
  const m = metered();
  const meter = m.start('save+compress', 40 * MiB, { estimate: true });
  for (let i = 1; i <= 12; i++) {
    m.clock.advance(1000);
    meter.add(MiB);
  }
  meter.add(MiB / 2);
  await meter.end();
  t.strictSame(m.lines, [
    'save+compress: 0 B of ~40.0 MiB (0%)',
    'save+compress: 5.0 MiB of ~40.0 MiB (12%)',
    'save+compress: 10.0 MiB of ~40.0 MiB (25%)',
    'save+compress: 12.5 MiB done (100%)',
  ]);
  t.equal(m.reads(), 1 + 12, 'the clock was read at the start and once per MiB, never for the half MiB');
});

t.test('small chunks: the clock is read once per MiB only', async (t) => {
  const m = metered();
  const meter = m.start('upload', 3 * MiB);
  for (let i = 0; i < 3 * 16; i++) {
    meter.add(64 * 1024);
    m.clock.advance(500);
  }
  await meter.end();
  t.equal(m.reads(), 1 + 3);
  // 8 s, 16 s and 24 s went by at the looks (1, 2, 3 MiB): each more than 5 s after the one before.
  t.strictSame(m.lines, [
    'upload: 0 B of 3.0 MiB (0%)',
    'upload: 1.0 MiB of 3.0 MiB (33%)',
    'upload: 2.0 MiB of 3.0 MiB (66%)',
    'upload: 3.0 MiB of 3.0 MiB (100%)',
    'upload: 3.0 MiB done (100%)',
  ]);
});

t.test('an estimated total that is passed is capped at 100 %; an unknown total shows bytes only', async (t) => {
  const m = metered();
  const over = m.start('save', 2 * MiB, { estimate: true });
  m.clock.advance(6000);
  over.add(3 * MiB);
  await over.end();
  const bare = m.start('save', undefined);
  m.clock.advance(6000);
  bare.add(1536 * 1024);
  await bare.end();
  t.strictSame(m.lines, [
    'save: 0 B of ~2.0 MiB (0%)',
    'save: 3.0 MiB of ~2.0 MiB (100%)',
    'save: 3.0 MiB done (100%)',
    'save: 0 B',
    'save: 1.5 MiB',
    'save: 1.5 MiB done',
  ]);
});

t.test('restart counts again from zero (an upload begun again)', async (t) => {
  const m = metered();
  const meter = m.start('upload', 2 * MiB);
  meter.add(MiB);
  meter.restart();
  m.clock.advance(5000);
  meter.add(2 * MiB);
  await meter.end();
  t.strictSame(m.lines, ['upload: 0 B of 2.0 MiB (0%)', 'upload: 0 B of 2.0 MiB (0%)', 'upload: 2.0 MiB of 2.0 MiB (100%)', 'upload: 2.0 MiB done (100%)']);
});

t.test('reports reach the sink in order; a failing sink loses that report only, and never fails the step', async (t) => {
  const clock = fakeClock();
  const seen: string[] = [];
  let calls = 0;
  const start = progressMeters(async (update) => {
    calls++;
    if (calls === 2) throw new Error('action-log failed');
    await new Promise((resolve) => setTimeout(resolve, update.done ? 0 : 20));
    seen.push(progressLine(update));
  }, clock);
  const meter = start('encrypt', 1024);
  clock.advance(5000);
  meter.add(1 << 20);
  clock.advance(5000);
  meter.add(1 << 20);
  await meter.end();
  t.strictSame(seen, ['encrypt: 0 B of 1.0 KiB (0%)', 'encrypt: 2.0 MiB of 1.0 KiB (100%)', 'encrypt: 2.0 MiB done (100%)']);
});
