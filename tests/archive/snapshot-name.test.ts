import t from 'tap';
import { parseSnapshotName, snapshotName } from '../../src/archive/snapshot-name.ts';

t.test('names a snapshot by its UTC time', async (t) => {
  t.equal(snapshotName(new Date('2018-09-26T18:04:02Z')), 'etcd-snapshot-2018-09-26-18.04.02.tar.gz');
  t.equal(snapshotName(new Date('2018-09-26T18:04:02Z'), true), 'etcd-snapshot-2018-09-26-18.04.02.tar.gz.age');
});

t.test('parses only the exact pattern', async (t) => {
  t.same(parseSnapshotName('etcd-snapshot-2018-09-26-18.04.02.tar.gz'), new Date('2018-09-26T18:04:02Z'));
  t.same(parseSnapshotName('etcd-snapshot-2018-09-26-18.04.02.tar.gz.age'), new Date('2018-09-26T18:04:02Z'));
  for (const other of [
    'etcd-snapshot-notes.txt',
    'etcd-snapshot-2018-09-26-18.04.02.tar.gz.sha256',
    'etcd-snapshot-2018-09-26-18.04.02.tar.gz.age.json',
    'etcd-snapshot-2018-09-26-18.04.02.tar.age',
    '.etcd-snapshot-2018-09-26-18.04.02.tar.gz.partial-1-2',
    'etcd-snapshot-2018-13-26-18.04.02.tar.gz',
    'xetcd-snapshot-2018-09-26-18.04.02.tar.gz',
  ]) {
    t.equal(parseSnapshotName(other), undefined, other);
  }
});
