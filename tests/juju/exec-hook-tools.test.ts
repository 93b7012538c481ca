// The real HookTools against the hook-tool simulator: real child processes, Juju's argument syntax, one error boundary.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { execHookTools } from '../../src/juju/exec-hook-tools.ts';
import type { HookTools } from '../../src/juju/hook-tools.ts';
import { execaRunner } from '../../src/process/execa-runner.ts';
import { CommandError, type CommandRunner } from '../../src/process/command-runner.ts';
import { CHARM_DIR } from '../support/juju/charm-run.ts';
import { createJujuSim, type JujuSim, type SimSetup } from '../support/juju/sim.ts';

const ACTION = { JUJU_ACTION_NAME: 'snapshot', JUJU_ACTION_UUID: '7', JUJU_CHARM_DIR: CHARM_DIR };

const withTools = async (t: Test, setup: SimSetup = {}, extra: Record<string, string> = ACTION): Promise<{ sim: JujuSim; tools: HookTools }> => {
  const sim = await createJujuSim(setup);
  t.teardown(() => sim.cleanup());
  return { sim, tools: execHookTools(execaRunner, sim.env(extra)) };
};

// The AgentError the boundary makes, checked by name, message and the CommandError under it.
const failsWith = async (t: Test, call: Promise<unknown>, message: string, command: string): Promise<void> => {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  t.ok(error instanceof Error, message);
  const e = error as Error;
  t.strictSame({ name: e.name, message: e.message }, { name: 'AgentError', message });
  t.ok(e.cause instanceof CommandError, 'the CommandError is kept as the cause');
  t.equal((e.cause as CommandError).command, command);
};

t.test('free text goes after --, so a message that begins with - reaches Juju as it is', async (t) => {
  const { sim, tools } = await withTools(t);
  await tools.actionLog('-5% of the db left to write');
  await tools.statusSet('blocked', '--etcd is down');
  await tools.log('WARNING', '-h is not help');
  await tools.actionFail('-hopeless: etcd at https://10.0.0.1:2379 did not answer');
  const s = await sim.read();
  t.strictSame(s.calls, [
    ['action-log', '--', '-5% of the db left to write'],
    ['status-set', '--', 'blocked', '--etcd is down'],
    ['juju-log', '--log-level', 'WARNING', '--', '-h is not help'],
    ['action-fail', '--', '-hopeless: etcd at https://10.0.0.1:2379 did not answer'],
  ]);
  t.strictSame(s.actionLogs, ['-5% of the db left to write']);
  t.strictSame(s.statusHistory, [{ status: 'blocked', message: '--etcd is down' }]);
  t.strictSame(s.logs, [{ level: 'WARNING', message: '-h is not help' }]);
  t.equal(s.failed, true);
  t.equal(s.message, '-hopeless: etcd at https://10.0.0.1:2379 did not answer');
});

t.test('privateAddress is the cluster binding\'s bind address from network-get', async (t) => {
  const { sim, tools } = await withTools(t, { address: '10.0.0.5' });
  t.equal(await tools.privateAddress(), '10.0.0.5');
  t.strictSame((await sim.read()).calls, [['network-get', 'cluster', '--bind-address', '--format=json']]);
});

t.test('privateAddress fails clearly when the charm has no cluster binding', async (t) => {
  const charm = await mkdtemp(join(tmpdir(), 'charm-'));
  t.teardown(() => rm(charm, { recursive: true, force: true }));
  await writeFile(join(charm, 'metadata.yaml'), 'name: other\nrequires:\n  db:\n    interface: pgsql\n');
  const { tools } = await withTools(t, {}, { ...ACTION, JUJU_CHARM_DIR: charm });
  await failsWith(t, tools.privateAddress(), 'network-get failed: no network config found for binding "cluster"', 'network-get cluster --bind-address --format=json');
});

t.test('a failed hook tool becomes "<tool> failed: <its last stderr line>" with the CommandError as cause', async (t) => {
  const { tools } = await withTools(t, { relations: { cluster: { 'cluster:1': [] } } }, { JUJU_CHARM_DIR: CHARM_DIR });
  await failsWith(t, tools.actionGet(), 'action-get failed: not running an action', 'action-get --format=json');
  await failsWith(t, tools.actionSet({ 'a.b': '1' }), 'action-set failed: not running an action', 'action-set a.b=1');
  await failsWith(t, tools.actionFail('m'), 'action-fail failed: not running an action', 'action-fail -- m');
  await failsWith(t, tools.actionLog('m'), 'action-log failed: not running an action', 'action-log -- m');
  await failsWith(t, tools.relationList('cluster:9'), 'relation-list failed: invalid value "cluster:9" for option -r: relation not found', 'relation-list -r cluster:9 --format=json');
  await failsWith(
    t,
    tools.secretGet('secret:zzz'),
    'secret-get failed: secret "secret:zzz" not found; check that secret secret:zzz exists and is granted to this application (juju grant-secret)',
    'secret-get secret:zzz --format=json',
  );
  t.equal(await tools.resourceGet('snapshot'), undefined, 'resource-get exit 1: no resource attached');
});

t.test('a hook tool that is not on PATH fails the same way, naming the tool', async (t) => {
  const sim = await createJujuSim();
  t.teardown(() => sim.cleanup());
  const tools = execHookTools(execaRunner, { ...sim.env(ACTION), PATH: '/nonexistent' });
  for (const [tool, call, command] of [
    ['config-get', () => tools.configGet(), 'config-get --format=json'],
    ['is-leader', () => tools.isLeader(), 'is-leader --format=json'],
    ['relation-ids', () => tools.relationIds('cluster'), 'relation-ids cluster --format=json'],
    ['status-set', () => tools.statusSet('active', 'ok'), 'status-set -- active ok'],
    ['juju-log', () => tools.log('INFO', 'x'), 'juju-log --log-level INFO -- x'],
    ['resource-get', () => tools.resourceGet('snapshot'), 'resource-get snapshot'],
  ] as const) {
    await failsWith(t, call(), `${tool} failed: ${tool} is not on PATH or not executable (the agent must run inside a Juju hook or action)`, command);
  }
});

// A runner that answers every command with the same outcome.
const answering = (outcome: { stdout: string } | CommandError): CommandRunner => ({
  run: async () => {
    if (outcome instanceof CommandError) throw outcome;
    return { stdout: outcome.stdout, stderr: '', exitCode: 0 };
  },
  start: () => {
    throw new Error('not used');
  },
  filter: () => {
    throw new Error('not used');
  },
});

t.test('output that is not JSON, and a tool that times out, fail at the same boundary', async (t) => {
  const garbled = execHookTools(answering({ stdout: 'snapshot-dir: /s\n' }), {});
  const garbledError = await garbled.configGet().then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  t.strictSame({ name: garbledError?.name, message: garbledError?.message }, { name: 'AgentError', message: 'config-get failed: it printed something that is not JSON' });
  t.ok(garbledError?.cause instanceof SyntaxError, 'the parse error is kept as the cause');
  const timedOut = new CommandError({ command: 'action-log -- m', timedOut: true, shortMessage: 'Command timed out after 60000 milliseconds: action-log -- m' });
  const slow = execHookTools(answering(timedOut), {});
  await t.rejects(slow.actionLog('m'), { name: 'AgentError', message: 'action-log failed: it timed out (the unit agent did not answer)', cause: timedOut });
  const empty = execHookTools(answering({ stdout: '""\n' }), {});
  await t.rejects(empty.privateAddress(), {
    name: 'AgentError',
    message: "network-get failed: it gave no bind address for the cluster binding; set etcd-peer-url to this unit's peer URL",
  });
});

t.test('config-get runs once per process, once it answered; every caller gets its own copy', async (t) => {
  const calls: string[][] = [];
  let answer: { stdout: string } | CommandError = new CommandError({ command: 'config-get --format=json', exitCode: 1, shortMessage: 'Command failed with exit code 1: config-get --format=json' });
  const runner: CommandRunner = {
    run: async (file, args) => {
      calls.push([file, ...args]);
      if (answer instanceof CommandError) throw answer;
      return { stdout: answer.stdout, stderr: '', exitCode: 0 };
    },
    start: () => {
      throw new Error('not used');
    },
    filter: () => {
      throw new Error('not used');
    },
  };
  const tools = execHookTools(runner, {});
  await t.rejects(tools.configGet(), { name: 'AgentError' });
  answer = { stdout: '{"snapshot-dir":"/s"}' };
  const first = await tools.configGet();
  first['snapshot-dir'] = '/changed by a caller';
  answer = { stdout: '{"snapshot-dir":"/other"}' };
  t.strictSame(await tools.configGet(), { 'snapshot-dir': '/s' });
  t.strictSame(calls, [
    ['config-get', '--format=json'],
    ['config-get', '--format=json'],
  ], 'a failed config-get is asked again; an answered one never');
});

t.test('progress is one action-log line of the step, its bytes and its percentage', async (t) => {
  const { sim, tools } = await withTools(t);
  await tools.progress({ step: 'upload', bytes: 3 << 20, total: 12 << 20, estimate: false, done: false });
  await tools.progress({ step: 'upload', bytes: 12 << 20, total: 12 << 20, estimate: false, done: true });
  const s = await sim.read();
  t.strictSame(s.calls, [
    ['action-log', '--', 'upload: 3.0 MiB of 12.0 MiB (25%)'],
    ['action-log', '--', 'upload: 12.0 MiB done (100%)'],
  ]);
});
