// is-leader [--format=json]: whether this unit is the leader.
import { die, quoteList, output, parse, start } from '../cli.mjs';
import { readSetup } from '../state.mjs';

const [, args] = start();
const { opts, positional } = parse(args, { format: 'format', output: 'string', o: 'string' });
if (positional.length > 0) die(`unrecognized args: ${quoteList(positional)}`, 2);
output(readSetup().leader === true, opts.format);
