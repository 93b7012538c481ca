import { UsageError } from '../errors/agent-error.ts';
import { jujuOnlyReason } from './option-groups.ts';
import { suggestion } from './suggest-flag.ts';

// The flags one command accepts: long names (booleans may be negated with --no-), and one-letter aliases.
export interface KnownFlags {
  command: string;
  long: readonly string[];
  booleans: readonly string[];
  short: readonly string[];
}

// Refuses the first flag the command does not take, naming it as typed: a Juju-only one says what to use instead,
// a typo the flag meant (--etcd-endpoint: did you mean --etcd-endpoints?). Arguments after `--` are not flags.
export const checkFlags = (args: readonly string[], known: KnownFlags): void => {
  const end = args.indexOf('--');
  for (const arg of end < 0 ? args : args.slice(0, end)) {
    if (!arg.startsWith('-') || arg === '-' || /^-\d/.test(arg)) continue;
    if (!arg.startsWith('--')) {
      const letter = [...arg.slice(1)].find((l) => !known.short.includes(l));
      if (letter !== undefined) throw new UsageError(`unknown option -${letter}; run etcd-agent ${known.command} --help for its options`);
      continue;
    }
    const name = arg.slice(2).split('=')[0]!;
    if (known.long.includes(name) || (name.startsWith('no-') && known.booleans.includes(name.slice(3)))) continue;
    const juju = jujuOnlyReason(name);
    if (juju !== undefined) throw new UsageError(`--${name} is not offered outside Juju: ${juju}`);
    const hint = suggestion(name, known.long) || `; run etcd-agent ${known.command} --help for its options`;
    throw new UsageError(`unknown option --${name}${hint}`);
  }
};
