import { localStore } from '../../src/store/local-store.ts';
import { execFileSync } from 'node:child_process';
import t from 'tap';
import { chmod, mkdtemp, readdir, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { etcdctlClient } from '../../src/etcd/etcdctl-client.ts';
import { resolveEtcdServer } from '../../src/etcd/etcd-binaries.ts';
import { freeLoopbackPorts } from '../../src/engine/loopback-ports.ts';
import { launchThrowawayEtcd } from '../../src/engine/throwaway-etcd.ts';
import { THROWAWAY_NAME } from '../../src/engine/throwaway-member.ts';
import { VERIFY_SCRATCH_PREFIX, verifySnapshot } from '../../src/engine/verify-snapshot.ts';
import { normalizeConfig } from '../../src/config/normalize-config.ts';
import { loadCharmFiles } from '../../src/charm/charm-files.ts';
import { execaRunner } from '../../src/process/execa-runner.ts';
import { systemClock } from '../../src/clock/clock.ts';
import { seedKubernetesKeys, startEtcd } from '../support/etcd/server.ts';
import { CHARM_DIR, configFor } from '../support/juju/charm-run.ts';
import { tempDir } from '../support/files/dirs.ts';

const etcd = await startEtcd();
t.teardown(() => etcd.cleanup());
await seedKubernetesKeys(etcd, 25);
const work = await tempDir(t, 'throwaway');
const db = join(work, 'snap.db');
await etcd.etcdctl(['snapshot', 'save', db]);
const charm = await loadCharmFiles(CHARM_DIR);
const config = normalizeConfig(configFor(etcd, { 'snapshot-dir': work, 'etcd-data-dir': etcd.dataDir }), charm.options);
const PATH = process.env.PATH ?? '';
const client = etcdctlClient(config, execaRunner, PATH);

const alive = (pid: number | undefined): boolean => {
  try {
    process.kill(pid ?? -1, 0);
    return true;
  } catch {
    return false;
  }
};

t.test('a port taken meanwhile: restored again on new ports, then it answers as the throwaway member', async (t) => {
  const blocker: Server = await new Promise((resolve) => {
    const server = createServer().listen({ port: 0, host: '127.0.0.1' }, () => resolve(server));
  });
  t.teardown(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
  const taken = (blocker.address() as { port: number }).port;
  let picks = 0;
  const pickPorts = async () => (++picks === 1 ? [(await freeLoopbackPorts(1))[0]!, taken] : freeLoopbackPorts(2));
  const scratch = await tempDir(t, 'throwaway-retry');
  const member = await launchThrowawayEtcd({ etcd: client, runner: execaRunner, clock: systemClock }, {
    binary: resolveEtcdServer(config, PATH), db, skipHashCheck: false, scratch, startTimeoutMs: 20_000, pickPorts,
  });
  t.equal(member.attempts, 2, 'the second start worked');
  t.same(await readdir(scratch), ['member-2'], 'the first attempt\'s data dir was removed');
  t.equal(member.info.members[0]?.name, THROWAWAY_NAME);
  t.ok(alive(member.pid), 'running');
  await member.stop();
  t.notOk(alive(member.pid), 'stopped');
  await member.stop();
});

t.test('verifySnapshot as a drill would call it: a bare db, outcome with counts and time', async (t) => {
  const parent = await tempDir(t, 'throwaway-drill');
  const lines: string[] = [];
  const outcome = await verifySnapshot({ etcd: client, runner: execaRunner, clock: systemClock, progress: async (line) => void lines.push(line) }, {
    source: db, snapshotDir: work, local: localStore(work), etcdPath: '', scratchParent: parent, startTimeoutMs: 20_000, requestTimeoutMs: 5_000,
  });
  t.equal(outcome.ok, true, outcome.reason ?? 'ok');
  t.equal(outcome.keyCount, await etcd.count());
  t.equal(outcome.liveRevision, outcome.revision);
  t.equal(outcome.format, 'bare-db');
  t.ok(outcome.seconds > 0 && outcome.seconds < 30, `took ${outcome.seconds}s`);
  t.same(await readdir(parent), [], `nothing left under ${VERIFY_SCRATCH_PREFIX}*`);
  t.comment(`verify of a ${outcome.totalKeys}-key bare db took ${outcome.seconds}s`);

  const missing = await verifySnapshot({ etcd: client, runner: execaRunner, clock: systemClock, progress: async () => undefined }, {
    source: db, snapshotDir: work, local: localStore(work), etcdPath: '/nonexistent/etcd', scratchParent: parent, startTimeoutMs: 20_000, requestTimeoutMs: 5_000,
  });
  t.match(missing, { ok: false, reason: /the etcd server binary \/nonexistent\/etcd was not found or is not executable; install etcd or set etcd-path/ });
  t.same(await readdir(parent), []);
});

t.test('the server binary: a snap launcher is refused, a missing one is named', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'fake-snap-'));
  t.teardown(() => import('node:fs/promises').then((fs) => fs.rm(dir, { recursive: true, force: true })));
  await writeFile(join(dir, 'snap'), '#!/bin/sh\n');
  await chmod(join(dir, 'snap'), 0o755);
  await symlink(join(dir, 'snap'), join(dir, 'etcd'));
  t.throws(() => resolveEtcdServer({ etcdPath: join(dir, 'etcd') }, PATH), /is a snap launcher that runs etcd with the unit's own config file; set etcd-path=\/snap\/etcd\/current\/bin\/etcd/);
  t.throws(() => resolveEtcdServer({ etcdPath: '/nonexistent/etcd' }, PATH), /\/nonexistent\/etcd was not found or is not executable/);
  t.equal(resolveEtcdServer({ etcdPath: '' }, PATH), execFileSync('sh', ['-c', 'command -v etcd'], { encoding: 'utf8' }).trim(), 'etcd on PATH when there is no snap');
});

t.test('start(): a missing program ends at once with notFound; stop() of an exited process resolves', async (t) => {
  const proc = await execaRunner.start('/nonexistent/server', [], {});
  const exit = await proc.exited;
  t.equal(exit.notFound, true);
  t.match(exit.message, /\/nonexistent\/server was not found/);
  t.equal(proc.hasExited(), true);
  await proc.stop();
  const sleeper = await execaRunner.start('sleep', ['30'], { dieWithParent: true });
  t.ok(alive(sleeper.pid));
  const ended = await sleeper.stop(1_000);
  t.equal(ended.signal, 'SIGTERM');
  t.notOk(alive(sleeper.pid));
});
