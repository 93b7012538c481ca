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
const TRUE = ['1', 't', 'T', 'TRUE', 'true', 'True'];
const FALSE = ['0', 'f', 'F', 'FALSE', 'false', 'False'];

// Go's %q of a string list, as juju/cmd prints unrecognized args: ["a" "b"].
export const quoteList = (list) => `[${list.map((a) => JSON.stringify(a)).join(' ')}]`;

// How gnuflag names an option in its errors: one byte after `-`, longer after `--`.
const withMinus = (name) => (Buffer.byteLength(name) > 1 ? `--${name}` : `-${name}`);

// -h or --help that the tool does not define: Juju prints the usage on stdout, exits 0 and does nothing else.
const help = () => {
  process.stdout.write(`Usage: ${basename(process.argv[1])} [options]\n`);
  process.exit(0);
};

// Parse options exactly as juju/gnuflag does for the hook tools (interspersed); spec maps a name to 'bool', 'string'
// or 'format' (an output format: json, yaml or smart).
// `--` ends the options; `-abc` is -a -b -c, and a string option takes the rest of its cluster or else the next
// argument (whatever it is); `--name=value` or `--name value`; short and long spellings share one name space.
// So a message that begins with `-` is taken for options unless it follows `--`.
export const parse = (args, spec, defaults = {}) => {
  const opts = { ...defaults };
  const positional = [];
  let i = 0;
  // Set one option; inline is the text after it in the same argument (`=value` for a long one); returns true if inline was used.
  const set = (name, long, inline) => {
    const kind = spec[name];
    if (!kind) {
      if (name === 'h' || name === 'help') help();
      die(`option provided but not defined: ${withMinus(name)}`, 2);
    }
    if (kind === 'bool' && !inline.startsWith('=')) {
      opts[name] = true;
      return false;
    }
    let value;
    if (inline !== '') value = long ? inline.slice(1) : inline;
    else if (i < args.length) value = args[i++];
    else die(`option needs an argument: ${withMinus(name)}`, 2);
    if (kind === 'bool') {
      if (!TRUE.includes(value) && !FALSE.includes(value)) die(`invalid boolean option ${name}: strconv.ParseBool: parsing ${JSON.stringify(value)}: invalid syntax`, 2);
      opts[name] = TRUE.includes(value);
    } else {
      if (kind === 'format' && !FORMATS.includes(value)) die(`invalid value ${JSON.stringify(value)} for option --format: unknown format ${JSON.stringify(value)}`, 2);
      opts[name] = value;
    }
    return true;
  };
  while (i < args.length) {
    const arg = args[i++];
    if (arg === '' || arg === '-' || arg[0] !== '-') { positional.push(arg); continue; }
    if (arg === '--') { positional.push(...args.slice(i)); break; }
    if (arg[1] === '-') {
      const eq = arg.indexOf('=');
      const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      if (eq !== -1 && name === '') die(`empty option in argument ${JSON.stringify(arg)}`, 2);
      set(name, true, eq === -1 ? '' : arg.slice(eq));
      continue;
    }
    let rest = arg.slice(1);
    while (rest !== '') {
      const name = String.fromCodePoint(rest.codePointAt(0));
      rest = rest.slice(name.length);
      if (set(name, false, rest)) rest = '';
    }
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
