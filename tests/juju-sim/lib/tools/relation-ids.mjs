// relation-ids [name] [--format=json]: the ids of the relations on an endpoint.
import { die, quoteList, output, parse, start } from '../cli.mjs';
import { readSetup } from '../state.mjs';

const [, args] = start();
const { opts, positional } = parse(args, { format: 'format', output: 'string', o: 'string' });
if (positional.length > 1) die(`unrecognized args: ${quoteList(positional.slice(1))}`, 2);
const name = positional[0] ?? process.env.JUJU_RELATION;
if (!name) die('no endpoint name specified', 2);
output(Object.keys(readSetup().relations?.[name] ?? {}), opts.format);
