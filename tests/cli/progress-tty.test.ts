import t from 'tap';
import { execa } from 'execa';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { startEtcd } from '../support/etcd/server.ts';
import { CHARM_DIR } from '../support/juju/charm-run.ts';
import { tempDir, unpack } from '../support/files/dirs.ts';
import { progressBar } from '../../src/progress/progress-bar.ts';

const BIN = join(CHARM_DIR, 'bin', 'etcd-agent');
const IN_PTY = join(CHARM_DIR, 'tests', 'fixtures', 'run-in-pty.py');
const COLUMNS = 72;

t.test('stderr a terminal: the save and compression drawn as a bar on one line, as wide as the terminal', async (t) => {
  const etcd = await startEtcd();
  t.teardown(() => etcd.cleanup());
  await etcd.put('/registry/namespaces/default', '{}');
  const [status] = JSON.parse(await etcd.etcdctl(['endpoint', 'status', '-w', 'json'])) as { Status: { dbSize: number; header: { revision: number } } }[];
  const target = await tempDir(t, 'cli-tty');
  // A data dir of its own, so the unit lock is this test's and no other test's run waits for it.
  const member = await tempDir(t, 'cli-tty-member');
  const run = await execa('python3', [IN_PTY, String(COLUMNS), BIN, 'snapshot', '--etcd-endpoints', etcd.endpoint, '--etcdctl-path', '/usr/bin/etcdctl', '--etcd-data-dir', join(member, 'data'), '--target', target], {
    reject: false,
    env: { NODE_OPTIONS: '' },
    stripFinalNewline: false,
  });
  t.equal(run.exitCode, 0, run.stdout);
  const archive = (await execa('ls', [target])).stdout.split('\n').find((name) => name.endsWith('.tar.gz'))!;
  const out = await tempDir(t, 'cli-tty-unpacked');
  await unpack(join(target, archive), out);
  const dbBytes = (await stat(join(out, 'db'))).size;
  const { totalKey } = JSON.parse((await execa('/usr/bin/etcdctl', ['snapshot', 'status', join(out, 'db'), '-w', 'json'])).stdout) as { totalKey: number };
  const step = 'save+compress';
  t.equal(
    run.stdout,
    [
      `saving a snapshot from ${etcd.endpoint} (revision ${status!.Status.header.revision}, 1 member(s))\n`,
      // Drawn over each other with \r; the last frame ends the line.
      progressBar({ step, bytes: 0, total: status!.Status.dbSize, estimate: true, done: false }, COLUMNS),
      progressBar({ step, bytes: dbBytes, total: status!.Status.dbSize, estimate: true, done: true }, COLUMNS),
      `snapshot verified: revision ${status!.Status.header.revision}, ${totalKey} keys, ${dbBytes} bytes\n`,
    ].join(''),
  );
});
