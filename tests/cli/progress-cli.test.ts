import t from 'tap';
import { execa } from 'execa';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { seedKubernetesKeys, startEtcd } from '../support/etcd/server.ts';
import { CHARM_DIR } from '../support/juju/charm-run.ts';
import { tempDir, unpack } from '../support/files/dirs.ts';
import { byteCount } from '../../src/progress/progress-line.ts';

const BIN = join(CHARM_DIR, 'bin', 'etcd-agent');

t.test('snapshot --verbose: progress of the save and compression on stderr, no line twice', async (t) => {
  const etcd = await startEtcd();
  t.teardown(() => etcd.cleanup());
  await seedKubernetesKeys(etcd, 300);
  // etcd commits its backend in batches (every 100 ms), so the db grows a little after the writes return: wait
  // until the size it reports holds still, so the agent's estimate is the one read here.
  const dbSize = async (): Promise<number> => (JSON.parse(await etcd.etcdctl(['endpoint', 'status', '-w', 'json'])) as { Status: { dbSize: number } }[])[0]!.Status.dbSize;
  let size = await dbSize();
  for (let settled = 0; settled < 3; ) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const now = await dbSize();
    settled = now === size ? settled + 1 : 0;
    size = now;
  }
  const target = await tempDir(t, 'cli-progress');
  // A data dir of its own, so the unit lock is this test's and no other test's run waits for it.
  const member = await tempDir(t, 'cli-progress-member');
  const run = await execa(BIN, ['snapshot', '--verbose', '--etcd-endpoints', etcd.endpoint, '--etcdctl-path', '/usr/bin/etcdctl', '--etcd-data-dir', join(member, 'data'), '--target', target], {
    reject: false,
    env: { NODE_OPTIONS: '' },
  });
  t.equal(run.exitCode, 0, run.stderr);
  const doc = parse(run.stdout) as { snapshot: Record<string, string> };
  const { path, revision } = doc.snapshot as { path: string; revision: string };
  const out = await tempDir(t, 'cli-progress-unpacked');
  await unpack(path, out);
  const dbBytes = (await stat(join(out, 'db'))).size;
  const lines = run.stderr.split('\n');
  // A db this small is saved in well under the 5 s between reports: the start and the end of the pass.
  t.strictSame(lines, [
    `info: action snapshot started with {"target":"${target}","keys-version":"v3"}`,
    `saving a snapshot from ${etcd.endpoint} (revision ${revision}, 1 member(s))`,
    `save+compress: 0 B of ~${byteCount(size)} (0%)`,
    `save+compress: ${byteCount(dbBytes)} done (100%)`,
    `snapshot verified: revision ${revision}, ${doc.snapshot['total-keys']} keys, ${dbBytes} bytes`,
    `info: snapshot ${path} written (sha256 ${doc.snapshot.sha256}, ${doc.snapshot.bytes} bytes, revision ${revision})`,
    'info: action snapshot completed',
  ]);
  t.equal(new Set(lines).size, lines.length, 'no line twice');
});
