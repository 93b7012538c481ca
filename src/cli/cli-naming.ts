import { SECRET_OPTIONS, type Naming } from '../config/naming.ts';
import { jujuOnlyReason } from './option-groups.ts';

// The source of an option given as a flag.
export const FLAG = 'flag';

// A value as the operator typed it: bare when it is one plain word, else quoted.
export const asGiven = (value: unknown): string => {
  if (typeof value === 'string') return /^[^\s"'\\]+$/.test(value) ? value : JSON.stringify(value);
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
};

// The CLI's words: `--source x`, `NAME x` for a positional param, and where an option not given as a flag came from
// (`--snapshot-retention abc (from ETCD_AGENT_SNAPSHOT_RETENTION)`). sources: option -> where it was read (FLAG for a
// flag); an option in none of them has its config.yaml default.
// commands: action -> the CLI command that runs it.
export const cliNaming = (sources: Readonly<Record<string, string>>, positional: ReadonlySet<string>, commands: Readonly<Record<string, string>> = {}): Naming => {
  const name = (kind: 'param' | 'option', n: string): string => (kind === 'param' && positional.has(n) ? n.toUpperCase() : `--${n}`);
  return {
    name,
    subject: (kind, n, value) => {
      const shown = kind === 'option' && SECRET_OPTIONS.has(n) ? '(hidden)' : asGiven(value);
      const from = kind === 'option' ? (sources[n] ?? 'the default') : FLAG;
      return `${name(kind, n)} ${shown}${from === FLAG ? '' : from === 'the default' ? ' (the default)' : ` (from ${from})`}`;
    },
    usage: (kind, n, placeholder) => `${name(kind, n)} ${placeholder}`,
    action: (n) => commands[n] ?? n,
    offers: (_kind, n) => jujuOnlyReason(n) === undefined,
  };
};
