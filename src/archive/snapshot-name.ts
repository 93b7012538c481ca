const PATTERN = /^etcd-snapshot-(\d{4})-(\d{2})-(\d{2})-(\d{2})\.(\d{2})\.(\d{2})\.tar\.gz(\.age)?$/;

const two = (n: number): string => String(n).padStart(2, '0');

// The archive name for a moment: etcd-snapshot-YYYY-MM-DD-HH.MM.SS.tar.gz in UTC, with .age when encrypted.
export const snapshotName = (at: Date, encrypted = false): string =>
  `etcd-snapshot-${at.getUTCFullYear()}-${two(at.getUTCMonth() + 1)}-${two(at.getUTCDate())}-` +
  `${two(at.getUTCHours())}.${two(at.getUTCMinutes())}.${two(at.getUTCSeconds())}.tar.gz${encrypted ? '.age' : ''}`;

// Whether a snapshot name is of an age-encrypted archive.
export const isEncryptedName = (name: string): boolean => name.endsWith('.tar.gz.age');

// The moment a name of this charm's exact pattern stands for; undefined for any other file.
export const parseSnapshotName = (name: string): Date | undefined => {
  const m = PATTERN.exec(name);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.slice(0, 7).map(Number) as number[];
  const at = new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!));
  return snapshotName(at, m[7] !== undefined) === name ? at : undefined;
};
