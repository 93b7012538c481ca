// Outside Juju, engine messages that tell the operator what to pass use the CLI's words (--source, not source=).
import t from 'tap';
import { readdir } from 'node:fs/promises';
import { runAgent } from '../support/cli/run-agent.ts';
import { tempDir } from '../support/files/dirs.ts';

t.test('verify with no --source and an empty --snapshot-dir says what to pass in CLI words', async (t) => {
  const snapshots = await tempDir(t, 'cli-words-snapshots');
  const data = await tempDir(t, 'cli-words-data');
  const run = await runAgent(['verify', '--snapshot-dir', snapshots, '--etcd-data-dir', data]);
  // How long it took is the one line that varies (0.0 on a quiet machine, more under load): its form is checked.
  const lines = run.stdout.split('\n');
  const seconds = lines.findIndex((line) => line.startsWith('  seconds: '));
  t.match(lines[seconds], /^ {2}seconds: "\d+\.\d"$/, 'seconds: one decimal');
  lines[seconds] = '  seconds: "0.0"';
  t.strictSame(
    { exitCode: run.exitCode, stdout: lines.join('\n'), stderr: run.stderr },
    {
      exitCode: 1,
      stdout: `verify:\n  ok: "false"\n  reason: no source given and no snapshot in --snapshot-dir ${snapshots}; run snapshot first or pass --source <path or name>\n  seconds: "0.0"`,
      stderr: `error: no source given and no snapshot in --snapshot-dir ${snapshots}; run snapshot first or pass --source <path or name>`,
    },
  );
  t.strictSame(await readdir(snapshots), [], 'nothing written into the snapshot dir');
});
