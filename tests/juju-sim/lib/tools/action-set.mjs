// action-set key=value ...: validate every pair, then merge them into the nested results.
import { die, parse, requireAction, start } from '../cli.mjs';
import { readJson, writeJson } from '../state.mjs';

const KEY = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
const RESERVED = ['stdout', 'stderr', 'stdout-encoding', 'stderr-encoding'];

const [, args] = start();
const { positional } = parse(args, {});
const pairs = positional.map((arg) => {
  const eq = arg.indexOf('=');
  if (eq === -1) die(`argument "${arg}" must be of the form key...=value`, 2);
  const keys = arg.slice(0, eq).split('.');
  for (const key of keys) {
    if (!KEY.test(key)) {
      die(`key "${key}" must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric, hyphens and periods`, 2);
    }
    if (RESERVED.includes(key)) die(`cannot set reserved action key "${key}"`, 2);
  }
  return { keys, value: arg.slice(eq + 1) };
});
requireAction();
const results = readJson('results.json', {});
for (const { keys, value } of pairs) {
  let node = results;
  for (const key of keys.slice(0, -1)) {
    if (node[key] === null || typeof node[key] !== 'object') node[key] = {};
    node = node[key];
  }
  node[keys.at(-1)] = value;
}
writeJson('results.json', results);
