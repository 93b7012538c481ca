// secret-get <id> [key] [--format=json]: a secret's content map, or one value of it.
// As in Juju, the unit tracks the revision it first read: a rotated secret (new content in the setup) is returned
// only with --refresh (which moves the tracked revision to the latest) or --peek (which does not).
import { die, quoteList, output, parse, start } from '../cli.mjs';
import { readJson, readSetup, writeJson } from '../state.mjs';

const [, args] = start();
const { opts, positional } = parse(args, { format: 'format', output: 'string', o: 'string', label: 'string', peek: 'bool', refresh: 'bool' });
if (positional.length === 0 && !opts.label) die('require either a secret URI or label', 2);
if (positional.length > 2) die(`unrecognized args: ${quoteList(positional.slice(2))}`, 2);
if (opts.peek && opts.refresh) die('specify one of --peek or --refresh but not both', 2);
const id = positional[0] ?? opts.label;
const latest = readSetup().secrets?.[id];
if (!latest) die(`secret "${id}" not found`, 1);
const tracked = readJson('secrets-tracked.json', {});
let content = tracked[id] ?? latest;
if (opts.peek) content = latest;
if (opts.refresh || tracked[id] === undefined) {
  content = latest;
  writeJson('secrets-tracked.json', { ...tracked, [id]: latest });
}
output(positional[1] === undefined ? content : (content[positional[1]] ?? null), opts.format);
