// config-get [key] [--all] [--format=json]: the charm config (unset options omitted unless --all).
import { die, quoteList, output, parse, start } from '../cli.mjs';
import { readSetup } from '../state.mjs';

const [, args] = start();
const { opts, positional } = parse(args, { format: 'format', all: 'bool', a: 'bool', output: 'string', o: 'string' });
if (positional.length > 1) die(`unrecognized args: ${quoteList(positional.slice(1))}`, 2);
const config = readSetup().config ?? {};
if (positional[0] !== undefined) {
  output(config[positional[0]] ?? null, opts.format);
} else {
  const all = opts.all || opts.a;
  output(Object.fromEntries(Object.entries(config).filter(([, v]) => all || (v !== null && v !== undefined))), opts.format);
}
