// juju-log [--log-level LEVEL | -l LEVEL | --debug] [--] message...: append to the unit log.
import { die, parse, start } from '../cli.mjs';
import { appendJsonl } from '../state.mjs';

const LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR'];

const [, args] = start();
const { opts, positional } = parse(args, { 'log-level': 'string', l: 'string', debug: 'bool', format: 'string' });
const level = opts.debug ? 'DEBUG' : (opts['log-level'] ?? opts.l ?? 'INFO');
if (positional.length === 0) die('no message specified', 2);
// Stricter than Juju, which logs a warning and falls back to INFO: a bad level is a caller bug.
if (!LEVELS.includes(level)) die(`invalid log level "${level}", expected one of ${LEVELS.join(', ')}`, 2);
appendJsonl('logs.jsonl', { level, message: positional.join(' ') });
