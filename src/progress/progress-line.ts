import type { ProgressUpdate } from './progress-meter.ts';

const UNITS = ['KiB', 'MiB', 'GiB', 'TiB'];

// A byte count for people: B below 1 KiB, then KiB/MiB with one decimal, GiB and up with two.
export const byteCount = (bytes: number): string => {
  if (bytes < 1024) return `${bytes} B`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit >= 2 ? 2 : 1)} ${UNITS[unit]}`;
};

// Whole percent of total, capped at 100 (an estimated total can be passed).
export const percentOf = (bytes: number, total: number): number => (total <= 0 ? 100 : Math.min(100, Math.floor((bytes * 100) / total)));

// One progress line: `save+compress: 12.0 MiB of ~40.0 MiB (30%)`, `upload: 3.0 MiB`, `encrypt: 8.2 MiB done (100%)`.
export const progressLine = (update: ProgressUpdate): string => {
  const { step, bytes, total } = update;
  if (update.done) return `${step}: ${byteCount(bytes)} done${total === undefined ? '' : ' (100%)'}`;
  if (total === undefined) return `${step}: ${byteCount(bytes)}`;
  return `${step}: ${byteCount(bytes)} of ${update.estimate ? '~' : ''}${byteCount(total)} (${percentOf(bytes, total)}%)`;
};
