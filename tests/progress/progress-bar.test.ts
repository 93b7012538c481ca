import t from 'tap';
import { progressBar } from '../../src/progress/progress-bar.ts';
import { byteCount, progressLine } from '../../src/progress/progress-line.ts';

const MiB = 1 << 20;
const at = (bytes: number, total: number | undefined, more: { estimate?: boolean; done?: boolean } = {}) => ({
  step: 'save+compress', bytes, total, estimate: more.estimate ?? false, done: more.done ?? false,
});

t.test('a bar that fills the terminal but its last column, redrawn with \\r', async (t) => {
  const frame = progressBar(at(12 * MiB, 40 * MiB, { estimate: true }), 80);
  t.equal(frame, '\rsave+compress [========>                    ]   30%  12.0 MiB / ~40.0 MiB      ');
  t.equal(frame.length, 80, '\\r and 79 columns');
  t.equal(progressBar(at(0, 40 * MiB), 70), '\rsave+compress [>                  ]    0%  0 B / 40.0 MiB            ');
  t.equal(progressBar(at(40 * MiB, 40 * MiB), 70), '\rsave+compress [===================]  100%  40.0 MiB / 40.0 MiB       ');
  t.equal(progressBar(at(20 * MiB, 40 * MiB), 70), '\rsave+compress [=========>         ]   50%  20.0 MiB / 40.0 MiB       ', 'the bar keeps its width as the numbers grow');
});

t.test('the last frame is full and ends the line', async (t) => {
  t.equal(progressBar(at(41 * MiB, 40 * MiB, { estimate: true, done: true }), 70), '\rsave+compress [===================]  100%  41.0 MiB done             \n');
});

t.test('too narrow for a bar: the numbers, the total dropped first, cut to the width; no total: bytes only', async (t) => {
  t.equal(progressBar(at(12 * MiB, 40 * MiB), 60), '\rsave+compress   30%  12.0 MiB / 40.0 MiB'.padEnd(60));
  t.equal(progressBar(at(12 * MiB, 40 * MiB), 40), '\rsave+compress   30%  12.0 MiB          ');
  t.equal(progressBar(at(12 * MiB, 40 * MiB), 20), '\rsave+compress   30%');
  t.equal(progressBar(at(3 * MiB, undefined), 40), '\rsave+compress  3.0 MiB                 ');
});

t.test('lines and byte counts', async (t) => {
  t.strictSame([0, 1023, 1024, 1536, MiB - 1, 5 * MiB, 1024 * MiB, 1.5 * 1024 * MiB].map(byteCount), [
    '0 B', '1023 B', '1.0 KiB', '1.5 KiB', '1024.0 KiB', '5.0 MiB', '1.00 GiB', '1.50 GiB',
  ]);
  t.equal(progressLine(at(12 * MiB, 40 * MiB, { estimate: true })), 'save+compress: 12.0 MiB of ~40.0 MiB (30%)');
  t.equal(progressLine(at(12 * MiB, 40 * MiB)), 'save+compress: 12.0 MiB of 40.0 MiB (30%)');
  t.equal(progressLine(at(12 * MiB, undefined)), 'save+compress: 12.0 MiB');
  t.equal(progressLine(at(41 * MiB, 40 * MiB, { done: true })), 'save+compress: 41.0 MiB done (100%)');
});
