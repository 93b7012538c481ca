// The scheduled run's retention removes a chain with its base, in snapshot-dir and in S3 (a real scheduler process,
// a real etcd, a real S3 server).
import t from 'tap';
import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { localDeltaStore } from '../../src/store/local-delta-store.ts';
import { localStore } from '../../src/store/local-store.ts';
import { s3DeltaStore } from '../../src/store/s3-delta-store.ts';
import { s3ContextOf, s3StoreOn } from '../../src/store/s3-store.ts';
import { unitPrefix } from '../../src/store/stores.ts';
import { startEtcd } from '../support/etcd/server.ts';
import { listDir, tempDir } from '../support/files/dirs.ts';
import { readState, spawnAgent, waitFor } from '../support/juju/agent-process.ts';
import { startS3 } from '../support/s3/server.ts';
import { chainBase, writeBase, writeSegment } from '../delta/window-fixture.ts';

const BUCKET = 'etcd-backups';
const etcd = await startEtcd();
t.teardown(() => etcd.cleanup());
await etcd.put('/registry/namespaces/default', '{}');
const s3 = await startS3({ bucket: BUCKET });
t.teardown(() => s3.stop());

const OLD = chainBase('2026-11-01-10.00.00', 1);
const OLDER = chainBase('2026-10-31-10.00.00', 1);
const segmentOf = (stamp: string, first: number, last: number): string => `etcd-delta-${stamp}-${first}-${last}.jsonl.gz`;
const LOOK_ALIKE = `${segmentOf(OLD.stamp, 2, 3)}.bak`;

t.test('a scheduled run\'s retention takes the old chain\'s segments with its base, here and in S3, and orphans older than the kept base', async (t) => {
  const dir = await tempDir(t, 'sched-chains');
  // An old scheduled base with two segments, and segments of an even older base that is gone.
  await writeBase(dir, OLD);
  await writeSegment(dir, OLD, 2, 3);
  await writeSegment(dir, OLD, 4, 5);
  await writeSegment(dir, OLDER, 2, 4);
  await writeFile(join(dir, LOOK_ALIKE), 'x');
  const prefix = unitPrefix('etcd-snapshots', 'etcd/0');
  const context = s3ContextOf({
    endpoint: s3.endpoint, bucket: BUCKET, region: 'us-east-1', prefix, forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey }, retries: 2, retryBaseDelayMs: 10,
  });
  for (const snapshot of await localStore(dir).list()) await s3StoreOn(context).save(snapshot.name, createReadStream(join(dir, snapshot.name)), { sha256: snapshot.sha256! });
  for (const segment of await localDeltaStore(dir).listSegments()) await s3DeltaStore(context).saveSegment(segment.name, createReadStream(join(dir, segment.name)), { sha256: segment.sha256! });

  const configFile = join(dir, '..', 'config.yaml');
  await writeFile(configFile, [
    `etcd-endpoints: ${etcd.endpoint}`,
    'etcdctl-path: /usr/bin/etcdctl',
    `snapshot-dir: ${dir}`,
    "snapshot-schedule: '*/2 * * * * *'",
    'snapshot-retention: 1',
    "metrics-address: ''",
    'delta-interval: 0',
    `s3-endpoint: ${s3.endpoint}`,
    `s3-bucket: ${BUCKET}`,
    's3-force-path-style: true',
    `s3-access-key: ${s3.accessKeyId}`,
    `s3-secret-key: ${s3.secretAccessKey}`,
    's3-allow-unencrypted: true',
    '',
  ].join('\n'), { mode: 0o600 });
  const scheduler = spawnAgent(['schedule', '--config-file', configFile, '--unit', 'etcd/0']);
  await waitFor('a good scheduled run uploaded', async () => ((await readState(dir))?.lastSuccess?.upload === 'ok' ? true : undefined), 60_000);
  scheduler.kill('SIGTERM');
  const result = await scheduler;
  t.equal(result.exitCode, 0, result.all);
  const log = String(result.all);
  t.match(log, `retention removed 2 delta segment(s) of ${OLD.name}\n`);
  t.match(log, `retention removed 1 delta segment(s) of stamp ${OLDER.stamp} (its base is gone)\n`);
  t.match(log, `retention removed 2 delta segment(s) of ${OLD.name} from s3://${BUCKET}/${prefix}\n`);

  const local = await listDir(dir);
  t.notOk(local.some((n) => n.startsWith(`etcd-delta-${OLD.stamp}-`) && n !== LOOK_ALIKE) || local.some((n) => n.startsWith(`etcd-delta-${OLDER.stamp}-`)), `old chains gone here: ${local.join(' ')}`);
  t.notOk(local.includes(OLD.name), 'the old base is gone');
  t.ok(local.includes(LOOK_ALIKE), 'a look-alike name stays');
  const keys = await s3.keys();
  t.strictSame(keys.filter((k) => k.includes('etcd-delta-')), [], 'no segment key left in S3');
  t.notOk(keys.includes(`${prefix}/${OLD.name}`), 'the old base is gone from S3');
});
