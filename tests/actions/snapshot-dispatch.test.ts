import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { readFile, stat, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { createJujuSim, runDispatch } from '../support/juju/sim.ts';
import { seedKubernetesKeys, startEtcd } from '../support/etcd/server.ts';
import { CHARM_DIR, configFor } from '../support/juju/charm-run.ts';
import { listDir, tempDir, unpack } from '../support/files/dirs.ts';

const etcd = await startEtcd();
t.teardown(() => etcd.cleanup());
await seedKubernetesKeys(etcd, 50);

const snapshot = async (t: Test, config: Record<string, unknown>, params: Record<string, unknown>, env: Record<string, string> = {}) => {
  const sim = await createJujuSim({ config, params });
  t.teardown(() => sim.cleanup());
  return runDispatch(sim, { charmDir: CHARM_DIR, dispatchPath: 'actions/snapshot', env });
};

t.test('snapshot through dispatch: results match the file on disk', async (t) => {
  const target = join(await tempDir(t, 'snap'), 'etcd-snapshots');
  const run = await snapshot(t, configFor(etcd), { target, 'keys-version': 'v3' });
  t.equal(run.exitCode, 0);
  t.equal(run.status, 'completed', run.message ?? '');
  const results = run.results as { snapshot: Record<string, string>; copy: { cmd: string } };
  const path = results.snapshot.path!;
  t.match(path, new RegExp(`^${target}/etcd-snapshot-\\d{4}-\\d{2}-\\d{2}-\\d{2}\\.\\d{2}\\.\\d{2}\\.tar\\.gz$`));
  t.equal(results.copy.cmd, `juju scp etcd/0:${path} .`);

  const sha = execFileSync('sha256sum', [path], { encoding: 'utf8' }).split(' ')[0];
  t.equal(results.snapshot.sha256, sha);
  t.equal(results.snapshot.size, execFileSync('du', ['-h', path], { encoding: 'utf8' }).split('\t')[0]);
  t.equal(results.snapshot.bytes, String((await stat(path)).size));
  t.equal(results.snapshot.version, execFileSync('/usr/bin/etcdctl', ['version'], { encoding: 'utf8' }).trim());
  t.equal(execFileSync('sha256sum', ['-c', `${path}.sha256`], { cwd: target, encoding: 'utf8' }).trim(), `${path.split('/').at(-1)}: OK`);

  t.equal((await stat(path)).mode & 0o777, 0o600, 'archive is 0600');
  t.equal((await stat(target)).mode & 0o777, 0o700, 'a created target is 0700');
  t.same(await listDir(target), [path.split('/').at(-1), `${path.split('/').at(-1)}.sha256`], 'nothing else left in the target');

  const out = await tempDir(t, 'unpacked');
  t.same(await unpack(path, out), ['db', 'etcd-snapshot.json']);
  const status = JSON.parse(execFileSync('/usr/bin/etcdctl', ['snapshot', 'status', join(out, 'db'), '-w', 'json'], { encoding: 'utf8' }));
  t.equal(results.snapshot.revision, String(status.revision));
  t.equal(results.snapshot['total-keys'], String(status.totalKey));
  t.equal(results.snapshot.hash, String(status.hash));
  const manifest = JSON.parse(await readFile(join(out, 'etcd-snapshot.json'), 'utf8'));
  t.match(manifest, {
    revision: status.revision,
    totalKeys: status.totalKey,
    hash: status.hash,
    size: (await stat(join(out, 'db'))).size,
    unit: 'etcd/0',
    trigger: 'manual',
    memberCount: 1,
    // The installed etcd's own version, as it reports it.
    etcdVersion: /^etcd Version: (\S+)$/m.exec(execFileSync('etcd', ['--version'], { encoding: 'utf8' }))?.[1],
    clusterId: /^[0-9a-f]+$/,
  });
  t.match(run.actionLogs.join('\n'), /saving a snapshot from/);
  t.ok(run.logs.some((l) => l.level === 'INFO' && /snapshot .* written/.test(l.message)), 'juju-log got the outcome');
});

t.test('snapshot over TLS with client-certificate auth', async (t) => {
  const tls = await startEtcd({ tls: true });
  t.teardown(() => tls.cleanup());
  await tls.put('/registry/secrets/default/token', 'hush');
  const target = await tempDir(t, 'snap-tls');
  const run = await snapshot(t, configFor(tls), { target, 'keys-version': 'v3' });
  t.equal(run.status, 'completed', run.message ?? '');
  t.match(run.results, { snapshot: { path: String, 'total-keys': /^\d+$/ } });

  t.test('a CA that did not sign the server is a TLS error naming the endpoint', async (t) => {
    const dir = await tempDir(t, 'snap-tls-bad');
    const bad = await snapshot(t, configFor(tls, { 'etcd-ca': tls.certs!.otherCa }), { target: dir });
    t.equal(bad.exitCode, 0, 'actions exit 0 after action-fail');
    t.equal(bad.status, 'failed');
    t.match(bad.message, new RegExp(`TLS with etcd at ${tls.endpoint} failed.*etcd-ca`));
    t.same(await listDir(dir), []);
  });

  t.test('no client certificate is refused by etcd', async (t) => {
    const dir = await tempDir(t, 'snap-tls-nocert');
    const bad = await snapshot(t, configFor(tls, { 'etcd-cert': '', 'etcd-key': '' }), { target: dir });
    t.equal(bad.status, 'failed');
    // etcd's handshake refuses a client without a certificate: the message says TLS, names the endpoint and the options.
    const message = bad.message ?? '';
    t.strictSame(
      [message.startsWith(`reading the member list failed: TLS with etcd at ${tls.endpoint} failed (`), message.endsWith('); check etcd-ca, etcd-cert and etcd-key')],
      [true, true],
      message,
    );
    t.same(await listDir(dir), []);
  });

  t.test('a missing key file is named before etcd is asked', async (t) => {
    const dir = await tempDir(t, 'snap-tls-missing');
    const bad = await snapshot(t, configFor(tls, { 'etcd-key': '/nonexistent/client.key' }), { target: dir });
    t.equal(bad.status, 'failed');
    t.equal(bad.message, 'etcd-key file /nonexistent/client.key does not exist; set etcd-key to the right file or fix its permissions');
  });
});

t.test('bad input: a clear action-fail, exit 0, no file left behind', async (t) => {
  const cases: { name: string; config?: Record<string, unknown>; params?: Record<string, unknown>; message: RegExp }[] = [
    { name: 'unreachable endpoint', config: { 'etcd-endpoints': 'http://127.0.0.1:9' }, message: /etcd at http:\/\/127\.0\.0\.1:9 did not answer .*systemctl status snap\.etcd\.etcd/ },
    { name: 'missing etcdctl', config: { 'etcdctl-path': '/nonexistent/etcdctl' }, message: /\/nonexistent\/etcdctl was not found or is not executable.*etcdctl-path/ },
    { name: 'keys-version v2', params: { 'keys-version': 'v2' }, message: /keys-version="v2": the etcd v2 store no longer exists/ },
    { name: 'unknown param', params: { bogus: '1' }, message: /unknown param "bogus"/ },
    { name: 'invalid config', config: { 'etcd-endpoints': 'localhost:2379' }, message: /invalid config option etcd-endpoints="localhost:2379"/ },
  ];
  for (const c of cases) {
    t.test(c.name, async (t) => {
      const target = await tempDir(t, 'snap-bad');
      const run = await snapshot(t, configFor(etcd, c.config), { target, ...c.params });
      t.equal(run.exitCode, 0);
      t.equal(run.status, 'failed');
      t.match(run.message, c.message);
      t.notMatch(run.message, /\n|at .*\.js:\d+/, 'one line, no stack trace');
      t.same(await listDir(target), []);
    });
  }

  t.test('target under a regular file', async (t) => {
    const dir = await tempDir(t, 'snap-file');
    await writeFile(join(dir, 'plain'), 'x');
    const run = await snapshot(t, configFor(etcd), { target: join(dir, 'plain', 'snaps') });
    t.equal(run.status, 'failed');
    t.match(run.message, /cannot create target .*plain\/snaps|is not a directory/);
    t.same(await listDir(dir), ['plain']);
  });

  t.test('target that cannot be written', async (t) => {
    const run = await snapshot(t, configFor(etcd), { target: '/proc/etcd-snapshots' });
    t.equal(run.status, 'failed');
    t.match(run.message, /cannot create target \/proc\/etcd-snapshots/);
  });
});

t.test('a snapshot whose integrity hash is wrong is not kept', async (t) => {
  // etcd never streams a bad snapshot on demand, so a stand-in etcdctl corrupts what the real one saved.
  const bin = await tempDir(t, 'fake-etcdctl');
  const fake = join(bin, 'etcdctl');
  await writeFile(
    fake,
    // As etcd would stream a bad snapshot: the real save goes elsewhere, a corrupted copy is written as <file>.part
    // (as etcdctl writes it) and renamed.
    `#!/bin/sh\nfor last; do :; done\ncase " $* " in *" snapshot save "*) ;; *) exec /usr/bin/etcdctl "$@";; esac\n` +
      `n=$#; i=0; for a; do i=$((i+1)); [ $i -lt $n ] && set -- "$@" "$a"; done; shift $n\n` +
      `/usr/bin/etcdctl "$@" "$last.real" || exit $?\nprintf 'X' | dd of="$last.real" bs=1 seek=5000 conv=notrunc 2>/dev/null\ncp "$last.real" "$last.part" && rm "$last.real" && mv "$last.part" "$last"\n`,
  );
  await chmod(fake, 0o755);
  const target = await tempDir(t, 'snap-corrupt');
  const run = await snapshot(t, configFor(etcd, { 'etcdctl-path': fake }), { target });
  t.equal(run.status, 'failed');
  t.match(run.message, /failed its integrity check.*nothing was kept/);
  t.same(await listDir(target), []);
});

t.test('an action the charm does not know fails clearly; hooks with nothing to do exit 0 quietly', async (t) => {
  const sim = await createJujuSim({ config: configFor(etcd), params: {} });
  t.teardown(() => sim.cleanup());
  const run = await runDispatch(sim, { charmDir: CHARM_DIR, dispatchPath: 'actions/frobnicate' });
  t.equal(run.exitCode, 0);
  t.equal(run.status, 'failed');
  t.match(run.message, /^unknown action "frobnicate"; known actions: snapshot, restore, list-snapshots, verify-snapshot, prune-snapshots$/);
  for (const hook of ['leader-elected', 'cluster-relation-joined', 'cluster-relation-departed']) {
    const hookRun = await runDispatch(sim, { charmDir: CHARM_DIR, dispatchPath: `hooks/${hook}` });
    t.equal(hookRun.exitCode, 0, hook);
    t.equal(hookRun.stderr, '', `${hook} is quiet`);
  }
});

t.test('the hooks/ shims run dispatch for Juju without dispatch support', async (t) => {
  const sim = await createJujuSim({ config: configFor(etcd) });
  t.teardown(() => sim.cleanup());
  // cluster-relation-joined has nothing to do (leader-elected publishes the observability relations' data).
  const out = execFileSync(join(CHARM_DIR, 'hooks', 'cluster-relation-joined'), [], {
    cwd: CHARM_DIR,
    env: { ...sim.env(), JUJU_UNIT_NAME: 'etcd/0', JUJU_CHARM_DIR: CHARM_DIR, JUJU_HOOK_NAME: 'cluster-relation-joined' },
    encoding: 'utf8',
  });
  t.equal(out, '');
  const state = await sim.read();
  t.ok(state.logs.some((l) => l.message === 'hook cluster-relation-joined: nothing to do'), 'dispatch ran the cluster-relation-joined hook');
});
