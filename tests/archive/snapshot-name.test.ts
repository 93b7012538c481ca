import t from 'tap';
import { parseSnapshotName, snapshotName } from '../../src/archive/snapshot-name.ts';

t.test('names a snapshot by its UTC time', async (t) => {
  t.equal(snapshotName(new Date('2018-09-26T18:04:02Z')), 'etcd-snapshot-2018-09-26-18.04.02.tar.gz');
  t.equal(snapshotName(new Date('2018-09-26T18:04:02Z'), { codec: 'gzip', encrypted: true }), 'etcd-snapshot-2018-09-26-18.04.02.tar.gz.age');
  t.equal(snapshotName(new Date('2018-09-26T18:04:02Z'), { codec: 'zstd', encrypted: false }), 'etcd-snapshot-2018-09-26-18.04.02.tar.zst');
  t.equal(snapshotName(new Date('2018-09-26T18:04:02Z'), { codec: 'zstd', encrypted: true }), 'etcd-snapshot-2018-09-26-18.04.02.tar.zst.age');
  t.equal(snapshotName(new Date('2018-09-26T18:04:02Z'), { codec: 'none', encrypted: false }), 'etcd-snapshot-2018-09-26-18.04.02.tar');
});

t.test('parses only the exact pattern', async (t) => {
  t.same(parseSnapshotName('etcd-snapshot-2018-09-26-18.04.02.tar.gz'), new Date('2018-09-26T18:04:02Z'));
  for (const name of ['tar.gz.age', 'tar.zst', 'tar.zst.age', 'tar', 'tar.age']) {
    t.same(parseSnapshotName(`etcd-snapshot-2018-09-26-18.04.02.${name}`), new Date('2018-09-26T18:04:02Z'), name);
  }
  for (const other of [
    'etcd-snapshot-notes.txt',
    'etcd-snapshot-2018-09-26-18.04.02.tar.gz.sha256',
    'etcd-snapshot-2018-09-26-18.04.02.tar.gz.age.json',
    'etcd-snapshot-2018-09-26-18.04.02.tar.bz2',
    'etcd-snapshot-2018-09-26-18.04.02.tar.zst.sha256',
    'etcd-snapshot-2018-09-26-18.04.02.zst',
    '.etcd-snapshot-2018-09-26-18.04.02.tar.gz.partial-1-2',
    'etcd-snapshot-2018-13-26-18.04.02.tar.gz',
    'xetcd-snapshot-2018-09-26-18.04.02.tar.gz',
  ]) {
    t.equal(parseSnapshotName(other), undefined, other);
  }
});
