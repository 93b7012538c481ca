import t from 'tap';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchThrowawayEtcd } from '../../src/engine/throwaway-etcd.ts';
import { PortTaken, startMember, THROWAWAY_NAME, type MemberSpec } from '../../src/engine/throwaway-member.ts';
import { AgentError } from '../../src/errors/agent-error.ts';
import { fakeClock } from '../fakes/fake-clock.ts';
import { fakeEtcd } from '../fakes/fake-etcd.ts';
import { fakeRunner } from '../fakes/fake-runner.ts';

// A throwaway etcd that exits before it answers, with a scripted process from the fake runner: the branches a real
// etcd produces only by accident (a port taken meanwhile, a crash at start, a missing binary).

const spec = (dataDir: string): MemberSpec => ({
  binary: '/usr/bin/etcd', dataDir, clientPort: 40001, peerPort: 40002, clusterToken: 'etcd-agent-verify-token', startTimeoutMs: 20_000,
});
const PORT_LINE = '{"level":"fatal","msg":"listen tcp 127.0.0.1:40002: bind: address already in use"}';

t.test('exits at once saying a port is taken: PortTaken, and the process was stopped', async (t) => {
  const runner = fakeRunner([], [{ match: { file: '/usr/bin/etcd' }, script: { output: `starting\n${PORT_LINE}\n`, exit: { exitCode: 1, message: 'failed' } } }]);
  const error = await startMember({ runner, clock: fakeClock() }, spec('/scratch/member-1')).then(() => undefined, (e: unknown) => e);
  t.type(error, PortTaken);
  t.equal((error as Error).message, `the throwaway etcd exited before it answered (exit code 1): ${PORT_LINE}`);
  t.equal(runner.processes[0]?.stopped, true);
  t.strictSame(runner.calls.map((c) => [c.kind, c.file, c.args.slice(0, 2)]), [['start', '/usr/bin/etcd', [`--name=${THROWAWAY_NAME}`, '--data-dir=/scratch/member-1']]]);
  t.match(runner.calls[0]?.options, { dieWithParent: true });
});

t.test('exits at once for another reason: an AgentError naming the signal and its last line', async (t) => {
  const runner = fakeRunner([], [{ match: () => true, script: { output: 'panic: member has already been bootstrapped\n', exit: { signal: 'SIGABRT' } } }]);
  const error = await startMember({ runner, clock: fakeClock() }, spec('/scratch/member-1')).then(() => undefined, (e: unknown) => e);
  t.notOk(error instanceof PortTaken);
  t.type(error, AgentError);
  t.equal((error as Error).message, 'the throwaway etcd exited before it answered (SIGABRT): panic: member has already been bootstrapped');
});

t.test('a missing binary: the runner\'s not-found message', async (t) => {
  const runner = fakeRunner([], [{ match: () => true, script: { exit: { exitCode: undefined, notFound: true, message: '/opt/etcd/etcd was not found or is not executable' } } }]);
  await t.rejects(startMember({ runner, clock: fakeClock() }, spec('/d')), { name: 'AgentError', message: '/opt/etcd/etcd was not found or is not executable' });
});

t.test('launchThrowawayEtcd: a port taken on every attempt, each attempt restored afresh and its data dir removed', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'throwaway-member-'));
  t.teardown(() => rm(work, { recursive: true, force: true }));
  const scratch = join(work, 'scratch');
  await mkdir(scratch);
  const db = join(work, 'snap.db');
  await writeFile(db, 'a db\n');
  const runner = fakeRunner([], [{ match: () => true, script: { output: PORT_LINE, exit: { exitCode: 1 } } }]);
  const etcd = fakeEtcd();
  let port = 41000;
  await t.rejects(
    launchThrowawayEtcd({ etcd, runner, clock: fakeClock() }, {
      binary: '/usr/bin/etcd', db, skipHashCheck: false, scratch, startTimeoutMs: 20_000, attempts: 2,
      pickPorts: async () => [port++, port++],
    }),
    { name: 'PortTaken' },
  );
  t.strictSame(etcd.calls.map((c) => (c.args[1] as { dataDir: string }).dataDir), [join(scratch, 'member-1'), join(scratch, 'member-2')]);
  t.strictSame(runner.calls.map((c) => c.args.find((a) => a.startsWith('--listen-client-urls='))), ['--listen-client-urls=http://127.0.0.1:41000', '--listen-client-urls=http://127.0.0.1:41002']);
  t.strictSame(await readdir(scratch), [], 'no member dir left');
});
