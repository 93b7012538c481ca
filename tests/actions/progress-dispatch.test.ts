import t from 'tap';
import { execFileSync } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { startS3 } from '../support/s3/server.ts';
import { tempDir } from '../support/files/dirs.ts';
import { restoreUnit, snapshotPath } from '../support/juju/restore-unit.ts';
import { byteCount } from '../../src/progress/progress-line.ts';

type Doc = Record<string, Record<string, string>>;

const BUCKET = 'progress';
const s3 = await startS3({ bucket: BUCKET });
t.teardown(() => s3.stop());

t.test('under Juju each long step reports its bytes through action-log: save and compression, encryption, upload', async (t) => {
  const unit = await restoreUnit(t, 200);
  const keys = await tempDir(t, 'progress-age');
  const keyFile = join(keys, 'key.txt');
  execFileSync('age-keygen', ['-o', keyFile], { stdio: 'ignore' });
  const recipient = execFileSync('age-keygen', ['-y', keyFile], { encoding: 'utf8' }).trim();
  const [status] = JSON.parse(await unit.etcd.etcdctl(['endpoint', 'status', '-w', 'json'])) as { Status: { dbSize: number } }[];
  const config = {
    ...unit.config,
    'encryption-recipients': recipient,
    's3-endpoint': s3.endpoint,
    's3-bucket': BUCKET,
    's3-force-path-style': true,
    's3-access-key': s3.accessKeyId,
    's3-secret-key': s3.secretAccessKey,
  };
  const run = await unit.run('snapshot', { target: unit.snapshotDir }, { config });
  t.equal(run.status, 'completed', run.message ?? '');
  const doc = run.results as Doc;
  const path = snapshotPath(run);
  const name = path.split('/').at(-1)!;
  const manifest = JSON.parse(await readFile(`${path}.json`, 'utf8')) as { size: number; revision: number; totalKeys: number };
  // What age encrypted: the whole compressed tar, as age gives it back.
  const plain = execFileSync('age', ['-d', '-i', keyFile, path]).length;
  const archive = (await stat(path)).size;
  t.strictSame(run.actionLogs, [
    `saving a snapshot from ${unit.etcd.endpoint} (revision ${manifest.revision}, 1 member(s))`,
    `save+compress: 0 B of ~${byteCount(status!.Status.dbSize)} (0%)`,
    `save+compress: ${byteCount(manifest.size)} done (100%)`,
    `snapshot verified: revision ${manifest.revision}, ${manifest.totalKeys} keys, ${manifest.size} bytes`,
    `encrypt: 0 B of ${byteCount(plain)} (0%)`,
    `encrypt: ${byteCount(plain)} done (100%)`,
    `uploading ${name} (${archive} bytes) to ${doc.upload!.url!.slice(0, -name.length - 1)}`,
    `upload: 0 B of ${byteCount(archive)} (0%)`,
    `upload: ${byteCount(archive)} done (100%)`,
    `uploaded and checked ${doc.upload!.url}`,
  ]);
});
