// network-get <binding> [--ingress-address|--bind-address|--primary-address] [--format=json]: this unit's network.
import { die, output, parse, start } from '../cli.mjs';
import { readSetup } from '../state.mjs';

const [, args] = start();
const spec = { format: 'string', output: 'string', o: 'string', r: 'string', relation: 'string',
  'ingress-address': 'bool', 'bind-address': 'bool', 'primary-address': 'bool', 'egress-subnets': 'bool' };
const { opts, positional } = parse(args, spec);
if (positional.length === 0) die('no arguments specified', 2);
if (positional.length > 1) die(`unrecognized args: ${JSON.stringify(positional.slice(1))}`, 2);
const address = readSetup().address ?? '127.0.0.1';
const keys = ['ingress-address', 'bind-address', 'primary-address'].filter((k) => opts[k]);
if (opts['egress-subnets']) keys.push('egress-subnets');
const one = (k) => (k === 'egress-subnets' ? [`${address}/32`] : address);
const full = {
  'bind-addresses': [{ 'interface-name': 'eth0', addresses: [{ value: address, cidr: `${address}/32` }] }],
  'egress-subnets': [`${address}/32`],
  'ingress-addresses': [address],
};
output(keys.length === 0 ? full : keys.length === 1 ? one(keys[0]) : Object.fromEntries(keys.map((k) => [k, one(k)])), opts.format);
