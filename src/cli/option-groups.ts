// Which CLI command reads which charm config option, and under which heading its --help lists it: the one table
// the CLI's option handling is built from. tests/cli/option-groups.test.ts checks every option of config.yaml is here.

// The CLI's commands that read config options.
export type CliCommand = 'snapshot' | 'restore' | 'list' | 'verify' | 'prune' | 'delete' | 'schedule' | 'metrics';

// --help headings, in the order they are listed.
export const GROUPS = {
  etcd: 'etcd connection:',
  member: 'etcd member:',
  snapshots: 'Snapshots:',
  encryption: 'Encryption:',
  s3: 'S3 store:',
  schedule: 'Schedule:',
  other: 'Other options:',
} as const;

// A --help heading.
export type Group = keyof typeof GROUPS;

// An option the CLI offers: its heading and the commands that read it.
export interface OptionUse {
  group: Group;
  commands: readonly CliCommand[];
}

// An option only Juju has, and what to use outside it instead.
export interface JujuOnly {
  jujuOnly: string;
}

const ENGINE: readonly CliCommand[] = ['snapshot', 'restore', 'list', 'verify', 'prune', 'delete', 'schedule'];
const TAKES: readonly CliCommand[] = ['snapshot', 'restore', 'schedule'];
const LOCKED: readonly CliCommand[] = ['snapshot', 'restore', 'verify', 'prune', 'delete', 'schedule'];
const TALKS: readonly CliCommand[] = ['snapshot', 'restore', 'verify', 'schedule'];
const STORED: readonly CliCommand[] = ['snapshot', 'restore', 'list', 'verify', 'schedule'];
const S3_CREDENTIALS = 'give --s3-access-key and --s3-secret-key (or ETCD_AGENT_S3_ACCESS_KEY and ETCD_AGENT_S3_SECRET_KEY)';

// Every config option: the commands that read it, or why the CLI does not offer it.
export const OPTION_USE: Readonly<Record<string, OptionUse | JujuOnly>> = {
  'etcd-endpoints': { group: 'etcd', commands: TALKS },
  'etcd-ca': { group: 'etcd', commands: TALKS },
  'etcd-cert': { group: 'etcd', commands: TALKS },
  'etcd-key': { group: 'etcd', commands: TALKS },
  'etcd-timeout': { group: 'etcd', commands: TALKS },
  'etcdctl-path': { group: 'etcd', commands: TALKS },
  'etcdutl-path': { group: 'etcd', commands: ['restore', 'verify', 'schedule'] },
  'etcd-data-dir': { group: 'member', commands: ENGINE },
  'etcd-service': { group: 'member', commands: ['restore'] },
  'etcd-name': { group: 'member', commands: ['restore'] },
  'etcd-peer-url': { group: 'member', commands: ['restore'] },
  'restore-health-timeout': { group: 'member', commands: ['restore', 'verify', 'schedule'] },
  'etcd-path': { group: 'member', commands: ['verify', 'schedule'] },
  'snapshot-dir': { group: 'snapshots', commands: ['restore', 'list', 'verify', 'prune', 'delete', 'schedule', 'metrics'] },
  'snapshot-retention': { group: 'snapshots', commands: ['prune', 'schedule'] },
  'snapshot-compression': { group: 'snapshots', commands: TAKES },
  'snapshot-timeout': { group: 'snapshots', commands: TAKES },
  'include-paths': { group: 'snapshots', commands: TAKES },
  'lock-timeout': { group: 'snapshots', commands: LOCKED },
  'encryption-recipients': { group: 'encryption', commands: TAKES },
  's3-endpoint': { group: 's3', commands: STORED },
  's3-bucket': { group: 's3', commands: [...STORED, 'metrics'] },
  's3-region': { group: 's3', commands: STORED },
  's3-prefix': { group: 's3', commands: STORED },
  's3-force-path-style': { group: 's3', commands: STORED },
  's3-access-key': { group: 's3', commands: STORED },
  's3-secret-key': { group: 's3', commands: STORED },
  's3-ca': { group: 's3', commands: STORED },
  's3-retries': { group: 's3', commands: STORED },
  's3-allow-unencrypted': { group: 's3', commands: STORED },
  's3-allow-http': { group: 's3', commands: STORED },
  'snapshot-schedule': { group: 'schedule', commands: ['schedule', 'metrics'] },
  'verify-schedule': { group: 'schedule', commands: ['schedule'] },
  'snapshot-timezone': { group: 'schedule', commands: ['schedule', 'metrics'] },
  'metrics-address': { group: 'schedule', commands: ['schedule'] },
  'delta-interval': { group: 'schedule', commands: ['schedule', 'metrics'] },
  'delta-max-bytes': { group: 'schedule', commands: ['schedule'] },
  's3-credentials-secret': { jujuOnly: `s3-credentials-secret names a Juju secret, which exists only inside Juju; ${S3_CREDENTIALS}` },
  'etcd-install': { jujuOnly: 'etcd-install is the principal charm\'s: outside Juju install and run etcd yourself' },
};

// Action params only Juju has, and what to use outside it instead.
export const JUJU_ONLY_PARAMS: Readonly<Record<string, string>> = {
  'identity-secret': 'identity-secret names a Juju secret, which exists only inside Juju; pass --identity-file <age key file>',
};

// One config option as a command's flag: its heading, and hidden when the command does not read it (it is still
// accepted, as it is from ETCD_AGENT_* and the config file, so one set of flags serves every command).
export interface CommandOption {
  name: string;
  group: string;
  hidden: boolean;
}

// The flags a command takes for the given config options: Juju-only ones left out; an option this table does not
// know yet is listed under "Other options:" on every command, so it never silently vanishes from the CLI.
export const commandOptions = (command: CliCommand, names: readonly string[]): CommandOption[] =>
  names.flatMap((name) => {
    const use = OPTION_USE[name];
    if (use === undefined) return [{ name, group: GROUPS.other, hidden: false }];
    if ('jujuOnly' in use) return [];
    return [{ name, group: GROUPS[use.group], hidden: !use.commands.includes(command) }];
  });

// Why the CLI has no flag of this name (a Juju-only option or param); undefined when that is not why.
export const jujuOnlyReason = (name: string): string | undefined => {
  const use = OPTION_USE[name];
  return use !== undefined && 'jujuOnly' in use ? use.jujuOnly : JUJU_ONLY_PARAMS[name];
};
