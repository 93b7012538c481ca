import t from 'tap';
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { startEtcd } from '../support/etcd/server.ts';
import { runAgent } from '../support/cli/run-agent.ts';
import { listDir, tempDir } from '../support/files/dirs.ts';

const agent = (args: string[]) => runAgent(args);

t.test('etcd-agent snapshot prints the result document as YAML and exits 0', async (t) => {
  const etcd = await startEtcd();
  t.teardown(() => etcd.cleanup());
  await etcd.put('/registry/namespaces/default', '{}');
  const target = await tempDir(t, 'cli-snap');
  const run = await agent(['snapshot', '--etcd-endpoints', etcd.endpoint, '--etcdctl-path', '/usr/bin/etcdctl', '--target', target]);
  t.equal(run.exitCode, 0, run.stderr);
  const doc = parse(run.stdout) as { snapshot: Record<string, string>; copy: { cmd: string } };
  t.equal(doc.snapshot.sha256, execFileSync('sha256sum', [doc.snapshot.path!], { encoding: 'utf8' }).split(' ')[0]);
  t.match(doc.copy.cmd, new RegExp(`^scp [^ ]+:${doc.snapshot.path} \\.$`));
  t.equal((await listDir(target)).length, 2);
  t.match(run.stderr, /saving a snapshot from/, 'progress goes to stderr');
});

t.test('a failed action exits 1 with its message on stderr', async (t) => {
  const target = await tempDir(t, 'cli-fail');
  const run = await agent(['snapshot', '--etcd-endpoints', 'http://127.0.0.1:9', '--etcd-timeout', '2', '--etcdctl-path', '/usr/bin/etcdctl', '--target', target]);
  t.equal(run.exitCode, 1);
  t.equal(run.stdout, '');
  t.match(run.stderr, /error: .*etcd at http:\/\/127\.0\.0\.1:9 did not answer/);
});

t.test('usage errors exit 2', async (t) => {
  for (const args of [[], ['snapshot', '--no-such-flag'], ['frobnicate'], ['snapshot', '--keys-version', 'v2'], ['snapshot', '--etcd-timeout', 'x']]) {
    const run = await agent(args);
    t.equal(run.exitCode, 2, args.join(' '));
    t.match(run.stderr, /error: /, args.join(' '));
  }
});

t.test('--help on every command, with config options and params as flags', async (t) => {
  const top = await agent(['--help']);
  t.equal(top.exitCode, 0);
  for (const command of ['snapshot', 'restore', 'list', 'verify', 'prune']) t.match(top.stdout, command);
  const help = await agent(['snapshot', '--help']);
  t.equal(help.exitCode, 0);
  for (const flag of ['--target', '--keys-version', '--etcd-endpoints', '--etcd-ca', '--etcd-cert', '--etcd-key', '--etcdctl-path', '--etcd-data-dir']) t.match(help.stdout, flag);
  // Each command's help names the command and lists its own params and the config options it reads as flags
  // (tests/cli/cli-help.test.ts checks what each leaves out).
  const params: Record<string, string[]> = {
    restore: ['--source', '--sha256', '--target', '--skip-backup', '--identity-file', '--restore-pki', '--etcd-endpoints'],
    list: [],
    verify: ['--source', '--identity-file', '--etcd-endpoints'],
    prune: ['--dry-run', '--snapshot-retention'],
  };
  for (const [command, flags] of Object.entries(params)) {
    const run = await agent([command, '--help']);
    t.equal(run.exitCode, 0, command);
    t.equal(run.stdout.split('\n')[0]?.startsWith(`etcd-agent ${command}`), true, `${command}: ${run.stdout.split('\n')[0]}`);
    const listed = (flag: string): boolean => new RegExp(`^\\s+${flag}\\b`, 'm').test(run.stdout);
    t.strictSame([...flags, '--etcd-data-dir', '--snapshot-dir'].filter((flag) => !listed(flag)), [], `${command} lists its flags`);
  }
});

t.test('an invalid sha256 is a usage error: exit 2 with the exact message, before any check of the unit', async (t) => {
  const run = await agent(['restore', '--sha256', 'xyz', '--source', '/nonexistent/etcd-snapshot.tar.gz', '--etcd-data-dir', '/nonexistent/etcd']);
  t.strictSame(
    { exitCode: run.exitCode, stdout: run.stdout, stderr: run.stderr },
    { exitCode: 2, stdout: '', stderr: 'error: invalid --sha256 xyz: must be 64 hex digits as sha256sum prints them' },
  );
});

t.test('a failure logs its whole error chain at debug, the command and its stderr included', async (t) => {
  const dir = await tempDir(t, 'cli-chain');
  const etcdctl = join(dir, 'etcdctl');
  await writeFile(etcdctl, '#!/bin/sh\necho "{\\"level\\":\\"warn\\",\\"msg\\":\\"retrying\\"}" >&2\necho "Error: context deadline exceeded" >&2\nexit 5\n', { mode: 0o755 });
  const run = await agent(['snapshot', '--etcd-endpoints', 'http://127.0.0.1:9', '--etcdctl-path', etcdctl, '--target', join(dir, 'snaps'), '--verbose']);
  t.equal(run.exitCode, 1);
  const chain = run.stderr.split('\n');
  const start = chain.indexOf('debug: action snapshot failed; the error and its causes:');
  t.ok(start >= 0, 'the chain is logged at debug');
  const failure = chain.find((l) => l.startsWith('error: action snapshot failed: '))!.slice('error: action snapshot failed: '.length);
  const command = chain.find((l) => l.startsWith('  command: '))!.slice('  command: '.length);
  t.ok(command.startsWith(`${etcdctl} `), 'the failed command is named');
  t.strictSame(chain.slice(start + 1, start + 8), [
    `AgentError: ${failure}`,
    `caused by CommandError: Command failed with exit code 5: ${command}`,
    `  command: ${command}`,
    '  result: exit code 5',
    '  stderr:',
    '    {"level":"warn","msg":"retrying"}',
    '    Error: context deadline exceeded',
  ]);
});
