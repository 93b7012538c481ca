import type { CliCommand } from './option-groups.ts';

// One CLI command that runs an action: its name, the action, other names it answers to, its one-sentence summary,
// its positional params (`delete NAME`), and the params it needs outside Juju (restore's source: no resource here).
export interface ActionCommand {
  command: Exclude<CliCommand, 'schedule' | 'metrics'>;
  action: string;
  aliases: string[];
  summary: string;
  positional: string[];
  needs?: string[];
  // Params any of which, when given, stand in for `needs` (restore to a point finds its base itself).
  needsUnless?: string[];
}

// CLI command names and the actions they run (`etcd-agent list` runs list-snapshots).
export const COMMANDS: readonly ActionCommand[] = [
  { command: 'snapshot', action: 'snapshot', aliases: [], summary: 'Take a verified snapshot of etcd and write it as an archive with a .sha256 file.', positional: [] },
  { command: 'restore', action: 'restore', aliases: [], summary: 'Restore the local etcd member from a snapshot, keeping the current data to roll back to.', positional: [], needs: ['source'], needsUnless: ['to-time', 'to-revision'] },
  { command: 'list', action: 'list-snapshots', aliases: ['list-snapshots'], summary: 'List the snapshots in snapshot-dir (and S3 when configured), newest first.', positional: [] },
  { command: 'verify', action: 'verify-snapshot', aliases: ['verify-snapshot'], summary: 'Prove a snapshot restorable by restoring it into a throwaway etcd on loopback.', positional: [] },
  { command: 'prune', action: 'prune-snapshots', aliases: ['prune-snapshots'], summary: 'Apply snapshot-retention now: remove the oldest scheduled snapshots.', positional: [] },
  { command: 'delete', action: 'delete-snapshot', aliases: [], summary: 'Delete one snapshot of snapshot-dir by name, with its .sha256 file (never S3, never other files).', positional: ['name'] },
];

// The summaries of the commands that run no action.
export const SCHEDULE_SUMMARY = 'Take scheduled snapshots (snapshot-schedule) in the foreground, with retention, until SIGTERM.';
export const METRICS_SUMMARY = 'Print the metrics once in Prometheus text format, from the state file in snapshot-dir (for the textfile collector).';
export const COMPLETION_SUMMARY = 'Print a bash completion script (zsh when SHELL is zsh): etcd-agent completion >> ~/.bashrc.';
