import { UsageError } from '../errors/agent-error.ts';
import { FLAG } from './cli-naming.ts';
import { suggestion } from './suggest-flag.ts';

// The environment variable of an option: ETCD_AGENT_ and its name in upper case, `-` as `_`.
export const envName = (option: string): string => `ETCD_AGENT_${option.toUpperCase().replaceAll('-', '_')}`;

// etcdctl's own variables, read as defaults where nothing else gives the option (ETCDCTL_DIAL_TIMEOUT is a duration
// such as 5s, not etcd-timeout's seconds, so it is not read).
export const ETCDCTL_DEFAULTS: Readonly<Record<string, string>> = {
  'etcd-endpoints': 'ETCDCTL_ENDPOINTS',
  'etcd-ca': 'ETCDCTL_CACERT',
  'etcd-cert': 'ETCDCTL_CERT',
  'etcd-key': 'ETCDCTL_KEY',
};

// Where the options of one run come from, lowest precedence first after config.yaml's defaults.
export interface ConfigSources {
  // The options the CLI offers (config.yaml's, Juju-only ones left out).
  names: readonly string[];
  // Every config.yaml option: a config file may hold any of them (the charm writes the scheduler's).
  known: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  file?: { path: string; values: Record<string, unknown> };
  flags: Readonly<Record<string, unknown>>;
}

// The options of one run and where each was read: flags > ETCD_AGENT_* > config file > ETCDCTL_* > defaults.
// An empty variable counts as unset; an empty flag is a value. A config file key that is no option is refused, with the nearest one.
export const gatherConfig = (sources: ConfigSources): { config: Record<string, unknown>; from: Record<string, string> } => {
  const config: Record<string, unknown> = {};
  const from: Record<string, string> = {};
  const set = (name: string, value: unknown, source: string): void => {
    if (value === undefined || value === '') return;
    config[name] = value;
    from[name] = source;
  };
  for (const [name, variable] of Object.entries(ETCDCTL_DEFAULTS)) if (sources.names.includes(name)) set(name, sources.env[variable], variable);
  if (sources.file) {
    for (const [name, value] of Object.entries(sources.file.values)) {
      if (!sources.known.includes(name)) {
        throw new UsageError(`unknown option ${name} in config file ${sources.file.path}${suggestion(name, sources.known, '')}`);
      }
      if (value !== null) {
        config[name] = value;
        from[name] = `config file ${sources.file.path}`;
      }
    }
  }
  for (const name of sources.names) set(name, sources.env[envName(name)], envName(name));
  // A flag given empty counts: `--metrics-address ''` turns the endpoint off, as an empty option does in Juju.
  for (const name of sources.names) {
    if (sources.flags[name] === undefined) continue;
    config[name] = sources.flags[name];
    from[name] = FLAG;
  }
  return { config, from };
};
