// application-version-set <version>: the workload version `juju status` shows (recorded in calls.jsonl).
import { die, quoteList, parse, start } from '../cli.mjs';

const [, args] = start();
const { positional } = parse(args, {});
if (positional.length === 0) die('no version specified', 2);
if (positional.length > 1) die(`unrecognized args: ${quoteList(positional.slice(1))}`, 2);
