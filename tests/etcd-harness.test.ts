import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { runEtcdctl } from './support/etcd/ctl.ts';
import { isHealthy } from './support/etcd/health.ts';
import { kubernetesKey, kubernetesValue, seedKubernetesKeys, startCluster, startEtcd } from './support/etcd/server.ts';
import { installEtcdService, runSystemctl } from './support/etcd/service.ts';
import { freePorts } from './support/net/ports.ts';

const QUICK = ['--dial-timeout=500ms', '--command-timeout=500ms'];

// The subtests use separate etcds on separate ports, so they can run side by side.
t.jobs = 3;

t.test('freePorts hands out distinct ports', async (t) => {
  const ports = await freePorts(6);
  t.equal(new Set(ports).size, 6);
  const more = await freePorts(6);
  t.equal(new Set([...ports, ...more]).size, 12, 'never the same port twice in one process');
});

t.test('plain etcd: put, get, count, seed, restart keeps data', async (t) => {
  const server = await startEtcd();
  t.teardown(() => server.cleanup());
  t.comment(`plain start took ${server.lastStartMs} ms`);
  t.match(server.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
  await server.put('/hello', 'world with spaces');
  await server.put('-dash', '-value');
  t.equal(await server.get('/hello'), 'world with spaces');
  t.equal(await server.get('-dash'), '-value');
  t.equal(await server.get('/missing'), undefined);
  t.equal(await server.count(), 2);
  const began = Date.now();
  await seedKubernetesKeys(server, 300);
  t.comment(`seeding 300 keys took ${Date.now() - began} ms`);
  t.equal(await server.count('/registry/'), 300);
  t.equal(await server.count('/registry/pods/'), 60);
  t.equal(await server.get('/registry/pods/default/pod-0'), kubernetesValue(0));
  t.equal(kubernetesKey(1), '/registry/services/specs/default/svc-1');
  await server.stop();
  t.notOk(server.running());
  t.notOk(await isHealthy(server.endpoint));
  await server.start();
  t.comment(`restart took ${server.lastStartMs} ms`);
  t.equal(await server.count(), 302, 'data survives a restart on the same data dir');
});

t.test('TLS etcd: the client cert works, no cert or the wrong CA fails', async (t) => {
  const server = await startEtcd({ tls: true });
  t.teardown(() => server.cleanup());
  t.comment(`TLS start took ${server.lastStartMs} ms`);
  t.match(server.endpoint, /^https:\/\/127\.0\.0\.1:\d+$/);
  const certs = server.certs;
  const tls = server.tls;
  if (certs === undefined || tls === undefined) throw new Error('TLS server without certs');
  for (const key of [certs.serverKey, certs.clientKey, certs.caKey]) t.equal((await stat(key)).mode & 0o777, 0o600, `${key} is 0600`);
  await server.put('/secure', 'yes');
  t.equal(await server.get('/secure'), 'yes');
  const get = ['get', '/secure', ...QUICK];
  // etcd refuses each handshake; etcdctl then says only that its deadline passed (the same get with the full TLS
  // material succeeded just above, so the difference is the TLS material).
  const refused = { name: 'ExecaError', message: /^Command failed with exit code 1: \S*etcdctl [\s\S]*\nError: context deadline exceeded$/ };
  await Promise.all([
    t.rejects(runEtcdctl(server.endpoint, get, { tls: { ca: tls.ca } }), refused, 'no client cert'),
    t.rejects(runEtcdctl(server.endpoint, get, { tls: { ...tls, ca: certs.otherCa } }), refused, 'wrong CA'),
    t.rejects(runEtcdctl(server.endpoint.replace('https', 'http'), get), refused, 'plain http'),
  ]);
});

t.test('a 3-member cluster', async (t) => {
  const members = await startCluster(3);
  t.teardown(() => Promise.all(members.map((m) => m.cleanup())));
  t.comment(`cluster start took ${Math.max(...members.map((m) => m.lastStartMs))} ms`);
  const [a, b] = members;
  if (a === undefined || b === undefined) throw new Error('cluster too small');
  const list = (await a.etcdctl(['member', 'list'])).trim().split('\n');
  t.equal(list.length, 3);
  for (const m of members) t.ok(list.some((line) => line.includes(m.name) && line.includes(m.peerUrl)), `${m.name} listed`);
  const all = `--endpoints=${members.map((m) => m.endpoint).join(',')}`;
  t.equal((await a.etcdctl(['endpoint', 'status', all])).trim().split('\n').length, 3, 'an --endpoints flag replaces the default one');
  await a.put('/replicated', 'value');
  t.equal(await b.get('/replicated'), 'value', 'written on one member, read on another');
});

t.test('systemctl stand-in runs an etcd unit', async (t) => {
  const server = await startEtcd();
  await seedKubernetesKeys(server, 20);
  const simDir = join(server.dataDir, '..', 'systemd');
  const service = await installEtcdService(simDir, 'etcd', server);
  t.teardown(async () => {
    await service.systemctl(['stop', 'etcd']);
    await server.cleanup();
  });
  t.notOk(server.running(), 'the harness no longer owns the process');
  t.has(await service.systemctl(['is-active', 'etcd']), { exitCode: 0, stdout: 'active' });
  t.ok(await isHealthy(server.endpoint));

  t.match(await service.systemctl(['stop', 'etcd.service']), { exitCode: 0 });
  t.has(await service.systemctl(['is-active', 'etcd']), { exitCode: 3, stdout: 'inactive' });
  t.notOk(await isHealthy(server.endpoint));

  t.match(await service.systemctl(['start', 'etcd']), { exitCode: 0 });
  t.has(await service.systemctl(['is-active', 'etcd']), { exitCode: 0, stdout: 'active' });
  t.equal(await server.count('/registry/'), 20, 'data intact after systemctl stop/start');

  await writeFile(join(simDir, 'etcd.fail-start'), '');
  t.match(await service.systemctl(['restart', 'etcd']), { exitCode: 1 });
  t.has(await service.systemctl(['is-active', 'etcd']), { exitCode: 3, stdout: 'inactive' });
  t.match(await service.systemctl(['start', 'etcd']), { exitCode: 1, stderr: /failed/ });

  t.match(await service.systemctl(['start', 'nope']), { exitCode: 5 });
  t.match(await service.systemctl(['daemon-reload']), { exitCode: 0 });
  const calls = (await readFile(join(simDir, 'calls.log'), 'utf8')).trim().split('\n');
  t.same(calls.slice(0, 4), ['enable --now etcd', 'is-active etcd', 'stop etcd.service', 'is-active etcd']);
  t.equal(calls.at(-1), 'daemon-reload');

  await rm(join(simDir, 'etcd.fail-start'));
  t.match(await service.systemctl(['start', 'etcd']), { exitCode: 0 });
  process.kill(Number((await readFile(service.pidFile, 'utf8')).trim()), 'SIGKILL');
  for (let i = 0; i < 100 && (await service.systemctl(['is-active', 'etcd'])).exitCode === 0; i++) await sleep(20);
  t.has(await service.systemctl(['is-active', 'etcd']), { exitCode: 3, stdout: 'failed' }, 'died on its own: failed');
  t.match(await service.systemctl(['start', 'etcd']), { exitCode: 0 });
  t.equal(await server.count('/registry/'), 20, 'data intact after a crash');
});


// Polls check every 20 ms for up to 5 s.
const waitUntil = async (check: () => Promise<boolean>): Promise<void> => {
  for (let i = 0; i < 250 && !(await check()); i++) await sleep(20);
};

t.test('systemctl stand-in: kill --kill-who=main signals only the main process; show tells known units from unknown', async (t) => {
  const simDir = await mkdtemp(join(tmpdir(), 'systemctl-kill-'));
  t.teardown(() => rm(simDir, { recursive: true, force: true }));
  const got = join(simDir, 'got-usr2');
  const childPid = join(simDir, 'child.pid');
  // The main process traps SIGUSR2 and runs a child that would die of it.
  const script = `trap 'echo usr2 >> ${got}' USR2; sleep 600 & echo $! > ${childPid}; while :; do sleep 0.05; done`;
  await writeFile(join(simDir, 'worker.json'), JSON.stringify({ command: ['/bin/sh', '-c', script] }));
  const systemctl = (args: string[]) => runSystemctl(simDir, args);
  t.teardown(() => systemctl(['stop', 'worker']));
  t.match(await systemctl(['kill', '--kill-who=main', '--signal=SIGUSR2', 'worker']), { exitCode: 1, stderr: 'Failed to kill unit worker.service: No main process to kill' });
  t.match(await systemctl(['start', 'worker']), { exitCode: 0 });
  await waitUntil(async () => (await readFile(childPid, 'utf8').catch(() => '')).trim() !== '');
  const child = Number((await readFile(childPid, 'utf8')).trim());
  t.match(await systemctl(['kill', '--kill-who=main', '--signal=SIGUSR2', 'worker']), { exitCode: 0 });
  await waitUntil(async () => (await readFile(got, 'utf8').catch(() => '')) !== '');
  t.equal(await readFile(got, 'utf8'), 'usr2\n', 'the main process got it');
  t.doesNotThrow(() => process.kill(child, 0), 'the child did not');
  t.has(await systemctl(['is-active', 'worker']), { exitCode: 0, stdout: 'active' });
  t.has(await systemctl(['show', '--property=LoadState', '--value', 'worker']), { exitCode: 0, stdout: 'loaded' });
  t.has(await systemctl(['show', '--property=LoadState', '--value', 'nope']), { exitCode: 0, stdout: 'not-found' });
});
