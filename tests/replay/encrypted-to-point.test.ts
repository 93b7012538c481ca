import t from 'tap';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runAgent } from '../support/cli/run-agent.ts';
import { keyspaceAt } from '../support/etcd/keyspace.ts';
import { SYSTEMCTL_DIR } from '../support/etcd/service.ts';
import { tempDir } from '../support/files/dirs.ts';
import { pointFixture } from './point-fixture.ts';

// An encrypted base (.age) and encrypted segments: a restore to a point needs the age identity for both, refuses
// without it before anything starts, and with it restores the keyspace of that revision.

const keys = await tempDir(t, 'age-keys');
const keyFile = join(keys, 'key.txt');
execFileSync('age-keygen', ['-o', keyFile], { stdio: 'ignore' });
const recipient = execFileSync('age-keygen', ['-y', keyFile], { encoding: 'utf8' }).trim();
const identity = (await readFile(keyFile, 'utf8')).split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-1'))!;

const f = await pointFixture(t, { steps: 60, perSegment: 25, recipients: [recipient], revisions: (p) => [Math.floor((p.base.revision + p.last) / 2)] });
const { unit } = f;
const flags = Object.entries(unit.config).filter(([, v]) => v !== '').flatMap(([k, v]) => [`--${k}`, String(v)]);
const env = { SYSTEMCTL_SIM_DIR: unit.service.simDir, PATH: `${SYSTEMCTL_DIR}:${process.env.PATH ?? ''}` };
const mid = Math.floor((f.base.revision + f.last) / 2);

t.test('the base and the segments are encrypted', async (t) => {
  t.ok(f.basePath.endsWith('.age'), f.basePath);
  t.ok(f.segments.length >= 2 && f.segments.every((s) => s.name.endsWith('.jsonl.gz.age')), 'every segment is .jsonl.gz.age');
});

t.test('without the identity: refused, etcd never stopped', async (t) => {
  const calls = await unit.systemctlCalls();
  const run = await runAgent(['restore', '--to-revision', String(mid), '--skip-backup', ...flags], env);
  t.equal(run.exitCode, 1);
  const first = f.segments[0]!;
  t.equal(
    run.stderr.trim().split('\n').at(-1),
    `error: segment ${first.name} cannot be used (it is encrypted and no age identity was given (identity-secret, or --identity-file outside Juju)); without it, to-revision ${mid} is not recoverable: the recoverable window is ${f.base.created} (revision ${f.base.revision}) to ${f.base.created} (revision ${f.base.revision}); the nearest recoverable point is revision ${f.base.revision} (${f.base.created})`,
  );
  t.equal(await unit.systemctlCalls(), calls);
});

t.test('with --identity-file: restored to exactly that revision', async (t) => {
  const run = await runAgent(['restore', '--to-revision', String(mid), '--skip-backup', '--identity-file', keyFile, '-o', 'json', ...flags], env);
  t.equal(run.exitCode, 0, run.stderr);
  const printed = JSON.parse(run.stdout) as { restore: Record<string, string> };
  t.equal(printed.restore['to-revision'], String(mid));
  t.equal(printed.restore.encrypted, 'true');
  t.strictSame(await keyspaceAt(unit.etcd.endpoint), f.oracle.get(mid));
  t.equal(JSON.stringify([run.stdout, run.stderr]).includes(identity.slice(16)), false, 'the identity is never printed');
});
