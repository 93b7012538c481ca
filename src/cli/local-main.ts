import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import yargs, { type Argv } from 'yargs';
import type { CharmFiles } from '../charm/charm-files.ts';
import type { ActionDeps } from '../actions/run-action.ts';
import { runAction } from '../actions/run-action.ts';
import type { Naming } from '../config/naming.ts';
import { UsageError } from '../errors/agent-error.ts';
import { createLogger } from '../log/logger.ts';
import { checkFlags } from './check-flags.ts';
import { CLI_ACTIONS } from './cli-actions.ts';
import { cliNaming } from './cli-naming.ts';
import { addCommandFlags, GLOBAL_SHORT, type CommandFlags } from './command-flags.ts';
import { COMMANDS, COMPLETION_SUMMARY, METRICS_SUMMARY, SCHEDULE_SUMMARY } from './commands.ts';
import { readConfigFile } from './config-file.ts';
import { envName, gatherConfig } from './gather-config.ts';
import { localTools } from './local-tools.ts';
import { jujuOnlyReason, type CliCommand } from './option-groups.ts';
import { formatResults, outputFormat } from './print-results.ts';
import { identityFromFile } from './read-identity.ts';
import { agentVersion } from './version.ts';

type Flags = Record<string, unknown>;

// Only the flags the user gave, under their kebab-case names.
const given = (argv: Flags, names: readonly string[]): Flags => Object.fromEntries(names.filter((n) => argv[n] !== undefined).map((n) => [n, argv[n]]));

// Params as Juju would hand them over: a flag of an integer param (read as a string) is a number when it is one, and
// stays the string as typed otherwise, so the schema refuses it by name and value.
const asParams = (flags: Flags, specs: Record<string, Record<string, unknown>>): Flags =>
  Object.fromEntries(Object.entries(flags).map(([n, v]) => [n, specs[n]?.type === 'integer' && typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : v]));

// What the CLI needs besides the charm files: the rest of ActionDeps, the environment (read once by main.ts) and
// the config file read when --config-file is not given (when it exists).
export interface LocalDeps extends Omit<ActionDeps, 'tools' | 'log' | 'place' | 'charm' | 'naming'> {
  env: Readonly<Record<string, string | undefined>>;
  defaultConfigFile: string;
}

const USAGE = `$0 <command> [options]

Snapshots and restores of etcd, outside Juju.`;

const EPILOG = [
  'Every option can also be given as ETCD_AGENT_<OPTION> (ETCD_AGENT_ETCD_ENDPOINTS, ETCD_AGENT_OUTPUT) or in a YAML config file',
  '(--config-file, else /etc/etcd-agent/config.yaml when it exists). Flags win over the environment, the environment over the file;',
  'ETCDCTL_ENDPOINTS, ETCDCTL_CACERT, ETCDCTL_CERT and ETCDCTL_KEY are read where none of them sets the etcd options.',
  "Run etcd-agent <command> --help for a command's options.",
].join(' ');

// yargs' own refusals in the words of the rest: the unknown command named, a missing NAME said as such.
const yargsMessage = (message: string, args: readonly string[]): string => {
  const command = args.find((a) => !a.startsWith('-'));
  const near = /^Did you mean (.+)\?$/.exec(message);
  if (near) return `unknown command ${command}; did you mean ${near[1]}?`;
  const positional = COMMANDS.find((c) => c.command === command)?.positional;
  if (/^Not enough non-option arguments/.test(message) && positional?.length) return `${command} needs ${positional.map((p) => p.toUpperCase()).join(' ')}: etcd-agent ${command} ${positional.map((p) => p.toUpperCase()).join(' ')}`;
  return message;
};

// Runs `etcd-agent <command> [--flags]`; returns the exit code (0 ok, 1 action failed, 2 usage error).
export const runLocal = async (args: string[], charm: CharmFiles, deps: LocalDeps): Promise<number> => {
  const out = (text: string): void => void process.stdout.write(text);
  const err = (line: string): void => void process.stderr.write(`${line}\n`);
  const { env } = deps;
  if (args.includes('--version') && args.every((a) => a.startsWith('-'))) {
    out(`${await agentVersion(charm.root)}\n`);
    return 0;
  }
  let exitCode = 0;
  const offered = Object.keys(charm.options).filter((n) => jujuOnlyReason(n) === undefined);
  const actions = { ...charm.actions, ...CLI_ACTIONS };
  const fromEnv = (flag: string, argv: Flags): unknown => argv[flag] ?? env[envName(flag)];

  // The options of this run from every source, and how messages name them.
  const optionsOf = async (argv: Flags, positional: readonly string[]) => {
    const explicit = fromEnv('config-file', argv) as string | undefined;
    const path = explicit ?? (existsSync(deps.defaultConfigFile) ? deps.defaultConfigFile : undefined);
    const file = path === undefined ? undefined : { path, values: await readConfigFile(path, explicit === undefined ? `config file ${path}` : `--config-file ${path}`) };
    const { config, from } = gatherConfig({ names: offered, known: Object.keys(charm.options), env, ...(file ? { file } : {}), flags: given(argv, offered) });
    return { config, naming: cliNaming(from, new Set(positional), Object.fromEntries(COMMANDS.map((c) => [c.action, c.command]))) };
  };
  // Refuses flags the command does not take and stray words, before anything runs.
  const checkArgs = (command: string, flags: CommandFlags, argv: Flags, positional: readonly string[]): void => {
    if (argv.version !== undefined) throw new UsageError('--version goes alone: run etcd-agent --version');
    checkFlags(args, { command, long: flags.long, booleans: flags.booleans, short: GLOBAL_SHORT });
    const stray = (argv._ as unknown[]).slice(1 + positional.length);
    if (stray.length > 0) throw new UsageError(`unexpected argument ${String(stray[0])}; run etcd-agent ${command} --help for usage`);
  };
  const unitOf = (argv: Flags): string | undefined => fromEnv('unit', argv) as string | undefined;

  const cli = yargs(args)
    .scriptName('etcd-agent')
    .usage(USAGE)
    .epilog(EPILOG)
    .strictCommands()
    .recommendCommands()
    .demandCommand(1, 'name a command, e.g. etcd-agent snapshot --etcd-endpoints http://127.0.0.1:2379 --target /tmp/snaps')
    .option('output', { alias: 'o', type: 'string', requiresArg: true, describe: 'Result format: yaml (the default), json or table.' })
    .option('verbose', { alias: 'v', type: 'boolean', describe: 'Print progress and log lines on stderr.' })
    .option('config-file', { type: 'string', requiresArg: true, describe: 'YAML file of config options (option: value); default /etc/etcd-agent/config.yaml when it exists.' })
    .option('unit', { type: 'string', requiresArg: true, describe: 'Name recorded in manifests and S3 keys (default: the host name).' })
    .parserConfiguration({ 'camel-case-expansion': false, 'strip-aliased': true, 'duplicate-arguments-array': false })
    .exitProcess(false)
    .fail((message, error) => {
      throw error ?? new UsageError(yargsMessage(message, args));
    })
    .help('help', 'Show help.')
    .alias('help', 'h')
    .version(false)
    .option('version', { type: 'boolean', global: false, describe: "Print the agent's version." })
    .completion('completion', COMPLETION_SUMMARY)
    // yargs lays out its help text even for a run that never prints it; wrapping that text costs more than the
    // rest of a start, so it is wrapped only when help is asked for.
    .wrap(args.some((a) => a === '--help' || a === '-h' || a === 'help') ? Math.min(110, process.stdout.columns ?? 100) : null);

  for (const { command, action, aliases, summary, positional, needs = [], needsUnless = [] } of COMMANDS) {
    const spec = actions[action];
    if (!spec) continue;
    let flags: CommandFlags | undefined;
    cli.command(
      [[command, ...positional.map((p) => `<${p}>`)].join(' '), ...aliases],
      summary,
      (y: Argv) => {
        flags = addCommandFlags(y, command, charm, spec.params, positional);
        return y;
      },
      async (argv: Flags) => {
        checkArgs(command, flags!, argv, positional);
        const standIn = needsUnless.some((p) => argv[p] !== undefined && argv[p] !== '');
        const missing = standIn ? undefined : needs.find((p) => typeof argv[p] !== 'string' || argv[p].trim() === '');
        if (missing) throw new UsageError(`${command} needs --${missing} outside Juju (there is no attached resource): etcd-agent ${command} --${missing} <archive path or a name list shows>`);
        const output = outputFormat(fromEnv('output', argv), argv.output === undefined && env.ETCD_AGENT_OUTPUT !== undefined ? 'ETCD_AGENT_OUTPUT' : undefined);
        const verbose = argv.verbose === true || (argv.verbose === undefined && env.ETCD_AGENT_VERBOSE === 'true');
        const { config, naming } = await optionsOf(argv, positional);
        const tools = localTools(asParams(given(argv, [...flags!.params, ...positional]), spec.params), config, err, verbose);
        const log = createLogger(tools.log.bind(tools), verbose ? 'debug' : 'info');
        const host = unitOf(argv) ?? hostname();
        const identityFile = fromEnv('identity-file', argv) as string | undefined;
        const outcome = await runAction(action, {
          ...deps,
          naming,
          tools,
          log,
          charm: { ...charm, actions },
          place: {
            unit: host,
            copyCommand: (path) => `scp ${host}:${path} .`,
            readIdentity: (secretId) => identityFromFile(identityFile, secretId),
          },
        });
        await log.flush();
        if (Object.keys(tools.results).length > 0) out(await formatResults(tools.results, output, command));
        if (tools.failure !== undefined) err(`error: ${tools.failure}`);
        exitCode = outcome === 'ok' ? 0 : outcome === 'usage' ? 2 : 1;
      },
    );
  }
  // A command that runs no action: only options (schedule, metrics), checked like an action's, then run.
  const optionsCommand = (command: 'schedule' | 'metrics', summary: string, run: (config: Record<string, unknown>, naming: Naming, argv: Flags) => Promise<number>): void => {
    let flags: CommandFlags | undefined;
    cli.command(
      command,
      summary,
      (y: Argv) => {
        flags = addCommandFlags(y, command satisfies CliCommand, charm, {}, []);
        return y;
      },
      async (argv: Flags) => {
        checkArgs(command, flags!, argv, []);
        const { config, naming } = await optionsOf(argv, []);
        exitCode = await run(config, naming, argv);
      },
    );
  };
  // Their code (the scheduler, the metrics registry) loads only when they run.
  optionsCommand('schedule', SCHEDULE_SUMMARY, async (config, naming, argv) => (await import('./schedule-command.ts')).runScheduleCommand(config, charm, deps, unitOf(argv), naming));
  optionsCommand('metrics', METRICS_SUMMARY, async (config, naming) => (await import('./metrics-command.ts')).runMetricsCommand(config, charm, deps.clock, naming));
  try {
    await cli.parseAsync();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    err(`error: ${message}`);
    if (!message.includes('--help')) err('run etcd-agent --help for usage');
    return 2;
  }
  return exitCode;
};
