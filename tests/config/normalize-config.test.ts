import t from 'tap';
import { loadCharmFiles } from '../../src/charm/charm-files.ts';
import { normalizeConfig } from '../../src/config/normalize-config.ts';

const { options } = loadCharmFiles();

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
