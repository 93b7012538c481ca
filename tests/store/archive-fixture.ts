// Builds small snapshot archives for store, retention and manifest tests.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DB_NAME, MANIFEST_NAME, type Manifest } from '../../src/archive/manifest.ts';
import { fakeDb } from '../support/files/fake-db.ts';
import { writeChecksumFile, type WrittenArchive } from '../../src/archive/write-archive.ts';
import { writeArchive } from '../support/files/tar-build.ts';

// A manifest with plausible fields; override what a test cares about.
export const fakeManifest = (extra: Partial<Manifest> = {}): Manifest => ({
  format: 1,
  created: '2024-05-01T10:00:00.000Z',
  trigger: 'scheduled',
  unit: 'etcd/0',
  revision: 42,
  totalKeys: 7,
  hash: 1234,
  size: 16,
  dbSha256: '0'.repeat(64),
  clusterId: 'abc123',
  memberCount: 1,
  etcdVersion: '3.4.23',
  etcdctlVersion: '3.4.23',
  endpoint: 'http://127.0.0.1:2379',
  ...extra,
});

// How to build one archive: the manifest (or none), the db bytes, and which member comes first.
export interface ArchiveSpec {
  manifest?: Manifest | string | undefined;
  db?: Buffer;
  order?: 'manifest-first' | 'db-first';
  checksum?: boolean;
}

// Writes dir/name as this charm writes archives (manifest first by default), with its .sha256 unless checksum=false.
export const makeArchive = async (dir: string, name: string, spec: ArchiveSpec = {}): Promise<WrittenArchive> => {
  const scratch = await mkdtemp(join(tmpdir(), 'archive-fixture-'));
  try {
    await writeFile(join(scratch, DB_NAME), spec.db ?? fakeDb('not really a db\n'));
    const entries = [DB_NAME];
    if (spec.manifest !== undefined) {
      const text = typeof spec.manifest === 'string' ? spec.manifest : JSON.stringify(spec.manifest, null, 2);
      await writeFile(join(scratch, MANIFEST_NAME), text);
      if (spec.order === 'db-first') entries.push(MANIFEST_NAME);
      else entries.unshift(MANIFEST_NAME);
    }
    const archive = await writeArchive(join(dir, name), scratch, entries);
    if (spec.checksum !== false) await writeChecksumFile(archive);
    return archive;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
};
