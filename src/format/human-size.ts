const UNITS = ['K', 'M', 'G', 'T', 'P', 'E'];

// A size the way `du -h` prints it: powers of 1024, rounded up, one decimal below 10 (68K, 1.2G, 4.0K).
export const humanSize = (bytes: number): string => {
  if (bytes < 1024) return String(bytes);
  let value = bytes;
  let unit = -1;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  let shown = value < 10 ? Math.ceil(value * 10) / 10 : Math.ceil(value);
  if (shown >= 1024 && unit < UNITS.length - 1) {
    shown = 1;
    unit += 1;
  }
  return shown < 10 ? `${shown.toFixed(1)}${UNITS[unit]}` : `${shown}${UNITS[unit]}`;
};
