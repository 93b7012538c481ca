// relation-list [-r id] [--format=json]: the remote units of a relation.
import { die, quoteList, output, parse, start } from '../cli.mjs';
import { readSetup } from '../state.mjs';

const [, args] = start();
const { opts, positional } = parse(args, { format: 'format', output: 'string', o: 'string', r: 'string', relation: 'string', app: 'bool' });
const byId = Object.assign({}, ...Object.values(readSetup().relations ?? {}));
const given = opts.r ?? opts.relation;
// Juju resolves -r while parsing options, so an unknown id is a usage error (exit 2).
if (given !== undefined && !(given in byId)) die(`invalid value "${given}" for option -r: relation not found`, 2);
const id = given ?? process.env.JUJU_RELATION_ID;
if (!id) die('no relation id specified', 2);
if (positional.length > 0) die(`unrecognized args: ${quoteList(positional)}`, 2);
if (!(id in byId)) die('relation not found', 1);
output(opts.app ? (byId[id][0]?.split('/')[0] ?? '') : byId[id], opts.format);
