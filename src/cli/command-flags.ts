import type { Argv, Options } from 'yargs';
import type { CharmFiles } from '../charm/charm-files.ts';
import { ETCDCTL_DEFAULTS, envName } from './gather-config.ts';
import { GROUPS, JUJU_ONLY_PARAMS, commandOptions, type CliCommand } from './option-groups.ts';

// The flags every command takes, with their one-letter aliases.
export const GLOBAL_FLAGS = ['verbose', 'config-file', 'output', 'unit', 'help', 'version'] as const;
export const GLOBAL_SHORT = ['v', 'o', 'h'] as const;

// One config option or param as a yargs flag. Numbers are read as strings so a bad value reaches the checks as typed
// (yargs would turn `abc` into NaN); booleans stay flags.
const flagFor = (spec: { type?: unknown; description?: unknown; default?: unknown; enum?: unknown }, extra = ''): Options => {
  const describe = `${String(spec.description ?? '').trim()}${Array.isArray(spec.enum) ? ` (one of: ${(spec.enum as unknown[]).join(', ')})` : ''}${extra}`;
  return {
    type: spec.type === 'boolean' ? 'boolean' : 'string',
    describe,
    ...(spec.default !== undefined && spec.default !== '' ? { defaultDescription: JSON.stringify(spec.default) } : {}),
    requiresArg: spec.type !== 'boolean',
  };
};

// What one command's flags are: every long name, the booleans (which take --no-), and the positionals.
export interface CommandFlags {
  long: string[];
  booleans: string[];
  params: string[];
}

// Adds a command's flags to its yargs: its params first, then the config options grouped by GROUPS (those it does not
// read hidden), --identity-file where encrypted archives are opened. Returns what was added.
export const addCommandFlags = (
  y: Argv,
  command: CliCommand,
  charm: Pick<CharmFiles, 'options'>,
  params: Record<string, Record<string, unknown>>,
  positional: readonly string[],
): CommandFlags => {
  const flags: CommandFlags = { long: [...GLOBAL_FLAGS], booleans: ['verbose', 'help', 'version'], params: [] };
  for (const name of positional) y.positional(name, { type: 'string', describe: String(params[name]?.description ?? '') });
  for (const [name, spec] of Object.entries(params)) {
    if (positional.includes(name) || JUJU_ONLY_PARAMS[name] !== undefined) continue;
    y.option(name, { ...flagFor(spec), group: 'Command options:' });
    flags.params.push(name);
  }
  if (command === 'restore' || command === 'verify') {
    y.option('identity-file', { type: 'string', requiresArg: true, group: GROUPS.encryption, describe: 'age identity file (AGE-SECRET-KEY-1...) that decrypts an encrypted archive.' });
    flags.long.push('identity-file');
  }
  const order = Object.values(GROUPS) as string[];
  const options = commandOptions(command, Object.keys(charm.options)).sort((a, b) => order.indexOf(a.group) - order.indexOf(b.group));
  for (const { name, group, hidden } of options) {
    const spec = charm.options[name]!;
    const fallback = ETCDCTL_DEFAULTS[name] ? `, else ${ETCDCTL_DEFAULTS[name]}` : '';
    y.option(name, { ...flagFor(spec, ` [env ${envName(name)}${fallback}]`), group, hidden });
  }
  for (const [name, spec] of [...flags.params.map((n) => [n, params[n]!] as const), ...options.map(({ name }) => [name, charm.options[name]!] as const)]) {
    flags.long.push(name);
    if (spec.type === 'boolean') flags.booleans.push(name);
  }
  return flags;
};
