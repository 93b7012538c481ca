import t from 'tap';
import { loadCharmFiles } from '../../src/charm/charm-files.ts';
import { normalizeConfig } from '../../src/config/normalize-config.ts';

const { options } = await loadCharmFiles();

t.test('defaults match the Charmed Kubernetes etcd snap', async (t) => {
  const config = normalizeConfig({}, options);
  t.same(config.etcdEndpoints, ['https://127.0.0.1:2379']);
  t.equal(config.etcdCa, '/var/snap/etcd/common/ca.crt');
  t.equal(config.etcdService, 'snap.etcd.etcd');
  t.equal(config.etcdTimeoutMs, 30_000);
  t.equal(config.s3, undefined);
});

t.test('every bad value is named with the value it got', async (t) => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ 'etcd-endpoints': 'localhost' }, /etcd-endpoints="localhost"/],
    [{ 'etcd-endpoints': 'ftp://x:1' }, /etcd-endpoints="ftp:\/\/x:1".*http/],
    [{ 'etcd-endpoints': 'http://127.0.0.1' }, /needs a port/],
    [{ 'snapshot-retention': 0 }, /snapshot-retention=0: must be at least 1/],
    [{ 'etcd-timeout': 'soon' }, /etcd-timeout="soon": must be a whole number/],
    [{ 'etcd-ca': 'relative/ca.crt' }, /etcd-ca="relative\/ca.crt": must be an absolute path/],
    [{ 's3-force-path-style': 'yes' }, /s3-force-path-style="yes"/],
    [{ 'etcd-peer-url': 'peer' }, /etcd-peer-url="peer"/],
    [{ 'no-such-option': 1 }, /unknown config option no-such-option/],
  ];
  for (const [raw, message] of cases) t.throws(() => normalizeConfig(raw, options), { name: 'UsageError', message }, JSON.stringify(raw));
});

t.test('several endpoints, the first is used for snapshots', async (t) => {
  t.same(normalizeConfig({ 'etcd-endpoints': 'http://127.0.0.1:1, http://127.0.0.1:2/' }, options).etcdEndpoints, ['http://127.0.0.1:1', 'http://127.0.0.1:2']);
});

t.test('security defaults: the private key only into encrypted archives, plain http only to loopback', async (t) => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'pki-defaults-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const tls = { 'etcd-endpoints': 'https://127.0.0.1:2379', 'etcd-ca': join(dir, 'ca.crt'), 'etcd-cert': join(dir, 'server.crt'), 'etcd-key': join(dir, 'server.key') };
  for (const file of [tls['etcd-ca'], tls['etcd-cert'], tls['etcd-key']]) writeFileSync(file, 'x');
  const plain = normalizeConfig(tls, options);
  t.strictSame(plain.includePaths, [tls['etcd-ca'], tls['etcd-cert']]);
  t.strictSame(plain.pkiKeysOmitted, [tls['etcd-key']]);
  const recipient = 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p';
  const encrypted = normalizeConfig({ ...tls, 'encryption-recipients': recipient }, options);
  t.strictSame(encrypted.includePaths, [tls['etcd-ca'], tls['etcd-cert'], tls['etcd-key']]);
  t.strictSame(encrypted.pkiKeysOmitted, []);
  const explicit = normalizeConfig({ ...tls, 'include-paths': tls['etcd-key'] }, options);
  t.strictSame([explicit.includePaths, explicit.pkiKeysOmitted], [[tls['etcd-key']], []], 'an explicit list is honoured as given');

  const s3 = { 's3-bucket': 'backups', 's3-access-key': 'a', 's3-secret-key': 'b' };
  for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '[::1]']) {
    t.equal(normalizeConfig({ ...s3, 's3-endpoint': `http://${host}:9000` }, options).s3?.endpoint, `http://${host}:9000`);
  }
  t.throws(() => normalizeConfig({ ...s3, 's3-endpoint': 'http://10.0.0.5:9000' }, options), {
    name: 'UsageError',
    message:
      'invalid config option s3-endpoint="http://10.0.0.5:9000": is plain http to another host, so credentials and snapshots would cross the network unencrypted; use https://, or set s3-allow-http=true to accept that',
  });
  t.equal(normalizeConfig({ ...s3, 's3-endpoint': 'http://10.0.0.5:9000', 's3-allow-http': true }, options).s3?.allowHttp, true);
});

t.test('etcd-install: off by default and when the charm has no such option; while on, unset options name the installed member', async (t) => {
  t.equal(normalizeConfig({}, options).etcdInstall, false);
  const { 'etcd-install': _dropped, ...subordinate } = options;
  t.equal(_dropped?.type, 'boolean');
  t.equal(normalizeConfig({}, subordinate).etcdInstall, false, 'absent from the options reads as false');
  t.throws(() => normalizeConfig({ 'etcd-install': true }, subordinate), { name: 'UsageError', message: 'unknown config option etcd-install; see config.yaml for the options' });
  const on = normalizeConfig({ 'etcd-install': true }, options);
  t.strictSame(
    { install: on.etcdInstall, service: on.etcdService, dataDir: on.etcdDataDir, endpoints: on.etcdEndpoints, peer: on.etcdPeerUrl, includePaths: on.includePaths },
    { install: true, service: 'etcd', dataDir: '/var/lib/etcd/etcd-agent', endpoints: ['http://127.0.0.1:2379'], peer: 'http://127.0.0.1:2380', includePaths: [] },
  );
  const set = normalizeConfig({ 'etcd-install': 'true', 'etcd-service': 'etcd-member', 'etcd-endpoints': 'http://127.0.0.1:12379' }, options);
  t.strictSame([set.etcdService, set.etcdEndpoints, set.etcdDataDir], ['etcd-member', ['http://127.0.0.1:12379'], '/var/lib/etcd/etcd-agent'], 'options that are set win');
  t.throws(() => normalizeConfig({ 'etcd-install': 'yes' }, options), { name: 'UsageError', message: 'invalid config option etcd-install="yes": must be true or false' });
});
