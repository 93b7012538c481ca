import { join } from 'node:path';
import type { AgentConfig } from '../config/agent-config.ts';
import type { HookContext } from './hook-context.ts';

// The unit file etcd-install writes for its member: <unitDir>/<etcd-service>.service (in /etc/systemd/system it takes
// the place of the package's own /lib/systemd/system/etcd.service).
export const etcdUnitFile = (context: Pick<HookContext, 'paths'>, config: Pick<AgentConfig, 'etcdService'>): string => join(context.paths.unitDir, `${config.etcdService}.service`);

// What the member is started with.
export interface MemberSpec {
  binary: string;
  name: string;
  token: string;
}

// The systemd unit of the one member etcd-install runs: root (restore swaps its data dir), the agent's data dir,
// name, peer URL and client URLs; a new single-member cluster the first time, its own data after that.
export const renderEtcdUnit = (context: Pick<HookContext, 'unit'>, config: Pick<AgentConfig, 'etcdDataDir' | 'etcdEndpoints' | 'etcdPeerUrl'>, member: MemberSpec): string => {
  const clients = config.etcdEndpoints.join(',');
  const flags = [
    `--name=${member.name}`,
    `--data-dir=${config.etcdDataDir}`,
    `--listen-client-urls=${clients}`,
    `--advertise-client-urls=${clients}`,
    `--listen-peer-urls=${config.etcdPeerUrl}`,
    `--initial-advertise-peer-urls=${config.etcdPeerUrl}`,
    `--initial-cluster=${member.name}=${config.etcdPeerUrl}`,
    '--initial-cluster-state=new',
    `--initial-cluster-token=${member.token}`,
  ];
  return [
    '[Unit]',
    `Description=etcd member ${member.name} of ${context.unit} (installed by etcd-agent)`,
    'Documentation=man:etcd',
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=notify',
    `ExecStart=${member.binary} ${flags.join(' ')}`,
    'Restart=on-failure',
    'RestartSec=5',
    'LimitNOFILE=65536',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
};
