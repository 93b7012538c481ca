// action-fail ["message"]: mark the action failed; the caller keeps running.
import { die, quoteList, parse, requireAction, start } from '../cli.mjs';
import { writeJson } from '../state.mjs';

const [, args] = start();
const { positional } = parse(args, {});
if (positional.length > 1) die(`unrecognized args: ${quoteList(positional.slice(1))}`, 2);
requireAction();
const message = positional[0] ?? 'action failed without reason given, check action for errors';
writeJson('failure.json', { failed: true, message });
