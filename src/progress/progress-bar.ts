import type { ProgressUpdate } from './progress-meter.ts';
import { byteCount, percentOf } from './progress-line.ts';

// The narrowest bar worth drawing; a terminal with less room gets the numbers only.
const MIN_BAR = 10;
// Room kept for the numbers after the bar, so the bar keeps its width as they grow: `  100%  1023.9 MiB / ~1023.9 MiB`.
const TAIL = 34;

// One frame of a progress bar that fills a terminal line `columns` wide (the last column is left free, so no
// terminal wraps): `\r` first, so each frame overwrites the one before; the last frame ends the line.
// `save+compress [=========>          ]  47%  18.8 MiB / ~40.0 MiB`
export const progressBar = (update: ProgressUpdate, columns: number): string => {
  const { step, bytes, total } = update;
  const width = Math.max(1, columns - 1);
  const known = total !== undefined;
  const percent = update.done ? 100 : known ? percentOf(bytes, total) : undefined;
  const amount = update.done || !known ? byteCount(bytes) : `${byteCount(bytes)} / ${update.estimate ? '~' : ''}${byteCount(total)}`;
  const shown = percent === undefined ? '' : `  ${String(percent).padStart(3)}%`;
  let tail = `${shown}  ${amount}${update.done ? ' done' : ''}`;
  // Short of room, the total goes first.
  if (step.length + tail.length > width) tail = `${shown}  ${byteCount(bytes)}${update.done ? ' done' : ''}`;
  const room = width - step.length - Math.max(TAIL, tail.length) - 3;
  let text = `${step}${tail}`;
  if (percent !== undefined && room >= MIN_BAR) {
    const filled = Math.floor((room * percent) / 100);
    const head = filled < room ? '>' : '';
    text = `${step} [${'='.repeat(filled)}${head}${' '.repeat(room - filled - head.length)}]${tail}`;
  }
  return `\r${text.slice(0, width).padEnd(width)}${update.done ? '\n' : ''}`;
};
