// relation-set [-r <id>] [--app] [--file <path or ->] [key=value ...]: write this unit's (or, for the leader with --app,
// its application's) settings on a relation. The file (YAML; `-` is stdin) is read first, key=value pairs override
// it, and an empty value deletes its key, as Juju does. Recorded in relation-data.json as {id: {app: {}, unit: {}}}.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { die, parse, start } from '../cli.mjs';
import { readJson, readSetup, writeJson } from '../state.mjs';

const [, args] = start();
const { opts, positional } = parse(args, { r: 'string', relation: 'string', app: 'bool', file: 'string' });
const setup = readSetup();
const id = opts.r ?? opts.relation ?? process.env.JUJU_RELATION_ID;
if (!id) die('no relation id specified', 2);
const byId = Object.assign({}, ...Object.values(setup.relations ?? {}));
if (!(id in byId)) die(`invalid value "${id}" for option -r: relation not found`, 2);
if (opts.app && setup.leader !== true) die('cannot write relation settings: unit is not the leader', 1);
const settings = {};
if (opts.file !== undefined) {
  const text = readFileSync(opts.file === '-' ? 0 : opts.file, 'utf8');
  const parsed = parseYaml(text) ?? {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) die(`expected YAML map, got ${JSON.stringify(text.slice(0, 40))}`, 1);
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value !== 'string') die(`cannot set ${JSON.stringify(key)}: value must be a string`, 1);
    settings[key] = value;
  }
}
for (const pair of positional) {
  const eq = pair.indexOf('=');
  if (eq <= 0) die(`expected "key=value", got ${JSON.stringify(pair)}`, 2);
  settings[pair.slice(0, eq)] = pair.slice(eq + 1);
}
const data = readJson('relation-data.json', {});
const bag = ((data[id] ??= { app: {}, unit: {} })[opts.app ? 'app' : 'unit'] ??= {});
for (const [key, value] of Object.entries(settings)) {
  if (value === '') delete bag[key];
  else bag[key] = value;
}
writeJson('relation-data.json', data);
