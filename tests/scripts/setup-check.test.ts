import t, { type Test } from 'tap';
import { execa } from 'execa';
import { execFileSync } from 'node:child_process';
import { symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { CHARM_DIR } from '../support/juju/charm-run.ts';
import { tempDir } from '../support/files/dirs.ts';

const SETUP = join(CHARM_DIR, 'scripts', 'setup.sh');
const TOOLS = ['etcd', 'etcdctl', 'age', 'zstd', 'igzip', 'node', 'npm', 'python3', 'openssl', 'unzip', 'promtool', 'xz', 'x86_64-linux-gnu-strip', 'aarch64-linux-gnu-strip', 'qemu-aarch64'];

// A PATH of one directory holding the given commands (links to this machine's), plus what the script itself runs.
const pathWith = async (t: Test, tools: string[]): Promise<string> => {
  const dir = await tempDir(t, 'setup-path');
  for (const tool of ['dirname', 'id', ...tools]) await symlink(execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim(), join(dir, tool));
  return dir;
};

const check = (path: string) => execa('/bin/bash', [SETUP, '--check'], { reject: false, env: { PATH: path }, extendEnv: false });

t.test('--check names each missing tool with the Debian package that brings it, and changes nothing', async (t) => {
  const run = await check(await pathWith(t, TOOLS.filter((tool) => tool !== 'openssl' && tool !== 'unzip' && tool !== 'node')));
  t.equal(run.exitCode, 1);
  t.equal(run.stdout, '');
  t.strictSame(run.stderr.split('\n'), [
    'setup: missing node (Debian package nodejs)',
    'setup: missing openssl (Debian package openssl)',
    'setup: missing unzip (Debian package unzip)',
    'setup: install them with: apt-get install nodejs openssl unzip',
  ]);
});

t.test('--check with every tool there', async (t) => {
  const run = await check(await pathWith(t, TOOLS));
  t.strictSame([run.exitCode, run.stdout, run.stderr], [0, '', 'setup: every tool is there']);
});
