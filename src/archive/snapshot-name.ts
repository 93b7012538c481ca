const PATTERN = /^etcd-snapshot-(\d{4})-(\d{2})-(\d{2})-(\d{2})\.(\d{2})\.(\d{2})\.tar\.gz$/;

const two = (n: number): string => String(n).padStart(2, '0');

// The archive name for a moment: etcd-snapshot-YYYY-MM-DD-HH.MM.SS.tar.gz, in UTC.
export const snapshotName = (at: Date): string =>
  `etcd-snapshot-${at.getUTCFullYear()}-${two(at.getUTCMonth() + 1)}-${two(at.getUTCDate())}-` +
  `${two(at.getUTCHours())}.${two(at.getUTCMinutes())}.${two(at.getUTCSeconds())}.tar.gz`;

// The moment a name of this charm's exact pattern stands for; undefined for any other file.
export const parseSnapshotName = (name: string): Date | undefined => {
  const m = PATTERN.exec(name);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  const at = new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!));
  return snapshotName(at) === name ? at : undefined;
};
