import t from 'tap';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KEY_OMITTED_REASON } from '../../src/engine/take-snapshot.ts';
import { listDir, tempDir, unpack } from '../support/files/dirs.ts';
import { restoreUnit, snapshotPath } from '../support/juju/restore-unit.ts';

type Doc = Record<string, Record<string, string>>;

// The key file's bytes appear nowhere in the decompressed archive (tar headers and every member).
const carries = async (archive: string, bytes: Buffer): Promise<boolean> => execFileSync('gzip', ['-dc', archive], { maxBuffer: 1 << 28 }).includes(bytes);

t.test('a default snapshot over TLS bundles the CA and certificate, never the private key, and says so', async (t) => {
  const unit = await restoreUnit(t, 5, { tls: true });
  const tls = unit.etcd.tls!;
  const snap = await unit.run('snapshot', { target: unit.snapshotDir });
  t.equal(snap.status, 'completed', snap.message ?? '');
  const doc = snap.results as Doc;
  t.equal(doc.snapshot!['pki-files'], '2');
  t.equal(doc.snapshot!['pki-keys-omitted'], `${tls.key} (${KEY_OMITTED_REASON})`);
  t.equal(doc.snapshot!['pki-warning'], undefined);
  const out = await tempDir(t, 'unpacked');
  t.strictSame(await unpack(snapshotPath(snap), out), ['db', 'etcd-snapshot.json', 'pki']);
  const manifest = JSON.parse(await readFile(join(out, 'etcd-snapshot.json'), 'utf8')) as { pki: { path: string }[]; pkiKeysOmitted: unknown };
  t.strictSame(manifest.pki.map((f) => f.path), [tls.ca, tls.cert]);
  t.strictSame(manifest.pkiKeysOmitted, [{ path: tls.key, reason: KEY_OMITTED_REASON }]);
  t.equal(await carries(snapshotPath(snap), await readFile(tls.key)), false, 'no byte sequence of the key is in the archive');
  t.equal(await carries(snapshotPath(snap), await readFile(tls.cert)), true, 'the same check finds the certificate (it can see what it looks for)');
});

t.test('a private key listed in include-paths is honoured, with a warning in the results and the log', async (t) => {
  const unit = await restoreUnit(t, 5, { tls: true });
  const tls = unit.etcd.tls!;
  const config = { ...unit.config, 'include-paths': `${tls.ca} ${tls.key}` };
  const snap = await unit.run('snapshot', { target: unit.snapshotDir }, { config });
  t.equal(snap.status, 'completed', snap.message ?? '');
  const warning = `private key(s) ${tls.key} bundled in clear because include-paths lists them; anyone with this archive can impersonate etcd: set encryption-recipients`;
  t.equal((snap.results as Doc).snapshot!['pki-warning'], warning);
  t.equal((snap.results as Doc).snapshot!['pki-keys-omitted'], undefined);
  t.equal(snap.logs.filter((l) => l.level === 'WARNING' && l.message === warning).length, 1);
  t.equal(await carries(snapshotPath(snap), await readFile(tls.key)), true);
  t.equal(execFileSync('sha256sum', [snapshotPath(snap)], { encoding: 'utf8' }).split(' ')[0], (snap.results as Doc).snapshot!.sha256);
  t.strictSame((await listDir(unit.snapshotDir)).filter((n) => n.startsWith('.')), [], 'nothing hidden left');
});
