import t, { type Test } from 'tap';
import { execa } from 'execa';
import { join } from 'node:path';
import { startEtcd } from '../support/etcd/server.ts';
import { CHARM_DIR } from '../support/juju/charm-run.ts';
import { tempDir } from '../support/files/dirs.ts';

const BIN = join(CHARM_DIR, 'bin', 'etcd-agent');

// etcd over TLS on 127.0.0.1, as the default endpoint is: no TLS client of the agent sends an IP as the TLS
// server name (SNI carries host names only; Node warns `DeprecationWarning: Setting the TLS ServerName to an IP
// address is not permitted`).
const etcd = await startEtcd({ tls: true });
t.teardown(() => etcd.cleanup());
const tls = etcd.tls!;

// Each run has a data dir of its own, so the unit lock is its own and no other test's run waits for it.
const snapshot = (t: Test, ca: string) =>
  Promise.all([tempDir(t, 'tls-ip'), tempDir(t, 'tls-ip-member')]).then(([target, member]) =>
    execa(BIN, ['snapshot', '--verbose', '--etcd-endpoints', etcd.endpoint, '--etcd-timeout', '3', '--etcdctl-path', '/usr/bin/etcdctl', '--etcd-ca', ca, '--etcd-cert', tls.cert, '--etcd-key', tls.key, '--etcd-data-dir', join(member, 'data'), '--target', target], {
      reject: false,
      env: { NODE_OPTIONS: '' },
    }),
  );

const warnings = (stderr: string): string[] => stderr.split('\n').filter((line) => /Warning|--trace-deprecation/.test(line));

t.test('a snapshot over TLS to an IP endpoint succeeds with no warning on stderr', async (t) => {
  t.match(etcd.endpoint, /^https:\/\/127\.0\.0\.1:\d+$/);
  const run = await snapshot(t, tls.ca);
  t.equal(run.exitCode, 0, run.stderr);
  t.strictSame(warnings(run.stderr), []);
});

t.test('a CA that did not sign the server: the TLS probe names the failure, with no warning on stderr', async (t) => {
  const run = await snapshot(t, etcd.certs!.otherCa);
  t.equal(run.exitCode, 1);
  t.strictSame(warnings(run.stderr), []);
  t.equal(
    run.stderr.split('\n').at(-1),
    `error: reading the member list failed: TLS with etcd at ${etcd.endpoint} failed (unable to verify the first certificate; if the root CA is installed locally, try running Node.js with --use-system-ca); check etcd-ca, etcd-cert and etcd-key`,
  );
});
