// unit-get <private-address|public-address> [--format=json]: this unit's address.
import { die, quoteList, output, parse, start } from '../cli.mjs';
import { readSetup } from '../state.mjs';

const [, args] = start();
const { opts, positional } = parse(args, { format: 'format', output: 'string', o: 'string' });
if (positional.length === 0) die('no setting specified', 2);
if (!['private-address', 'public-address'].includes(positional[0])) die(`unknown setting "${positional[0]}"`, 2);
if (positional.length > 1) die(`unrecognized args: ${quoteList(positional.slice(1))}`, 2);
output(readSetup().address ?? '127.0.0.1', opts.format);
