// resource-get <name>: the local path of an attached resource, with no trailing newline.
import { die, quoteList, parse, start } from '../cli.mjs';
import { readSetup } from '../state.mjs';

const [, args] = start();
const { positional } = parse(args, {});
if (positional.length === 0) die('missing required resource name', 2);
if (positional.length > 1) die(`unrecognized args: ${quoteList(positional.slice(1))}`, 2);
const path = readSetup().resources?.[positional[0]];
if (!path) die(`could not download resource: HTTP request failed: Get resource "${positional[0]}": resource not found`, 1);
process.stdout.write(path);
