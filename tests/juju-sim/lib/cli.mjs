// Argument parsing, output formatting and exit conventions shared by the hook tools.
import { basename } from 'node:path';
import { stringify } from 'yaml';
import { appendJsonl, simDir } from './state.mjs';

// Print `ERROR <message>` and exit: 2 for bad arguments, 1 for run failures.
export const die = (message, code = 1) => {
  process.stderr.write(`ERROR ${message}\n`);
  process.exit(code);
};

// Record this invocation in calls.jsonl and return [tool, args].
export const start = () => {
  const tool = basename(process.argv[1]);
  const args = process.argv.slice(2);
  if (!simDir()) die('JUJU_SIM_DIR is not set');
  appendJsonl('calls.jsonl', [tool, ...args]);
  return [tool, args];
};

// Fail like the action tools do outside an action.
export const requireAction = () => {
  if (!process.env.JUJU_ACTION_NAME) die('not running an action');
};

const FORMATS = ['json', 'yaml', 'smart'];

// Parse gnuflag-style options; spec maps a name to 'bool' or 'string'.
// Flags may be interspersed with arguments; `--` ends the options.
export const parse = (args, spec, defaults = {}) => {
  const opts = { ...defaults };
  const positional = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') { positional.push(...args.slice(i + 1)); break; }
    if (!arg.startsWith('-') || arg === '-') { positional.push(arg); continue; }
    const dashes = arg.startsWith('--') ? '--' : '-';
    const body = arg.slice(dashes.length);
    const eq = body.indexOf('=');
    const name = eq === -1 ? body : body.slice(0, eq);
    const kind = spec[name];
    if (!kind) die(`option provided but not defined: ${dashes}${name}`, 2);
    if (kind === 'bool') { opts[name] = eq === -1 ? true : body.slice(eq + 1) !== 'false'; continue; }
    if (eq !== -1) opts[name] = body.slice(eq + 1);
    else if (i + 1 < args.length) opts[name] = args[++i];
    else die(`option needs an argument: ${dashes}${name}`, 2);
  }
  if ('format' in spec && opts.format !== undefined && !FORMATS.includes(opts.format)) {
    die(`invalid value "${opts.format}" for option --format: unknown format "${opts.format}"`, 2);
  }
  return { opts, positional };
};

// Juju's "smart" format: nothing for null, strings as-is, lists one a line, True/False, else YAML.
const smart = (value) => {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.join('\n');
  return stringify(value);
};

// Write a value in the requested format, newline-terminated like juju/cmd does.
export const output = (value, format = 'smart') => {
  const v = value === undefined ? null : value;
  let text;
  if (format === 'json') text = JSON.stringify(v);
  else if (format === 'yaml') text = v === null ? '' : stringify(v);
  else text = smart(v);
  if (text.length > 0 && !text.endsWith('\n')) text += '\n';
  process.stdout.write(text);
};
