// action-get [key[.key...]] [--format=json]: the action's params, or the value under a dotted key.
import { die, quoteList, output, parse, requireAction, start } from '../cli.mjs';
import { readSetup } from '../state.mjs';

const [, args] = start();
const { opts, positional } = parse(args, { format: 'format', output: 'string', o: 'string' });
requireAction();
if (positional.length > 1) die(`unrecognized args: ${quoteList(positional.slice(1))}`, 2);
let value = readSetup().params ?? {};
for (const key of positional[0] ? positional[0].split('.') : []) {
  value = value !== null && typeof value === 'object' && !Array.isArray(value) && key in value ? value[key] : null;
}
output(value, opts.format);
