// network-get <binding> [--bind-address] [--ingress-address] [--egress-subnets] [--primary-address] [-r id] [--format=json]:
// this unit's network on an endpoint's binding, shaped as Juju's internal/worker/uniter/runner/jujuc/network-get.go prints it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { die, quoteList, output, parse, start } from '../cli.mjs';
import { readSetup } from '../state.mjs';

// The endpoints the charm declares (each has a binding), or undefined when there is no charm to read.
const charmEndpoints = () => {
  const dir = process.env.JUJU_CHARM_DIR;
  const file = dir ? join(dir, 'metadata.yaml') : '';
  if (!file || !existsSync(file)) return undefined;
  const meta = parseYaml(readFileSync(file, 'utf8')) ?? {};
  return ['peers', 'requires', 'provides', 'extra-bindings'].flatMap((k) => Object.keys(meta[k] ?? {}));
};

const [, args] = start();
const spec = { format: 'format', output: 'string', o: 'string', r: 'string', relation: 'string',
  'ingress-address': 'bool', 'bind-address': 'bool', 'primary-address': 'bool', 'egress-subnets': 'bool' };
const { opts, positional } = parse(args, spec);
const setup = readSetup();
const relationId = opts.r ?? opts.relation;
const byId = Object.assign({}, ...Object.values(setup.relations ?? {}));
if (relationId !== undefined && !(relationId in byId)) die(`invalid value "${relationId}" for option -r: relation not found`, 2);
if (positional.length === 0) die('no arguments specified', 2);
if (positional[0] === '') die('no binding name specified', 2);
if (positional.length > 1) die(`unrecognized args: ${quoteList(positional.slice(1))}`, 2);
const binding = positional[0];
const known = charmEndpoints();
// Juju answers an unknown binding with an error result and no info, which network-get reports as "no config".
if (known && !known.includes(binding)) die(`no network config found for binding "${binding}"`, 1);
const address = setup.address ?? '127.0.0.1';
const egress = [`${address}/32`];
const keys = ['bind-address', 'ingress-address', 'egress-subnets'].filter((k) => opts[k]);
if (opts['primary-address']) {
  if (keys.length > 0) die('--primary-address must be the only flag specified', 1);
  output(address, opts.format);
} else if (keys.length === 0) {
  // The YAML form also carries the older spellings (macaddress, interfacename, address) that Juju keeps for old agents.
  const yaml = opts.format !== 'json';
  const addr = { hostname: '', value: address, cidr: `${address}/32`, ...(yaml ? { address } : {}) };
  const info = { 'mac-address': '', 'interface-name': 'eth0', addresses: [addr], ...(yaml ? { macaddress: '', interfacename: 'eth0' } : {}) };
  output({ 'bind-addresses': [info], 'egress-subnets': egress, 'ingress-addresses': [address] }, opts.format);
} else {
  const values = { 'bind-address': address, 'ingress-address': address, 'egress-subnets': egress };
  output(keys.length === 1 ? values[keys[0]] : Object.fromEntries(keys.map((k) => [k, values[k]])), opts.format);
}
