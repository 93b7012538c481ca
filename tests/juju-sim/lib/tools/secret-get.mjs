// secret-get <id> [key] [--format=json]: a secret's content map, or one value of it.
import { die, output, parse, start } from '../cli.mjs';
import { readSetup } from '../state.mjs';

const [, args] = start();
const { opts, positional } = parse(args, { format: 'string', output: 'string', o: 'string', label: 'string', peek: 'bool', refresh: 'bool' });
if (positional.length === 0 && !opts.label) die('require either a secret URI or label', 2);
if (positional.length > 2) die(`unrecognized args: ${JSON.stringify(positional.slice(2))}`, 2);
const id = positional[0] ?? opts.label;
const content = readSetup().secrets?.[id];
if (!content) die(`secret "${id}" not found`, 1);
output(positional[1] === undefined ? content : (content[positional[1]] ?? null), opts.format);
