// Tests of the Juju hook-tool simulator, running its executables as real child processes.
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { execa } from 'execa';
import { createJujuSim, runDispatch, type JujuSim } from './support/juju/sim.ts';

const ACTION = { JUJU_ACTION_NAME: 'snapshot', JUJU_ACTION_UUID: '7' };

const tool = async (sim: JujuSim, name: string, args: string[], extra: Record<string, string> = ACTION) => {
  const r = await execa(name, args, { env: sim.env(extra), reject: false, stripFinalNewline: false });
  return { code: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
};

const withSim = async (t: Test, setup = {}): Promise<JujuSim> => {
  const sim = await createJujuSim(setup);
  t.teardown(() => sim.cleanup());
  return sim;
};

t.test('action-set accepts valid keys and builds nested results, last write wins', async (t) => {
  const sim = await withSim(t);
  t.equal((await tool(sim, 'action-set', ['snapshot.total-keys=12', 'snapshot.path=/a', 'copy.cmd=juju scp x .'])).code, 0);
  t.equal((await tool(sim, 'action-set', ['snapshot.path=/b', 'v=a=b', 'n1=1'])).code, 0);
  const { results, calls } = await sim.read();
  t.same(results, { snapshot: { 'total-keys': '12', path: '/b' }, copy: { cmd: 'juju scp x .' }, v: 'a=b', n1: '1' });
  t.same(calls[0], ['action-set', 'snapshot.total-keys=12', 'snapshot.path=/a', 'copy.cmd=juju scp x .']);
});

t.test('action-set refuses bad keys with exit 2 and sets nothing', async (t) => {
  const sim = await withSim(t);
  for (const bad of ['totalKeys=1', '-a=1', 'a-=1', 'a..b=1', 'stdout=1', 'x.stderr-encoding=1', 'noequals', '.a=1']) {
    const r = await tool(sim, 'action-set', ['good=1', bad, 'other=2']);
    t.equal(r.code, 2, `${bad} exits 2`);
    t.match(r.stderr, /^ERROR /, `${bad} reports an error`);
  }
  t.same((await sim.read()).results, {});
});

t.test('action-fail takes 0 or 1 argument and does not stop action-set', async (t) => {
  const sim = await withSim(t);
  t.equal((await tool(sim, 'action-fail', [])).code, 0);
  t.equal((await sim.read()).message, 'action failed without reason given, check action for errors');
  t.equal((await tool(sim, 'action-fail', ['disk full'])).code, 0);
  t.equal((await tool(sim, 'action-fail', ['a', 'b'])).code, 2);
  t.equal((await tool(sim, 'action-set', ['after=yes'])).code, 0);
  const s = await sim.read();
  t.equal(s.failed, true);
  t.equal(s.message, 'disk full');
  t.same(s.results, { after: 'yes' });
});

t.test('action tools outside an action exit 1', async (t) => {
  const sim = await withSim(t, { params: { target: '/x' } });
  for (const [name, args] of [['action-get', ['--format=json']], ['action-set', ['a=1']], ['action-fail', ['m']], ['action-log', ['m']]] as const) {
    const r = await tool(sim, name, [...args], {});
    t.equal(r.code, 1, `${name} exits 1`);
    t.equal(r.stderr, 'ERROR not running an action\n');
  }
  const s = await sim.read();
  t.equal(s.failed, false);
  t.same(s.results, {});
  t.equal(s.calls.length, 4);
});

t.test('action-get prints params, dotted keys and null; action-log appends', async (t) => {
  const sim = await withSim(t, { params: { target: '/x', 'skip-backup': false, nested: { a: 1 } } });
  t.equal((await tool(sim, 'action-get', ['--format=json'])).stdout, '{"target":"/x","skip-backup":false,"nested":{"a":1}}\n');
  t.equal((await tool(sim, 'action-get', ['nested.a', '--format', 'json'])).stdout, '1\n');
  t.equal((await tool(sim, 'action-get', ['missing', '--format=json'])).stdout, 'null\n');
  t.equal((await tool(sim, 'action-get', ['target'])).stdout, '/x\n');
  t.equal((await tool(sim, 'action-get', ['skip-backup'])).stdout, 'False\n');
  t.equal((await tool(sim, 'action-get', ['--format=xml'])).code, 2);
  await tool(sim, 'action-log', ['saving', 'snapshot']);
  t.same((await sim.read()).actionLogs, ['saving snapshot']);
});

t.test('juju-log and status-set validate and record', async (t) => {
  const sim = await withSim(t);
  t.equal((await tool(sim, 'juju-log', ['--log-level', 'WARNING', '--', '-dash message'])).code, 0);
  t.equal((await tool(sim, 'juju-log', ['-l', 'ERROR', 'boom'])).code, 0);
  t.equal((await tool(sim, 'juju-log', ['plain'])).code, 0);
  t.equal((await tool(sim, 'juju-log', ['--log-level=LOUD', 'x'])).code, 2);
  t.equal((await tool(sim, 'juju-log', ['--log-level', 'INFO'])).code, 2);
  t.equal((await tool(sim, 'status-set', ['active', 'ready'])).code, 0);
  t.equal((await tool(sim, 'status-set', ['--application', 'blocked'])).code, 0);
  for (const bad of [['error', 'x'], ['unknown'], [], ['active', 'a', 'b']]) {
    t.equal((await tool(sim, 'status-set', bad)).code, 2, `status-set ${bad.join(' ')} exits 2`);
  }
  const s = await sim.read();
  t.same(s.logs, [
    { level: 'WARNING', message: '-dash message' },
    { level: 'ERROR', message: 'boom' },
    { level: 'INFO', message: 'plain' },
  ]);
  t.same(s.statusHistory.map((x) => [x.status, x.message]), [['active', 'ready'], ['blocked', '']]);
});

t.test('resource-get prints the path without newline, or fails', async (t) => {
  const sim = await withSim(t, { resources: { snapshot: '/var/lib/juju/snapshot.tar.gz', other: null } });
  const ok = await tool(sim, 'resource-get', ['snapshot'], {});
  t.equal(ok.code, 0);
  t.equal(ok.stdout, '/var/lib/juju/snapshot.tar.gz');
  const missing = await tool(sim, 'resource-get', ['other'], {});
  t.equal(missing.code, 1);
  t.match(missing.stderr, /^ERROR could not download resource: /);
  t.equal((await tool(sim, 'resource-get', [], {})).code, 2);
});

t.test('relation, config, leader, secret and address tools', async (t) => {
  const sim = await withSim(t, {
    relations: { cluster: { 'cluster:1': ['etcd/1', 'etcd/2'], 'cluster:4': [] } },
    config: { 'snapshot-dir': '/s', 'etcd-ca': null },
    leader: true,
    secrets: { 'secret:abc': { 'access-key': 'AK', 'secret-key': 'SK' } },
    address: '10.0.0.5',
  });
  const json = ['--format=json'];
  t.equal((await tool(sim, 'relation-ids', ['cluster', ...json], {})).stdout, '["cluster:1","cluster:4"]\n');
  t.equal((await tool(sim, 'relation-ids', ['db', ...json], {})).stdout, '[]\n');
  t.equal((await tool(sim, 'relation-list', ['-r', 'cluster:1', ...json], {})).stdout, '["etcd/1","etcd/2"]\n');
  t.equal((await tool(sim, 'relation-list', ['-r', 'cluster:4', ...json], {})).stdout, '[]\n');
  t.equal((await tool(sim, 'relation-list', json, { JUJU_RELATION_ID: 'cluster:1' })).stdout, '["etcd/1","etcd/2"]\n');
  const unknown = await tool(sim, 'relation-list', ['-r', 'cluster:9'], {});
  t.equal(unknown.code, 2);
  t.equal(unknown.stderr, 'ERROR invalid value "cluster:9" for option -r: relation not found\n');
  t.equal((await tool(sim, 'relation-list', [], {})).code, 2);
  t.equal((await tool(sim, 'config-get', json, {})).stdout, '{"snapshot-dir":"/s"}\n');
  t.equal((await tool(sim, 'config-get', [...json, '--all'], {})).stdout, '{"snapshot-dir":"/s","etcd-ca":null}\n');
  t.equal((await tool(sim, 'config-get', ['snapshot-dir'], {})).stdout, '/s\n');
  t.equal((await tool(sim, 'is-leader', json, {})).stdout, 'true\n');
  t.equal((await tool(sim, 'is-leader', [], {})).stdout, 'True\n');
  t.equal((await tool(sim, 'secret-get', ['secret:abc', ...json], {})).stdout, '{"access-key":"AK","secret-key":"SK"}\n');
  t.equal((await tool(sim, 'secret-get', ['secret:abc', 'secret-key'], {})).stdout, 'SK\n');
  const noSecret = await tool(sim, 'secret-get', ['secret:zzz'], {});
  t.same([noSecret.code, noSecret.stderr], [1, 'ERROR secret "secret:zzz" not found\n']);
  t.equal((await tool(sim, 'unit-get', ['private-address'], {})).stdout, '10.0.0.5\n');
  t.equal((await tool(sim, 'network-get', ['cluster', '--ingress-address'], {})).stdout, '10.0.0.5\n');
  t.ok((await sim.read()).calls.some((c) => c.includes('secret-key')), 'argv is recorded');
});

t.test('-- ends the options: free text after it may begin with -, and is taken as it is', async (t) => {
  const sim = await withSim(t);
  t.strictSame(await tool(sim, 'action-fail', ['--', '-x is not a flag']), { code: 0, stdout: '', stderr: '' });
  t.equal((await sim.read()).message, '-x is not a flag');
  t.strictSame(await tool(sim, 'action-fail', ['--', '--help']), { code: 0, stdout: '', stderr: '' });
  t.equal((await sim.read()).message, '--help');
  t.equal((await tool(sim, 'action-log', ['--', '-5% left', '--', 'done'])).code, 0);
  t.equal((await tool(sim, 'status-set', ['--', 'blocked', '-etcd is down'])).code, 0);
  t.equal((await tool(sim, 'status-set', ['waiting', '--', '--application'])).code, 0, 'interspersed: -- may follow the status');
  t.equal((await tool(sim, 'juju-log', ['--log-level', 'DEBUG', '--', '-h'])).code, 0);
  const s = await sim.read();
  t.strictSame(s.actionLogs, ['-5% left -- done']);
  t.strictSame(s.statusHistory, [{ status: 'blocked', message: '-etcd is down' }, { status: 'waiting', message: '--application' }]);
  t.strictSame(s.logs, [{ level: 'DEBUG', message: '-h' }]);
});

t.test('without --, a message that begins with - is parsed as options, as gnuflag does', async (t) => {
  const sim = await withSim(t);
  const cases: [string, string[], string][] = [
    ['action-fail', ['-x is not a flag'], 'ERROR option provided but not defined: -x\n'],
    ['action-fail', ['--force it'], 'ERROR option provided but not defined: --force it\n'],
    ['action-log', ['-5% left'], 'ERROR option provided but not defined: -5\n'],
    ['status-set', ['blocked', '-etcd is down'], 'ERROR option provided but not defined: -e\n'],
    ['status-set', ['--application=maybe', 'active'], 'ERROR invalid boolean option application: strconv.ParseBool: parsing "maybe": invalid syntax\n'],
    ['juju-log', ['--log-level'], 'ERROR option needs an argument: --log-level\n'],
    ['juju-log', ['--=x', 'm'], 'ERROR empty option in argument "--=x"\n'],
    ['action-fail', ['a', 'b'], 'ERROR unrecognized args: ["b"]\n'],
  ];
  for (const [name, args, stderr] of cases) {
    t.strictSame(await tool(sim, name, args), { code: 2, stdout: '', stderr }, `${name} ${args.join(' ')}`);
  }
  const s = await sim.read();
  t.strictSame([s.failed, s.actionLogs, s.statusHistory, s.logs], [false, [], [], []], 'nothing was recorded');
});

t.test('without --, -h or --help prints the usage and exits 0 without doing anything, as Juju does', async (t) => {
  const sim = await withSim(t);
  t.strictSame(await tool(sim, 'action-fail', ['-hopeless: etcd is down']), { code: 0, stdout: 'Usage: action-fail [options]\n', stderr: '' });
  t.strictSame(await tool(sim, 'status-set', ['blocked', '--help']), { code: 0, stdout: 'Usage: status-set [options]\n', stderr: '' });
  t.equal((await tool(sim, 'config-get', ['-ah'], {})).stdout, 'Usage: config-get [options]\n', 'after a bool in the same cluster too');
  const s = await sim.read();
  t.strictSame([s.failed, s.message, s.statusHistory], [false, undefined, []], 'the action is not failed and no status is set');
});

t.test('short options cluster and take the rest of their argument as a value, as gnuflag does', async (t) => {
  const sim = await withSim(t, { relations: { cluster: { 'cluster:1': ['etcd/1'] } }, config: { a: null } });
  t.equal((await tool(sim, 'relation-list', ['-rcluster:1', '--format=json'], {})).stdout, '["etcd/1"]\n');
  t.equal((await tool(sim, 'relation-list', ['--r', 'cluster:1', '--format', 'json'], {})).stdout, '["etcd/1"]\n', 'one name space for - and --');
  t.equal((await tool(sim, 'juju-log', ['-lWARNING', 'w'])).code, 0);
  t.equal((await tool(sim, 'config-get', ['-a', '--format=json'], {})).stdout, '{"a":null}\n');
  t.strictSame(await tool(sim, 'status-set', ['--application=False', 'active', 'm']), { code: 0, stdout: '', stderr: '' });
  const s = await sim.read();
  t.strictSame(s.logs, [{ level: 'WARNING', message: 'w' }]);
  t.strictSame(s.statusHistory, [{ status: 'active', message: 'm' }], '--application=False is false');
});

t.test('network-get answers for the bindings the charm declares, shaped as Juju prints it', async (t) => {
  const sim = await withSim(t, { address: '10.0.0.5', relations: { cluster: { 'cluster:1': [] } } });
  const charm = { JUJU_CHARM_DIR: process.cwd() };
  t.strictSame(await tool(sim, 'network-get', ['cluster', '--bind-address', '--format=json'], charm), { code: 0, stdout: '"10.0.0.5"\n', stderr: '' });
  t.equal((await tool(sim, 'network-get', ['cluster', '--bind-address'], charm)).stdout, '10.0.0.5\n');
  t.strictSame(JSON.parse((await tool(sim, 'network-get', ['--format=json', 'cluster'], charm)).stdout), {
    'bind-addresses': [{ 'mac-address': '', 'interface-name': 'eth0', addresses: [{ hostname: '', value: '10.0.0.5', cidr: '10.0.0.5/32' }] }],
    'egress-subnets': ['10.0.0.5/32'],
    'ingress-addresses': ['10.0.0.5'],
  });
  t.equal((await tool(sim, 'network-get', ['cluster', '--bind-address', '--ingress-address', '--format=json'], charm)).stdout, '{"bind-address":"10.0.0.5","ingress-address":"10.0.0.5"}\n');
  t.strictSame(await tool(sim, 'network-get', ['db', '--bind-address'], charm), { code: 1, stdout: '', stderr: 'ERROR no network config found for binding "db"\n' });
  t.strictSame(await tool(sim, 'network-get', [], charm), { code: 2, stdout: '', stderr: 'ERROR no arguments specified\n' });
  t.strictSame(await tool(sim, 'network-get', ['cluster', '-r', 'cluster:9'], charm), { code: 2, stdout: '', stderr: 'ERROR invalid value "cluster:9" for option -r: relation not found\n' });
  t.strictSame(await tool(sim, 'network-get', ['cluster', '--primary-address', '--bind-address'], charm), { code: 1, stdout: '', stderr: 'ERROR --primary-address must be the only flag specified\n' });
});

const fakeCharm = async (t: Test, script: string): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), 'fake-charm-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'dispatch'), `#!/bin/sh\n${script}\n`);
  await chmod(join(dir, 'dispatch'), 0o755);
  return dir;
};

t.test('runDispatch: non-zero exit replaces the message with exit status N', async (t) => {
  const sim = await withSim(t);
  const charmDir = await fakeCharm(t, 'action-fail "ignored"\naction-set a.b=1\necho out; echo err >&2\nexit 3');
  const run = await runDispatch(sim, { charmDir, dispatchPath: 'actions/snapshot' });
  t.equal(run.exitCode, 3);
  t.equal(run.status, 'failed');
  t.equal(run.message, 'exit status 3');
  t.same(run.results, { a: { b: '1' } });
  t.equal(run.stdout, 'out\n');
  t.equal(run.stderr, 'err\n');
});

t.test('runDispatch: action-fail then exit 0 fails with that message', async (t) => {
  const sim = await withSim(t, { params: { target: '/t' } });
  const script = [
    'action-fail "etcd has 3 units; run juju remove-unit first"',
    'action-set env.path="$JUJU_DISPATCH_PATH" env.id="$JUJU_ACTION_UUID" env.hook="x$JUJU_HOOK_NAME" env.cwd="$(pwd)"',
    'action-set env.target="$(action-get target)" env.unit="$JUJU_UNIT_NAME" env.charm="$JUJU_CHARM_DIR"',
    'exit 0',
  ].join('\n');
  const charmDir = await fakeCharm(t, script);
  const run = await runDispatch(sim, { charmDir, dispatchPath: 'actions/restore', unit: 'etcd/3' });
  t.equal(run.exitCode, 0);
  t.equal(run.status, 'failed');
  t.equal(run.message, 'etcd has 3 units; run juju remove-unit first');
  t.match(run.results, { env: { path: 'actions/restore', hook: 'x', cwd: charmDir, target: '/t', unit: 'etcd/3', charm: charmDir } });
  t.match((run.results as { env: { id: string } }).env.id, /^\d+$/);
});

t.test('runDispatch: a clean hook completes and has no action context', async (t) => {
  const sim = await withSim(t, { relations: { cluster: { 'cluster:2': ['etcd/1'] } } });
  const charmDir = await fakeCharm(t, 'status-set active "$JUJU_HOOK_NAME $(relation-list --format=json)"\naction-get || exit 0\nexit 9');
  const run = await runDispatch(sim, { charmDir, dispatchPath: 'hooks/cluster-relation-joined' });
  t.equal(run.status, 'completed');
  t.equal(run.message, undefined);
  t.same(run.statusHistory, [{ status: 'active', message: 'cluster-relation-joined ["etcd/1"]' }]);
  t.match(run.stderr, 'ERROR not running an action');
});
