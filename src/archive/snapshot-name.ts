import type { Compression } from './compression-spec.ts';
import { tarExtension } from './compression-spec.ts';

const PATTERN = /^etcd-snapshot-(\d{4})-(\d{2})-(\d{2})-(\d{2})\.(\d{2})\.(\d{2})(\.tar(?:\.zst|\.gz)?)(\.age)?$/;

const two = (n: number): string => String(n).padStart(2, '0');

// How an archive is stored: its compression and whether it is age-encrypted.
export interface ArchiveFormat {
  codec: Compression['codec'];
  encrypted: boolean;
}

// The stamp every archive name of a moment starts with: etcd-snapshot-YYYY-MM-DD-HH.MM.SS (UTC).
export const snapshotStamp = (at: Date): string =>
  `etcd-snapshot-${at.getUTCFullYear()}-${two(at.getUTCMonth() + 1)}-${two(at.getUTCDate())}-${two(at.getUTCHours())}.${two(at.getUTCMinutes())}.${two(at.getUTCSeconds())}`;

// The archive name for a moment: the stamp, then .tar.zst, .tar.gz or .tar, then .age when encrypted.
export const snapshotName = (at: Date, format: ArchiveFormat = { codec: 'gzip', encrypted: false }): string =>
  `${snapshotStamp(at)}${tarExtension(format.codec)}${format.encrypted ? '.age' : ''}`;

// Whether a snapshot name is of an age-encrypted archive.
export const isEncryptedName = (name: string): boolean => PATTERN.test(name) && name.endsWith('.age');

// The moment a name of this charm's exact pattern stands for; undefined for any other file.
export const parseSnapshotName = (name: string): Date | undefined => {
  const m = PATTERN.exec(name);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.slice(0, 7).map(Number) as number[];
  const at = new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!));
  return `${snapshotStamp(at)}${m[7]}${m[8] ?? ''}` === name ? at : undefined;
};
