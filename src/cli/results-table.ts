// Lays rows out in columns two spaces apart, the first row the heading.
const columns = (rows: readonly (readonly string[])[]): string => {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
};

// The snapshot fields list shows, and their headings, as `k3s etcd-snapshot ls` lays them out.
const SNAPSHOT_COLUMNS: readonly [string, string][] = [
  ['name', 'NAME'],
  ['location', 'LOCATION'],
  ['size', 'SIZE'],
  ['created', 'CREATED'],
  ['trigger', 'TRIGGER'],
  ['revision', 'REVISION'],
];

// The recoverable window of list's results on one line, or nothing when list gave none.
const windowLine = (results: Record<string, string>): string => {
  const to = results['recoverable.to-time'];
  if (to === undefined) return '';
  const gaps = Number(results['recoverable.gaps'] ?? 0);
  return `\nrecoverable: ${results['recoverable.from-time']} (revision ${results['recoverable.from-revision']}) to ${to} (revision ${results['recoverable.to-revision']}), ${gaps} gap${gaps === 1 ? '' : 's'}, ${results['recoverable.segments']} delta segment(s)\n`;
};

// list's results as a table, one snapshot a row, newest first (the order list gives them); with point-in-time
// capture, each snapshot's delta segments in a SEGMENTS column and the recoverable window on a line below.
export const snapshotTable = (results: Record<string, string>): string => {
  const count = Number(results.count ?? 0);
  const shown = results['recoverable.to-time'] === undefined ? SNAPSHOT_COLUMNS : [...SNAPSHOT_COLUMNS, ['segments', 'SEGMENTS'] as [string, string]];
  const rows = Array.from({ length: count }, (_, i) => shown.map(([field]) => results[`snapshots.${i + 1}.${field}`] ?? ''));
  return columns([shown.map(([, heading]) => heading), ...rows]) + windowLine(results);
};

// Any other command's results as KEY VALUE rows, in key order; a value of several lines is kept on its row.
export const keyValueTable = (results: Record<string, string>): string =>
  columns([['KEY', 'VALUE'], ...Object.keys(results).sort().map((key) => [key, results[key]!.trim().replace(/\s*\n\s*/g, '; ')])]);
