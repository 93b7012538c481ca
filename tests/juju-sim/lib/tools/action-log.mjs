// action-log message...: append a progress line to the action's log.
import { die, parse, requireAction, start } from '../cli.mjs';
import { appendJsonl } from '../state.mjs';

const [, args] = start();
const { positional } = parse(args, {});
if (positional.length === 0) die('no message specified', 2);
requireAction();
appendJsonl('action-logs.jsonl', positional.join(' '));
