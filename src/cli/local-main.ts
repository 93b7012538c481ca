import { hostname } from 'node:os';
import yargs, { type Options } from 'yargs';
import type { CharmFiles } from '../charm/charm-files.ts';
import type { ActionDeps } from '../actions/run-action.ts';
import { runAction } from '../actions/run-action.ts';
import { createLogger } from '../log/logger.ts';
import { COMMANDS } from './commands.ts';
import { readConfigFile } from './config-file.ts';
import { localTools } from './local-tools.ts';
import { identityFromFile } from './read-identity.ts';
import { resultsYaml } from './print-results.ts';
import { runScheduleCommand } from './schedule-command.ts';
import { addMetricsCommand } from './metrics-command.ts';

type Flags = Record<string, unknown>;

const optionFor = (spec: { type?: unknown; description?: unknown; default?: unknown; enum?: unknown }): Options => ({
  type: spec.type === 'boolean' ? 'boolean' : spec.type === 'int' || spec.type === 'integer' || spec.type === 'float' || spec.type === 'number' ? 'number' : 'string',
  describe: String(spec.description ?? '').trim(),
  ...(spec.default !== undefined && spec.default !== '' ? { defaultDescription: JSON.stringify(spec.default) } : {}),
  ...(Array.isArray(spec.enum) ? { describe: `${String(spec.description ?? '').trim()} (one of: ${(spec.enum as unknown[]).join(', ')})` } : {}),
  requiresArg: spec.type !== 'boolean',
});

// Only the flags the user gave, under their kebab-case names.
const given = (argv: Flags, names: string[]): Flags => Object.fromEntries(names.filter((n) => argv[n] !== undefined).map((n) => [n, argv[n]]));

// What the CLI needs besides the charm files: the rest of ActionDeps.
export type LocalDeps = Omit<ActionDeps, 'tools' | 'log' | 'place' | 'charm'>;

// Runs `etcd-agent <command> [--flags]`; returns the exit code (0 ok, 1 action failed, 2 usage error).
export const runLocal = async (args: string[], charm: CharmFiles, deps: LocalDeps): Promise<number> => {
  const out = (text: string): void => void process.stdout.write(text);
  const err = (line: string): void => void process.stderr.write(`${line}\n`);
  let exitCode = 0;
  const configNames = Object.keys(charm.options);
  const cli = yargs(args)
    .scriptName('etcd-agent')
    .usage('$0 <command> [options]\n\nSnapshots and restores of etcd, outside Juju. Every charm config option is a flag.')
    .strict()
    .recommendCommands()
    .demandCommand(1, 'name a command, e.g. etcd-agent snapshot --etcd-endpoints http://127.0.0.1:2379 --target /tmp/snaps')
    .option('verbose', { type: 'boolean', describe: 'Print progress and log lines on stderr', alias: 'v' })
    .option('config-file', { type: 'string', requiresArg: true, describe: 'YAML file of config options (option: value); flags override it' })
    .option('identity-file', { type: 'string', requiresArg: true, describe: 'age identity file (AGE-SECRET-KEY-1...) for encrypted archives (restore, verify)' })
    .option('unit', { type: 'string', requiresArg: true, describe: 'Name recorded in manifests (default: the host name)' })
    .options(Object.fromEntries(configNames.map((n) => [n, { ...optionFor(charm.options[n]!), group: 'Config options:' }])))
    .parserConfiguration({ 'camel-case-expansion': false, 'strip-aliased': true, 'duplicate-arguments-array': false })
    .exitProcess(false)
    .fail((message, error) => {
      throw error ?? new Error(message);
    })
    .help()
    .version(false)
    // yargs lays out its help text even for a run that never prints it; wrapping that text costs more than the
    // rest of a start, so it is wrapped only when help is asked for.
    .wrap(args.some((a) => a === '--help' || a === '-h' || a === 'help') ? Math.min(110, process.stdout.columns ?? 100) : null);
  for (const { command, action, aliases } of COMMANDS) {
    const spec = charm.actions[action];
    if (!spec) continue;
    const paramNames = Object.keys(spec.params);
    cli.command(
      [command, ...aliases],
      spec.description.trim().split('\n')[0] ?? action,
      (y) => y.options(Object.fromEntries(paramNames.map((n) => [n, { ...optionFor(spec.params[n]!), group: 'Action params:' }]))),
      async (argv: Flags) => {
        const verbose = argv.verbose === true;
        const config = { ...(await readConfigFile(argv['config-file'] as string | undefined)), ...given(argv, configNames) };
        const tools = localTools(given(argv, paramNames), config, err, verbose);
        const log = createLogger(tools.log.bind(tools), verbose ? 'debug' : 'info');
        const host = typeof argv.unit === 'string' ? argv.unit : hostname();
        const outcome = await runAction(action, {
          ...deps,
          tools,
          log,
          charm,
          place: {
            unit: host,
            copyCommand: (path) => `scp ${host}:${path} .`,
            readIdentity: (secretId) => identityFromFile(argv['identity-file'] as string | undefined, secretId),
          },
        });
        await log.flush();
        if (Object.keys(tools.results).length > 0) out(await resultsYaml(tools.results));
        if (tools.failure !== undefined) err(`error: ${tools.failure}`);
        exitCode = outcome === 'ok' ? 0 : outcome === 'usage' ? 2 : 1;
      },
    );
  }
  cli.command(
    'schedule',
    'Take scheduled snapshots (snapshot-schedule) in the foreground, with retention, until SIGTERM',
    (y) => y,
    async (argv: Flags) => {
      const config = { ...(await readConfigFile(argv['config-file'] as string | undefined)), ...given(argv, configNames) };
      exitCode = await runScheduleCommand(config, charm, deps, typeof argv.unit === 'string' ? argv.unit : undefined);
    },
  );
  addMetricsCommand(cli, charm, deps.clock, async (argv) => ({ ...(await readConfigFile(argv['config-file'] as string | undefined)), ...given(argv, configNames) }), (code) => void (exitCode = code));
  try {
    await cli.parseAsync();
  } catch (error) {
    err(`error: ${error instanceof Error ? error.message : String(error)}`);
    err('run etcd-agent --help for usage');
    return 2;
  }
  return exitCode;
};
