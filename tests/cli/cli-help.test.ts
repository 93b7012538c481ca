// The CLI as an operator meets it: --version, each command's --help, typos and bad values (exit 2, named as typed),
// and bin/etcd-agent before a build.
import t from 'tap';
import { execa } from 'execa';
import { cp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CHARM_DIR } from '../support/juju/charm-run.ts';
import { runAgent } from '../support/cli/run-agent.ts';
import { tempDir } from '../support/files/dirs.ts';

// The flags a help text lists (each at the start of a line).
const listed = (help: string): string[] => [...help.matchAll(/^\s+(?:-\w, )?(--[a-z0-9-]+)/gm)].map((m) => m[1]!);

// The headings of a help text's option groups.
const headings = (help: string): string[] => [...help.matchAll(/^(\S[^\n]*):$/gm)].map((m) => m[1]!);

t.test('--version prints package.json\'s version on its own line and exits 0', async (t) => {
  const { version } = JSON.parse(await readFile(join(CHARM_DIR, 'package.json'), 'utf8')) as { version: string };
  const run = await runAgent(['--version']);
  t.strictSame({ exitCode: run.exitCode, stdout: run.stdout, stderr: run.stderr }, { exitCode: 0, stdout: version, stderr: '' });
  t.match(version, /^\d+\.\d+\.\d+/);
});

t.test('--version of the bundle alone, as a packed charm carries it (no package.json beside it)', async (t) => {
  const { version } = JSON.parse(await readFile(join(CHARM_DIR, 'package.json'), 'utf8')) as { version: string };
  const copy = await tempDir(t, 'cli-bundle-alone');
  await cp(join(CHARM_DIR, 'dist', 'agent'), join(copy, 'dist', 'agent'), { recursive: true });
  for (const file of ['metadata.yaml', 'config.yaml', 'actions.yaml']) await cp(join(CHARM_DIR, file), join(copy, file));
  const run = await execa(process.execPath, [join(copy, 'dist', 'agent', 'etcd-agent.mjs'), '--version'], { reject: false, cwd: copy });
  t.strictSame({ exitCode: run.exitCode, stdout: run.stdout, stderr: run.stderr }, { exitCode: 0, stdout: version, stderr: '' });
});

t.test("each command's --help lists only the options it reads, grouped, and no Juju-only one", async (t) => {
  const help = async (command: string): Promise<string> => {
    const run = await runAgent([command, '--help']);
    t.equal(run.exitCode, 0, command);
    return run.stdout;
  };
  const list = await help('list');
  t.strictSame(headings(list), ['etcd member', 'Snapshots', 'S3 store', 'Options']);
  t.strictSame(listed(list).filter((f) => !f.startsWith('--s3-')), ['--etcd-data-dir', '--snapshot-dir', '--output', '--verbose', '--config-file', '--unit', '--help']);
  t.notOk(listed(list).includes('--s3-credentials-secret'), 'the Juju secret option is absent');
  t.notOk(listed(list).includes('--etcd-endpoints'), 'list does not talk to etcd');

  const snapshot = await help('snapshot');
  t.strictSame(headings(snapshot), ['Command options', 'etcd connection', 'etcd member', 'Snapshots', 'Encryption', 'S3 store', 'Options']);
  for (const flag of ['--target', '--keys-version', '--etcd-endpoints', '--etcd-ca', '--snapshot-compression', '--encryption-recipients', '--s3-bucket']) t.ok(listed(snapshot).includes(flag), `snapshot: ${flag}`);
  for (const flag of ['--snapshot-schedule', '--snapshot-dir', '--etcd-name', '--identity-file', '--s3-credentials-secret']) t.notOk(listed(snapshot).includes(flag), `snapshot: no ${flag}`);
  t.match(snapshot, /\[env ETCD_AGENT_ETCD_ENDPOINTS, else ETCDCTL_ENDPOINTS\]/, 'says where else the option is read');

  const restore = await help('restore');
  t.ok(listed(restore).includes('--identity-file'), 'restore: --identity-file');
  t.notOk(listed(restore).includes('--identity-secret'), 'restore: no --identity-secret');
  t.ok(listed(restore).includes('--etcd-peer-url'), 'restore: --etcd-peer-url');

  t.ok(listed(await help('schedule')).includes('--snapshot-schedule'), 'schedule: --snapshot-schedule');
  const top = await runAgent(['--help']);
  t.match(top.stdout, /etcd-agent delete <name>\s+Delete one snapshot/);
  t.match(top.stdout, /ETCD_AGENT_<OPTION>/);
});

t.test('every invalid flag, option or param exits 2 with one line naming it as given', async (t) => {
  const dir = await tempDir(t, 'cli-usage');
  const local = ['--snapshot-dir', join(dir, 'snaps'), '--etcd-data-dir', join(dir, 'data')];
  const cases: [string[], string][] = [
    [['snapshot', '--etcd-endpoint', 'http://127.0.0.1:2379'], 'error: unknown option --etcd-endpoint; did you mean --etcd-endpoints?'],
    [['prune', '--snapshot-retenton', '3'], 'error: unknown option --snapshot-retenton; did you mean --snapshot-retention?'],
    [['list', '--frobnicate'], 'error: unknown option --frobnicate; run etcd-agent list --help for its options'],
    [['snapshot', '--s3-credentials-secret', 'secret:abc'], 'error: --s3-credentials-secret is not offered outside Juju: s3-credentials-secret names a Juju secret, which exists only inside Juju; give --s3-access-key and --s3-secret-key (or ETCD_AGENT_S3_ACCESS_KEY and ETCD_AGENT_S3_SECRET_KEY)'],
    [['prune', '--snapshot-retention', 'abc', ...local], 'error: invalid --snapshot-retention abc: must be a whole number'],
    [['prune', '--snapshot-retention', '0', ...local], 'error: invalid --snapshot-retention 0: must be at least 1'],
    [['prune', '--snapshot-compression', 'bzip2', ...local], 'error: invalid --snapshot-compression bzip2: use zstd, gzip or none, optionally with a level (zstd:3, gzip:9)'],
    [['list', '-o', 'xml'], 'error: invalid -o/--output "xml": use yaml, json or table'],
    [['delete'], 'error: delete needs NAME: etcd-agent delete NAME'],
    [['delete', 'notes.txt', ...local], "error: invalid NAME notes.txt: is not the name of one of this charm's archives (etcd-snapshot-YYYY-MM-DD-HH.MM.SS.tar.gz, .tar.zst or .tar, optionally .age; no directory)"],
    [['restore', '--sha256', 'xyz', '--source', join(dir, 'x.tar.gz'), ...local], 'error: invalid --sha256 xyz: must be 64 hex digits as sha256sum prints them'],
    [['snapshot', '--keys-version', 'v4', ...local], 'error: snapshot: invalid --keys-version v4: must be one of v3'],
    [['snapshto'], 'error: unknown command snapshto; did you mean snapshot?'],
    [['restore', ...local], 'error: restore needs --source outside Juju (there is no attached resource): etcd-agent restore --source <archive path or a name list shows>'],
  ];
  for (const [args, line] of cases) {
    const run = await runAgent(args);
    t.equal(run.exitCode, 2, args.join(' '));
    t.equal(run.stderr.split('\n')[0], line, args.join(' '));
    t.equal(run.stdout, '', `${args.join(' ')}: nothing on stdout`);
  }
});

t.test('before npm run build, bin/etcd-agent says to build, exit 2', async (t) => {
  const copy = await tempDir(t, 'cli-unbuilt');
  await cp(join(CHARM_DIR, 'bin'), join(copy, 'bin'), { recursive: true });
  const run = await execa(join(copy, 'bin', 'etcd-agent'), ['--help'], { reject: false });
  t.strictSame(
    { exitCode: run.exitCode, stdout: run.stdout, stderr: run.stderr },
    { exitCode: 2, stdout: '', stderr: `etcd-agent is not built yet: run npm run build (or npm ci && npm run build) in ${copy}` },
  );
});
