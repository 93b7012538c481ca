// The V8 flags and malloc setting the two entry points start Node with: dispatch (every hook and action) and
// bin/etcd-agent (every command) turn the optimizing compilers off and keep the young generation small;
// bin/etcd-agent's `schedule` runs with the scheduler's own flags and environment. Each runs here on a stand-in
// bundle that prints the flags, arguments and malloc setting its Node really got.
import t from 'tap';
import { execa } from 'execa';
import { chmod, copyFile, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SCHEDULER_ENVIRONMENT, SCHEDULER_NODE_FLAGS } from '../../src/hooks/scheduler-unit.ts';
import { CHARM_DIR } from '../support/juju/charm-run.ts';
import { tempDir } from '../support/files/dirs.ts';

const ONE_SHOT_FLAGS = ['--no-opt', '--no-maglev', '--max-semi-space-size=2'];
const MMAP_THRESHOLD = SCHEDULER_ENVIRONMENT.MALLOC_MMAP_THRESHOLD_;

// A bundle that prints what its process was started with, as JSON.
const STAND_IN = 'console.log(JSON.stringify({ execArgv: process.execArgv, args: process.argv.slice(2), mmapThreshold: process.env.MALLOC_MMAP_THRESHOLD_ }));\n';

// A copy of entry (dispatch or bin/etcd-agent) at where in dir, beside a stand-in bundle and the pinned Node at nodeAt.
const layout = async (dir: string, entry: string, where: string, nodeAt: string): Promise<string> => {
  await mkdir(join(dir, 'dist', 'agent'), { recursive: true });
  await writeFile(join(dir, 'dist', 'agent', 'etcd-agent.mjs'), STAND_IN);
  await mkdir(join(dir, nodeAt, '..'), { recursive: true });
  await symlink(process.execPath, join(dir, nodeAt));
  await mkdir(join(dir, where, '..'), { recursive: true });
  await copyFile(join(CHARM_DIR, entry), join(dir, where));
  await chmod(join(dir, where), 0o755);
  return join(dir, where);
};

interface Started {
  execArgv: string[];
  args: string[];
  mmapThreshold?: string;
}

// What the entry point started its Node with; the test's own MALLOC_MMAP_THRESHOLD_ is not passed on unless env sets it.
const started = async (file: string, args: string[], env: Record<string, string> = {}): Promise<Started> => {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'MALLOC_MMAP_THRESHOLD_'));
  const run = await execa(file, args, { env: { ...inherited, ...env, NODE_OPTIONS: '' }, extendEnv: false });
  return JSON.parse(run.stdout) as Started;
};

t.test('dispatch runs the charm\'s Node with the optimizing compilers off, a small young generation and the mmap threshold, and passes its arguments on', async (t) => {
  const charm = await tempDir(t, 'node-flags-charm');
  const dispatch = await layout(charm, 'dispatch', 'dispatch', 'runtime/bin/node');
  const juju = { JUJU_CHARM_DIR: charm, JUJU_DISPATCH_PATH: 'actions/snapshot' };
  t.strictSame(await started(dispatch, ['one', 'two'], juju), { execArgv: ONE_SHOT_FLAGS, args: ['one', 'two'], mmapThreshold: MMAP_THRESHOLD });
  t.strictSame(await started(dispatch, [], { ...juju, MALLOC_MMAP_THRESHOLD_: '131072' }), { execArgv: ONE_SHOT_FLAGS, args: [], mmapThreshold: '131072' }, 'an operator\'s own threshold wins');
});

t.test('bin/etcd-agent runs every command with the optimizing compilers off, a small young generation and the mmap threshold, and schedule with the scheduler\'s flags', async (t) => {
  const project = await tempDir(t, 'node-flags-bin');
  const bin = await layout(project, 'bin/etcd-agent', 'bin/etcd-agent', 'node_modules/.bin/node');
  t.strictSame(await started(bin, ['snapshot', '--target', '/x']), { execArgv: ONE_SHOT_FLAGS, args: ['snapshot', '--target', '/x'], mmapThreshold: MMAP_THRESHOLD });
  t.strictSame(await started(bin, ['--help']), { execArgv: ONE_SHOT_FLAGS, args: ['--help'], mmapThreshold: MMAP_THRESHOLD });
  t.strictSame(await started(bin, ['schedule', '--unit', 'etcd/0']), { execArgv: SCHEDULER_NODE_FLAGS, args: ['schedule', '--unit', 'etcd/0'], mmapThreshold: MMAP_THRESHOLD });
  t.strictSame(await started(bin, ['list'], { MALLOC_MMAP_THRESHOLD_: '131072' }), { execArgv: ONE_SHOT_FLAGS, args: ['list'], mmapThreshold: '131072' }, 'an operator\'s own threshold wins');
});

t.test('the pinned Node accepts the flags and still runs JavaScript with them', async (t) => {
  const run = await execa(process.execPath, [...ONE_SHOT_FLAGS, '-e', 'let s = 0; for (let i = 0; i < 1e6; i++) s += i; console.log(s)'], { env: { NODE_OPTIONS: '' } });
  t.strictSame({ stdout: run.stdout, stderr: run.stderr }, { stdout: '499999500000', stderr: '' });
});
