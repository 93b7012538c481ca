import t, { type Test } from 'tap';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { restoreSnapshot, REVISION_BUMP, type RestoreRequest } from '../../src/engine/restore-snapshot.ts';
import { journalPath, readJournal, type RestoreJournal } from '../../src/engine/restore-journal.ts';
import { finishInterruptedRestore } from '../../src/engine/settle-restore.ts';
import { AgentError } from '../../src/errors/agent-error.ts';
import { makeArchive, fakeManifest } from '../store/archive-fixture.ts';
import { fakeDb } from '../support/files/fake-db.ts';
import { fakeClock, type FakeClock } from '../fakes/fake-clock.ts';
import { fakeEtcd, notAnswering, readFakeData, writeFakeData, type FakeEtcd } from '../fakes/fake-etcd.ts';
import { fakeHookTools, type FakeHookTools } from '../fakes/fake-hook-tools.ts';
import { fakeService, startFailure, stopFailure, type FakeService } from '../fakes/fake-service.ts';
import { FAILED, FRESH, JOURNAL, PREVIOUS, SERVICE } from '../fakes/restore-names.ts';

// restoreSnapshot in process, on a real temp dir, with fake etcd, systemd, Juju and clock: every way a restore can
// end, rollbacks included, each with the exact message, the directories it leaves and the service calls it made.

// The old data the unit runs on, and what the snapshot restores (revision 42 plus the bump, 7 keys).
const OLD = { revision: 10, keys: 3 };
const RESTORED_REVISION = 42 + REVISION_BUMP;
const RESTORED = { revision: RESTORED_REVISION, keys: 7 };
const HEALTH_TIMEOUT_MS = 30_000;
const NOT_ANSWERING = notAnswering().message;

const tempDir = async (t: Test, prefix: string): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), `${prefix}-`));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
};

// A db as etcd streams it: a bbolt header and body of 512 bytes, then the SHA-256 of those 512 bytes.
const body = fakeDb(Buffer.alloc(480, 'k'));
const DB = Buffer.concat([body, createHash('sha256').update(body).digest()]);
const sources = await mkdtemp(join(tmpdir(), 'restore-snapshot-sources-'));
t.teardown(() => rm(sources, { recursive: true, force: true }));
const manifest = fakeManifest({ revision: 42, totalKeys: 7, keyCount: 7, size: DB.length, dbSha256: createHash('sha256').update(DB).digest('hex') });
const ARCHIVE = (await makeArchive(sources, 'etcd-snapshot-2024-04-30-09.00.00.tar.gz', { manifest, db: DB })).path;

// One unit: the old data in parent/data, etcd running on it, and the fakes around it.
interface Unit {
  parent: string;
  dataDir: string;
  clock: FakeClock;
  service: FakeService;
  etcd: FakeEtcd;
  tools: FakeHookTools;
  lines: string[];
  // Called with each progress line as it is written (a way to act at a phase).
  onLine?: (line: string) => void;
  request: RestoreRequest;
  restore(): Promise<unknown>;
  // The names in parent, sorted.
  listing(): Promise<string[]>;
  path(name: string): string;
}

const unit = async (t: Test): Promise<Unit> => {
  const parent = await tempDir(t, 'restore-snapshot');
  const dataDir = join(parent, 'data');
  await writeFakeData(dataDir, OLD);
  const clock = fakeClock();
  const service = fakeService({ active: [SERVICE] });
  // etcd answers while its service runs, from whatever data dir is in place.
  const etcd = fakeEtcd({ dataDir, up: () => service.running(SERVICE) });
  const tools = fakeHookTools();
  const lines: string[] = [];
  const request: RestoreRequest = {
    source: ARCHIVE,
    sha256: '',
    backupDir: join(parent, 'backups'),
    skipBackup: true,
    bumpRevision: true,
    searchDirs: [],
    dataDir,
    serviceName: SERVICE,
    memberName: 'etcd0',
    peerUrl: 'https://10.0.0.1:2380',
    endpoint: 'https://10.0.0.1:2379',
    recipients: [],
    includePaths: [],
    restorePki: false,
    unit: 'etcd/0',
    healthTimeoutMs: HEALTH_TIMEOUT_MS,
  };
  const u: Unit = {
    parent, dataDir, clock, service, etcd, tools, lines, request,
    restore: () => restoreSnapshot({ etcd, service, tools, clock, progress: async (line) => {
      lines.push(line);
      u.onLine?.(line);
    } }, request),
    listing: async () => (await readdir(parent)).sort(),
    path: (name) => join(parent, name),
  };
  return u;
};

// The error a restore rejected with.
const failure = async (t: Test, run: Promise<unknown>): Promise<Error> => {
  const error = await run.then(() => undefined, (e: unknown) => e);
  t.type(error, AgentError, 'an AgentError, written for the operator');
  return error as Error;
};

t.test('success: the restored data in place, the old data kept beside it, the journal gone, etcd stopped and started once', async (t) => {
  const u = await unit(t);
  t.strictSame(await u.listing(), ['data']);
  const outcome = (await u.restore()) as Awaited<ReturnType<typeof restoreSnapshot>>;
  t.strictSame(await u.listing(), ['data', PREVIOUS]);
  t.strictSame(await readFakeData(u.dataDir), RESTORED, 'etcd data is the snapshot, revision bumped');
  t.strictSame(await readFile(join(u.dataDir, 'member', 'snap', 'db')), DB, 'the restore got the archive\'s db');
  t.strictSame(await readFakeData(u.path(PREVIOUS)), OLD, 'the old data is kept');
  t.strictSame(u.service.calls, [`stop ${SERVICE}`, `is-active ${SERVICE}`, `start ${SERVICE}`]);
  t.strictSame(u.etcd.calls.map((c) => c.method), ['cluster', 'restoreTool', 'restore', 'cluster', 'keyCount']);
  t.strictSame(u.etcd.calls[2]?.args[1], {
    dataDir: u.path(FRESH), name: 'etcd0', peerUrl: 'https://10.0.0.1:2380', clusterToken: (u.etcd.calls[2]?.args[1] as { clusterToken: string }).clusterToken,
    skipHashCheck: true, bumpRevision: REVISION_BUMP,
  });
  t.match((u.etcd.calls[2]?.args[1] as { clusterToken: string }).clusterToken, /^etcd-restore-[0-9a-f-]{36}$/, 'a new cluster token');
  t.strictSame(u.etcd.calls[4]?.args, [RESTORED_REVISION], 'keys counted at the snapshot\'s revision');
  t.match(outcome, {
    label: ARCHIVE, path: ARCHIVE, dataDir: u.dataDir, previousDataDir: u.path(PREVIOUS), backup: undefined, backupSkipped: 'skip-backup=true',
    revision: RESTORED_REVISION, revisionBump: String(REVISION_BUMP), pkiRestored: [], snapshot: { format: 'agent', hashCheck: 'verified' },
  });
  t.strictSame(u.lines, [
    `checking ${ARCHIVE}`,
    `${ARCHIVE}: agent, revision 42, 7 keys, integrity hash verified`,
    `restoring into ${u.path(FRESH)} with etcdutl`,
    `stopping ${SERVICE}`,
    `starting ${SERVICE} on the restored data`,
  ]);
  t.strictSame(u.clock.sleeps, [], 'etcd answered at once: no wait');
});

t.test('refused before any change: the restore tool fails halfway, its fresh dir goes, nothing is stopped, no journal stays', async (t) => {
  const u = await unit(t);
  let journalDuring: unknown;
  u.etcd.options.restore = async (_db, options) => {
    journalDuring = (await readJournal(u.dataDir) as RestoreJournal).phase;
    await writeFakeData(options.dataDir, RESTORED);
    throw new AgentError('/usr/bin/etcdutl snapshot restore failed: snapshot file has wrong CRC');
  };
  const error = await failure(t, u.restore());
  t.equal(error.message, '/usr/bin/etcdutl snapshot restore failed: snapshot file has wrong CRC');
  t.equal(journalDuring, 'prepared', 'the journal was written before the fresh dir');
  t.strictSame(await u.listing(), ['data']);
  t.strictSame(await readFakeData(u.dataDir), OLD);
  t.strictSame(u.service.calls, []);
});

t.test('refused before any change: the safety snapshot fails, nothing is restored', async (t) => {
  const u = await unit(t);
  u.request.skipBackup = false;
  const error = await failure(t, u.restore());
  t.equal(
    error.message,
    'the safety snapshot of the current data failed, nothing was changed: the snapshot etcd streamed failed its integrity check (appended SHA-256 missing or wrong); nothing was kept; take the snapshot again; fix it or pass skip-backup=true',
  );
  t.strictSame(await u.listing(), ['backups', 'data']);
  t.strictSame(await readdir(u.path('backups')), [], 'the failed safety snapshot left nothing');
  t.strictSame(u.service.calls, []);
  t.notOk(u.etcd.calls.some((c) => c.method === 'restore'), 'no restore was attempted');
});

t.test('with a safety snapshot: the current data is archived first, then restored over', async (t) => {
  const u = await unit(t);
  u.request.skipBackup = false;
  u.etcd.options.save = (file: string) => writeFile(file, DB);
  const outcome = (await u.restore()) as Awaited<ReturnType<typeof restoreSnapshot>>;
  t.equal(outcome.backupSkipped, undefined);
  t.equal(outcome.backup?.path, join(u.path('backups'), 'etcd-snapshot-2024-05-01-10.00.00.tar.gz'));
  t.strictSame((await readdir(u.path('backups'))).sort(), ['etcd-snapshot-2024-05-01-10.00.00.tar.gz', 'etcd-snapshot-2024-05-01-10.00.00.tar.gz.sha256']);
  t.strictSame(await u.listing(), ['backups', 'data', PREVIOUS]);
  t.strictSame(await readFakeData(u.dataDir), RESTORED);
});

t.test('a stop that does not stop: refused, the data untouched, the fresh dir removed, no journal', async (t) => {
  const u = await unit(t);
  u.service.options.stopDoesNotStop = true;
  const error = await failure(t, u.restore());
  t.equal(error.message, `${SERVICE} is still active after systemctl stop; nothing was changed`);
  t.strictSame(await u.listing(), ['data']);
  t.strictSame(await readFakeData(u.dataDir), OLD);
  // Still running, so the undo does not start it again.
  t.strictSame(u.service.calls, [`stop ${SERVICE}`, `is-active ${SERVICE}`, `is-active ${SERVICE}`]);
  t.equal(u.service.running(SERVICE), true);
});

t.test('a stop that fails: refused with systemctl\'s reason, the data untouched, no journal', async (t) => {
  const u = await unit(t);
  u.service.options.stopFails = 'once';
  const error = await failure(t, u.restore());
  t.equal(error.message, stopFailure(SERVICE));
  t.strictSame(await u.listing(), ['data']);
  t.strictSame(await readFakeData(u.dataDir), OLD);
  t.strictSame(u.service.calls, [`stop ${SERVICE}`, `is-active ${SERVICE}`]);
});

t.test('a stop that stopped etcd but failed, and a start that fails: the message says etcd is down and how to start it', async (t) => {
  const u = await unit(t);
  // etcd goes down as the restore stops it, yet systemctl reports a failure (a stop that timed out after killing).
  u.onLine = (line) => {
    if (line !== `stopping ${SERVICE}`) return;
    u.service.options.stopDoesNotStop = false;
    void u.service.stop(SERVICE);
    u.service.options.stopFails = 'once';
    u.service.options.startFails = 'always';
  };
  const error = await failure(t, u.restore());
  t.equal(error.message, `${stopFailure(SERVICE)}; and etcd could not be started again (${startFailure(SERVICE)}): run systemctl start ${SERVICE}`);
  t.strictSame(await u.listing(), ['data'], 'the data untouched, the fresh dir and the journal gone');
  t.strictSame(await readFakeData(u.dataDir), OLD);
});

t.test('a rollback whose stop does not stop moves no data under the running etcd', async (t) => {
  const u = await unit(t);
  // etcd starts on the restored data but never answers; from then on systemctl stop leaves it running.
  u.onLine = (line) => {
    if (line === `starting ${SERVICE} on the restored data`) u.service.options.stopDoesNotStop = true;
  };
  u.etcd.options.up = () => false;
  const error = await failure(t, u.restore());
  t.equal(
    error.message,
    `restore failed: etcd did not become healthy within 30s (${NOT_ANSWERING}); ROLLBACK FAILED too: ${SERVICE} is still active after systemctl stop; no data was moved; the previous data is at ${u.path(PREVIOUS)}: run mv ${u.dataDir} ${u.path(FAILED)} && mv ${u.path(PREVIOUS)} ${u.dataDir} && rm ${journalPath(u.dataDir)} && systemctl start ${SERVICE}`,
  );
  t.strictSame(await u.listing(), [JOURNAL, 'data', PREVIOUS], 'nothing moved: the restored data in place, the previous data kept');
  t.strictSame(await readFakeData(u.dataDir), RESTORED);
});

// The message of a restore that failed after the swap and was rolled back.
const rolledBack = (u: Unit, reason: string): string =>
  `restore failed: ${reason}; previous data restored and etcd started again (the failed attempt is kept at ${u.path(FAILED)})`;

// After a rollback: the old data back in place and served, the failed attempt kept, no journal, no fresh dir.
const assertRolledBack = async (t: Test, u: Unit, failedData: unknown): Promise<void> => {
  t.strictSame(await u.listing(), ['data', FAILED]);
  t.strictSame(await readFakeData(u.dataDir), OLD, 'the old data is back');
  t.strictSame(await readFakeData(u.path(FAILED)), failedData, 'the failed attempt is kept');
  t.equal(u.service.running(SERVICE), true, 'etcd runs');
  t.strictSame(await u.etcd.cluster().then((c) => c.revision), OLD.revision, 'and serves the old data');
};

// The restore's stop, check and start; then the rollback's stop, its check that etcd really stopped (no data moves
// under a running etcd), the check before starting, and the start.
const ROLLBACK_CALLS = [`stop ${SERVICE}`, `is-active ${SERVICE}`, `start ${SERVICE}`, `stop ${SERVICE}`, `is-active ${SERVICE}`, `is-active ${SERVICE}`, `start ${SERVICE}`];

t.test('start fails on the restored data: rolled back, etcd started again on the old data', async (t) => {
  const u = await unit(t);
  u.service.options.startFails = 'once';
  const error = await failure(t, u.restore());
  t.equal(error.message, rolledBack(u, startFailure(SERVICE)));
  await assertRolledBack(t, u, RESTORED);
  t.strictSame(u.service.calls, ROLLBACK_CALLS);
  t.equal(u.lines.at(-2), `restore failed (${startFailure(SERVICE)}); putting the previous data back`);
  t.equal(u.lines.at(-1), `putting the previous data back (${startFailure(SERVICE)})`);
});

t.test('the health wait times out (etcd never answers on the restored data): rolled back, no real wait', async (t) => {
  const u = await unit(t);
  u.etcd.options.restored = () => ({ ...RESTORED, answers: false });
  const error = await failure(t, u.restore());
  t.equal(error.message, rolledBack(u, `etcd did not become healthy within 30s (${NOT_ANSWERING})`));
  await assertRolledBack(t, u, { ...RESTORED, answers: false });
  t.strictSame(u.service.calls, ROLLBACK_CALLS);
  t.strictSame(u.clock.sleeps, Array<number>(HEALTH_TIMEOUT_MS / 500).fill(500), 'polled every 500ms until the deadline, on the fake clock');
});

t.test('etcd comes up below the snapshot\'s revision: rolled back', async (t) => {
  const u = await unit(t);
  u.etcd.options.restored = () => ({ revision: 41, keys: 7 });
  const error = await failure(t, u.restore());
  t.equal(error.message, rolledBack(u, `etcd came up at revision 41, below the snapshot's ${RESTORED_REVISION}`));
  await assertRolledBack(t, u, { revision: 41, keys: 7 });
  t.strictSame(u.service.calls, ROLLBACK_CALLS);
});

t.test('etcd holds fewer keys than the manifest counted: rolled back', async (t) => {
  const u = await unit(t);
  u.etcd.options.restored = () => ({ revision: RESTORED_REVISION, keys: 5 });
  const error = await failure(t, u.restore());
  t.equal(error.message, rolledBack(u, `etcd holds 5 keys at revision ${RESTORED_REVISION}, the snapshot had 7`));
  await assertRolledBack(t, u, { revision: RESTORED_REVISION, keys: 5 });
});

t.test('the rollback fails too (etcd will not start at all): ROLLBACK FAILED, the fix command, the journal kept', async (t) => {
  const u = await unit(t);
  u.service.options.startFails = 'always';
  const error = await failure(t, u.restore());
  const fix = `rm ${journalPath(u.dataDir)} && systemctl start ${SERVICE}`;
  t.equal(
    error.message,
    `restore failed: ${startFailure(SERVICE)}; ROLLBACK FAILED too: ${startFailure(SERVICE)}; the previous data is back in ${u.dataDir}: run ${fix}`,
  );
  t.ok(error.message.endsWith(`run ${fix}`));
  t.strictSame(await u.listing(), [JOURNAL, 'data', FAILED], 'the old data was moved back before the start failed');
  t.strictSame(await readFakeData(u.dataDir), OLD);
  t.strictSame(u.service.calls, ROLLBACK_CALLS);
  t.equal(u.service.running(SERVICE), false);
  const journal = (await readJournal(u.dataDir)) as RestoreJournal;
  t.match(journal, { phase: 'rolling-back', reason: startFailure(SERVICE), fresh: u.path(FRESH), previous: u.path(PREVIOUS), failed: u.path(FAILED), hadData: true });

  // The next run settles it once etcd can start.
  u.service.options.startFails = 'never';
  const message = await finishInterruptedRestore({ etcd: u.etcd, service: u.service, clock: u.clock, progress: async () => undefined, healthTimeoutMs: HEALTH_TIMEOUT_MS }, journal);
  t.equal(message, `the restore from ${ARCHIVE} interrupted at rolling-back (${journal.updated}) was rolled back; etcd runs on the previous data`);
  await assertRolledBack(t, u, RESTORED);
});

t.test('the rollback fails too (etcd never answers, not even on the old data): ROLLBACK FAILED naming the timeout', async (t) => {
  const u = await unit(t);
  u.etcd.options.up = () => u.service.running(SERVICE) && !u.service.calls.includes(`start ${SERVICE}`);
  const error = await failure(t, u.restore());
  const timeout = `etcd did not become healthy within 30s (${NOT_ANSWERING})`;
  t.equal(
    error.message,
    `restore failed: ${timeout}; ROLLBACK FAILED too: ${timeout}; the previous data is back in ${u.dataDir}: run rm ${journalPath(u.dataDir)} && systemctl start ${SERVICE}`,
  );
  t.strictSame(await u.listing(), [JOURNAL, 'data', FAILED]);
  t.equal((await readJournal(u.dataDir) as RestoreJournal).phase, 'rolling-back');
  // The deadline counts from each wait's own start: two full waits on the fake clock.
  t.equal(u.clock.sleeps.length, 2 * (HEALTH_TIMEOUT_MS / 500));
});
