import t from 'tap';
import { execFileSync } from 'node:child_process';
import { chmod, copyFile, mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { failingStore } from '../../src/store/failing-store.ts';
import { localStore, type LocalStore } from '../../src/store/local-store.ts';
import { writeChecksumFile } from '../../src/archive/write-archive.ts';
import { sha256Hex } from '../support/files/tar-build.ts';
import { tempDir } from '../support/files/dirs.ts';
import { fakeManifest, makeArchive } from './archive-fixture.ts';
import { rejectsAgentError, storeContract } from './store-contract.ts';

const NAME = 'etcd-snapshot-2024-05-01-10.00.00.tar.gz';

// The local store is written by the snapshot engine, not through the store: an archive and its sidecar, 0600.
const putLocal = async (store: LocalStore, name: string, path: string): Promise<void> => {
  await mkdir(store.dir, { recursive: true, mode: 0o700 });
  await copyFile(path, join(store.dir, name));
  await chmod(join(store.dir, name), 0o600);
  await writeChecksumFile({ path: join(store.dir, name), sha256: sha256Hex(await readFile(path)), bytes: (await stat(path)).size });
};

t.test('the local store keeps the store contract', async (t) => {
  storeContract(t, async (t) => localStore(join(await tempDir(t, 'local-store'), 'snapshots')), putLocal);
});

t.test('the failing store fails every call with a clear error', async (t) => {
  const store = failingStore('connection refused by 127.0.0.1:9', 's3://bucket/etcd');
  t.equal(store.location, 's3://bucket/etcd');
  await rejectsAgentError(t, store.list(), /^listing snapshots in store s3:\/\/bucket\/etcd failed: connection refused by 127\.0\.0\.1:9$/, 'list');
  await rejectsAgentError(t, store.fetch(NAME), new RegExp(`^fetching ${NAME.replace(/\./g, '\\.')} in store s3://bucket/etcd failed`), 'fetch');
  const source = Readable.from([Buffer.from('x')]);
  await rejectsAgentError(t, store.save(NAME, source), /^saving .* failed: connection refused/, 'save');
  t.ok(source.destroyed, 'the source stream is released');
  await rejectsAgentError(t, store.delete(NAME), /^removing .* failed: connection refused/, 'delete');
  await rejectsAgentError(t, failingStore().list(), /^listing snapshots in store failing failed: the store is unavailable$/, 'defaults');
});

t.test('a missing directory lists nothing, and deleting from it is fine', async (t) => {
  const dir = join(await tempDir(t, 'local-missing'), 'not-yet');
  const store = localStore(dir);
  t.equal(store.location, 'local');
  t.equal(store.dir, dir);
  t.same(await store.list(), []);
  await store.delete(NAME);
  t.same(await readdir(join(dir, '..')), [], 'nothing was created');
});

t.test('list: only this charm archives, described from the sidecar and the first member', async (t) => {
  const dir = await tempDir(t, 'local-list');
  const a = await makeArchive(dir, 'etcd-snapshot-2024-05-01-10.00.00.tar.gz', { manifest: fakeManifest({ trigger: 'manual', revision: 3 }) });
  await makeArchive(dir, 'etcd-snapshot-2024-05-02-10.00.00.tar.gz', { manifest: fakeManifest(), checksum: false });
  await makeArchive(dir, 'etcd-snapshot-2024-05-03-10.00.00.tar.gz');
  const wrong = 'e'.repeat(64);
  await writeFile(join(dir, 'etcd-snapshot-2024-05-02-10.00.00.tar.gz.sha256'), `${wrong}  etcd-snapshot-2024-05-02-10.00.00.tar.gz\n`);
  await writeFile(join(dir, 'etcd-snapshot-2024-05-04-10.00.00.tar.gz'), 'garbage, not gzip');
  await writeFile(join(dir, 'etcd-snapshot-2024-05-04-10.00.00.tar.gz.sha256'), 'not a checksum line\n');
  await makeArchive(dir, 'etcd-snapshot-2024-05-05-10.00.00.tar.gz', { manifest: fakeManifest(), checksum: false });
  await writeFile(join(dir, 'etcd-snapshot-2024-05-05-10.00.00.tar.gz.sha256'), `${wrong}  etcd-snapshot-2024-05-01-10.00.00.tar.gz\n`);
  await writeFile(join(dir, 'etcd-snapshot-notes.txt'), 'notes');
  await writeFile(join(dir, '.etcd-snapshot-2024-05-06-10.00.00.tar.gz.partial-1-2'), 'being written');
  await writeFile(join(dir, 'etcd-snapshot-2024-05-07-10.00.00.tar.gz.sha256'), `${wrong}  etcd-snapshot-2024-05-07-10.00.00.tar.gz\n`);
  await mkdir(join(dir, 'etcd-snapshot-2024-05-08-10.00.00.tar.gz'));
  await symlink(a.path, join(dir, 'etcd-snapshot-2024-05-09-10.00.00.tar.gz'));
  await writeFile(join(dir, 'etcd-snapshot-2024-05-31-25.00.00.tar.gz'), 'impossible hour');

  const listed = await localStore(dir).list();
  t.same(listed.map((s) => s.name), [
    'etcd-snapshot-2024-05-05-10.00.00.tar.gz',
    'etcd-snapshot-2024-05-04-10.00.00.tar.gz',
    'etcd-snapshot-2024-05-03-10.00.00.tar.gz',
    'etcd-snapshot-2024-05-02-10.00.00.tar.gz',
    'etcd-snapshot-2024-05-01-10.00.00.tar.gz',
  ]);
  const [fifth, fourth, third, second, first] = listed;
  t.equal(fifth?.sha256, undefined, 'a sidecar naming another file is ignored');
  t.match(fourth, { sha256: undefined, manifest: undefined, trigger: undefined }, 'garbage: no manifest, malformed sidecar ignored');
  t.match(third, { manifest: undefined, trigger: undefined }, 'legacy archive without a manifest');
  t.equal(second?.sha256, wrong, 'the sidecar is believed, the archive never hashed on list');
  t.match(first, { sha256: a.sha256, trigger: 'manual', manifest: { revision: 3 }, bytes: a.bytes });
  t.equal(first?.created.toISOString(), '2024-05-01T10:00:00.000Z');
  const du = execFileSync('du', ['-B1', a.path], { encoding: 'utf8' }).split('\t')[0];
  t.equal(String(first?.diskBytes), du, 'diskBytes is what du counts');
});

t.test('delete removes the archive and its sidecar, nothing else', async (t) => {
  const dir = await tempDir(t, 'local-delete');
  await makeArchive(dir, NAME, { manifest: fakeManifest() });
  await writeFile(join(dir, 'etcd-snapshot-notes.txt'), 'notes');
  await localStore(dir).delete(NAME);
  t.same(await readdir(dir), ['etcd-snapshot-notes.txt']);
});

t.test('a snapshot-dir that is a file, or unreadable, is a clear error', async (t) => {
  const dir = await tempDir(t, 'local-bad');
  await writeFile(join(dir, 'plain'), 'x');
  await rejectsAgentError(t, localStore(join(dir, 'plain')).list(), /cannot list snapshots in store local \(.*plain\) \(not a directory\)/, 'a file');
});

// Root reads any directory, and CI runs as root: the unreadable case runs in a child as the unprivileged nobody.
t.test('an unreadable snapshot-dir is a clear error (as a user who cannot read it)', async (t) => {
  const dir = await tempDir(t, 'local-locked');
  await chmod(dir, 0o755);
  const locked = join(dir, 'locked');
  await mkdir(locked, { mode: 0o000 });
  t.teardown(() => chmod(locked, 0o700));
  const script = `import { localStore } from ${JSON.stringify(join(import.meta.dirname, '..', '..', 'src', 'store', 'local-store.ts'))};
await localStore(${JSON.stringify(locked)}).list().then(() => console.log('listed'), (e) => console.log(e.name + ': ' + e.message));`;
  const asNobody = process.getuid?.() === 0 ? ['/usr/bin/setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', '--'] : [];
  const [cmd, ...args] = [...asNobody, process.execPath, '--input-type=module', '-e', script];
  const out = execFileSync(cmd as string, args, { encoding: 'utf8', cwd: '/' }).trim();
  t.equal(out, `AgentError: cannot list snapshots in store local (${locked}) (permission denied)`);
});

