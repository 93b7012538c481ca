import t from 'tap';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { renderSchedulerUnit, schedulerWritePaths } from '../../src/hooks/scheduler-unit.ts';
import { tempDir } from '../support/files/dirs.ts';

const context = { unit: 'etcd/0', agent: { node: '/var/lib/juju/agents/unit-etcd-0/charm/node/bin/node', main: '/var/lib/juju/agents/unit-etcd-0/charm/dist/agent/etcd-agent.mjs' } };
const configFile = '/var/lib/etcd-agent/etcd-0/config.yaml';
const defaults = { snapshotDir: '/home/ubuntu/etcd-snapshots', etcdDataDir: '/var/snap/etcd/current' };

t.test('the scheduler unit is sandboxed: it writes only the snapshot dir, beside the data dir and /run/lock', async (t) => {
  t.equal(
    renderSchedulerUnit(context, configFile, defaults),
    [
      '[Unit]',
      'Description=Scheduled etcd snapshots for etcd/0 (etcd-agent)',
      'After=network-online.target',
      '',
      '[Service]',
      'Type=simple',
      'Environment=MALLOC_MMAP_THRESHOLD_=65536',
      'ExecStart=/var/lib/juju/agents/unit-etcd-0/charm/node/bin/node --max-semi-space-size=1 --expose-gc /var/lib/juju/agents/unit-etcd-0/charm/dist/agent/etcd-agent.mjs schedule --config-file /var/lib/etcd-agent/etcd-0/config.yaml --unit etcd/0',
      'Restart=on-failure',
      'RestartSec=30',
      'KillSignal=SIGTERM',
      'TimeoutStopSec=30',
      'Nice=10',
      'IOSchedulingClass=idle',
      'ProtectSystem=strict',
      'ReadWritePaths=-/home/ubuntu/etcd-snapshots -/var/snap/etcd -/run/lock',
      'ProtectHome=read-only',
      'PrivateTmp=yes',
      'PrivateDevices=yes',
      'NoNewPrivileges=yes',
      'ProtectKernelTunables=yes',
      'ProtectKernelModules=yes',
      'ProtectKernelLogs=yes',
      'ProtectControlGroups=yes',
      'ProtectClock=yes',
      'ProtectHostname=yes',
      'RestrictSUIDSGID=yes',
      'RestrictRealtime=yes',
      'RestrictNamespaces=yes',
      'LockPersonality=yes',
      'SystemCallArchitectures=native',
      '',
      '[Install]',
      'WantedBy=multi-user.target',
      '',
    ].join('\n'),
  );
});

t.test('a snapshot dir beside the data dir is listed once', async (t) => {
  t.strictSame(schedulerWritePaths({ snapshotDir: '/var/lib/etcd', etcdDataDir: '/var/lib/etcd/etcd-agent' }), ['/var/lib/etcd', '/run/lock']);
});

t.test('systemd-analyze verify accepts the unit without a warning', async (t) => {
  const dir = await tempDir(t, 'scheduler-unit');
  const main = join(dir, 'etcd-agent.mjs');
  await writeFile(main, '');
  const file = join(dir, 'etcd-agent-scheduler-etcd-0.service');
  await writeFile(file, renderSchedulerUnit({ unit: 'etcd/0', agent: { node: process.execPath, main } }, join(dir, 'config.yaml'), { snapshotDir: join(dir, 'snapshots'), etcdDataDir: join(dir, 'etcd', 'member-data') }));
  const verify = await execa('systemd-analyze', ['verify', file], { reject: false });
  t.strictSame({ exitCode: verify.exitCode, stdout: verify.stdout, stderr: verify.stderr }, { exitCode: 0, stdout: '', stderr: '' });
});
