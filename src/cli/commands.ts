// CLI command names and the actions they run (`etcd-agent list` runs list-snapshots).
export const COMMANDS: { command: string; action: string; aliases: string[] }[] = [
  { command: 'snapshot', action: 'snapshot', aliases: [] },
  { command: 'restore', action: 'restore', aliases: [] },
  { command: 'list', action: 'list-snapshots', aliases: ['list-snapshots'] },
  { command: 'verify', action: 'verify-snapshot', aliases: ['verify-snapshot'] },
  { command: 'prune', action: 'prune-snapshots', aliases: ['prune-snapshots'] },
];
