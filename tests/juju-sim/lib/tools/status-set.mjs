// status-set [--application] <maintenance|blocked|waiting|active> ["message"]: record the unit status.
import { die, quoteList, parse, start } from '../cli.mjs';
import { appendJsonl } from '../state.mjs';

const STATUSES = ['maintenance', 'blocked', 'waiting', 'active'];

const [, args] = start();
const { opts, positional } = parse(args, { application: 'bool' });
if (positional.length < 1) die('invalid args, require <status> [message]', 2);
if (positional.length > 2) die(`unrecognized args: ${quoteList(positional.slice(2))}`, 2);
const [status, message = ''] = positional;
if (!STATUSES.includes(status)) die(`invalid status "${status}", expected one of [${STATUSES.join(' ')}]`, 2);
appendJsonl('status.jsonl', { status, message, ...(opts.application ? { application: true } : {}) });
