// A stand-in for systemctl in tests (there is no systemd here); run through the `systemctl` wrapper beside it.
// Units are <unit>.json files in $SYSTEMCTL_SIM_DIR (see UnitDef in sim-units.ts). Beside them: <unit>.log (the
// service's output), <unit>.pid, <unit>.enabled, the test switches <unit>.fail-start and <unit>.fail-stop, the fault
// injections <unit>.kill-caller-after-stop and <unit>.kill-caller-before-start (see killCallerIf), and
// calls.log with every call's arguments, one call a line. Exit codes follow systemd: 0 ok, 1 failed,
// 3 not active (is-active, status), 4 no such unit (status), 5 unit not found (start, stop). kill sends
// --signal= (default SIGTERM) to the main process only with --kill-who(m)=main, else to its whole process group.
import { appendFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startUnit } from './sim-start.ts';
import { stopUnit } from './sim-stop.ts';
import { SystemctlExit, loadUnit, signalUnit, simDir, unitPath, unitState } from './sim-units.ts';

interface Call {
  verb: string | undefined;
  units: string[];
  flags: Set<string>;
  props: string[];
}

const parse = (argv: string[]): Call => {
  const flags = new Set<string>();
  const props: string[] = [];
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '-p' || arg === '--property') props.push(...(argv[++i] ?? '').split(','));
    else if (arg.startsWith('--property=')) props.push(...arg.slice('--property='.length).split(','));
    else if (arg === '-s') flags.add(`--signal=${argv[++i] ?? ''}`);
    else if (arg.startsWith('-')) flags.add(arg === '-q' ? '--quiet' : arg);
    else words.push(arg);
  }
  const [verb, ...units] = words;
  return { verb, units: units.map((u) => u.replace(/\.service$/, '')), flags, props };
};

const print = (call: Call, lines: string[]): void => {
  if (!call.flags.has('--quiet')) process.stdout.write(`${lines.join('\n')}\n`);
};

const needUnits = (call: Call): void => {
  if (call.units.length === 0) throw new SystemctlExit(1, 'Too few arguments.');
};

const needUnitFile = (unit: string, verb: string): void => {
  if (loadUnit(unit) === undefined) throw new SystemctlExit(1, `Failed to ${verb} unit: Unit file ${unit}.service does not exist.`);
};

const show = (call: Call, unit: string): string[] => {
  const { state, pid } = unitState(unit);
  const values: Record<string, string> = {
    Id: `${unit}.service`,
    LoadState: loadUnit(unit) === undefined ? 'not-found' : 'loaded',
    ActiveState: state,
    SubState: state === 'active' ? 'running' : state === 'failed' ? 'failed' : 'dead',
    MainPID: String(pid ?? 0),
    UnitFileState: existsSync(unitPath(unit, '.enabled')) ? 'enabled' : 'disabled',
  };
  const wanted = call.props.length > 0 ? call.props : Object.keys(values);
  return wanted.map((p) => (call.flags.has('--value') ? (values[p] ?? '') : `${p}=${values[p] ?? ''}`));
};

// The value of a --name=value flag, or undefined.
const flagValue = (call: Call, name: string): string | undefined =>
  [...call.flags].find((f) => f.startsWith(`${name}=`))?.slice(name.length + 1);

// systemctl kill: like systemd, refuses a unit that is not running ("No main process to kill").
const killUnit = (call: Call, unit: string): void => {
  if (loadUnit(unit) === undefined) throw new SystemctlExit(1, `Failed to kill unit ${unit}.service: Unit ${unit}.service not loaded.`);
  const { pid } = unitState(unit);
  if (pid === undefined) throw new SystemctlExit(1, `Failed to kill unit ${unit}.service: No main process to kill`);
  const raw = flagValue(call, '--signal') ?? 'SIGTERM';
  const sig = (raw.startsWith('SIG') ? raw : `SIG${raw}`) as NodeJS.Signals;
  const whom = flagValue(call, '--kill-whom') ?? flagValue(call, '--kill-who') ?? 'all';
  if (whom === 'main') process.kill(pid, sig);
  else signalUnit(pid, sig);
};

// Runs one systemctl call; returns its exit code.
const run = async (call: Call): Promise<number> => {
  const now = call.flags.has('--now');
  switch (call.verb) {
    case 'start':
      needUnits(call);
      for (const u of call.units) await startUnit(u);
      return 0;
    case 'stop':
      needUnits(call);
      for (const u of call.units) await stopUnit(u);
      return 0;
    case 'restart':
      needUnits(call);
      for (const u of call.units) {
        await stopUnit(u);
        await startUnit(u);
      }
      return 0;
    case 'enable':
      needUnits(call);
      for (const u of call.units) {
        needUnitFile(u, 'enable');
        writeFileSync(unitPath(u, '.enabled'), '');
        if (now) await startUnit(u);
      }
      return 0;
    case 'disable':
      needUnits(call);
      for (const u of call.units) {
        needUnitFile(u, 'disable');
        rmSync(unitPath(u, '.enabled'), { force: true });
        if (now) await stopUnit(u);
      }
      return 0;
    case 'is-enabled': {
      needUnits(call);
      const states = call.units.map((u) => (existsSync(unitPath(u, '.enabled')) ? 'enabled' : 'disabled'));
      print(call, states);
      return states.every((s) => s === 'enabled') ? 0 : 1;
    }
    case 'is-active': {
      needUnits(call);
      const states = call.units.map((u) => unitState(u).state);
      print(call, states);
      return states.every((s) => s === 'active') ? 0 : 3;
    }
    case 'is-failed': {
      needUnits(call);
      const states = call.units.map((u) => unitState(u).state);
      print(call, states);
      return states.some((s) => s === 'failed') ? 0 : 1;
    }
    case 'status': {
      needUnits(call);
      let code = 0;
      for (const u of call.units) {
        if (loadUnit(u) === undefined) {
          process.stderr.write(`Unit ${u}.service could not be found.\n`);
          code = 4;
          continue;
        }
        const { state, pid } = unitState(u);
        print(call, [`● ${u}.service`, `     Active: ${state}${pid === undefined ? '' : ' (running)'}`, ...(pid === undefined ? [] : [`   Main PID: ${pid}`])]);
        if (state !== 'active' && code === 0) code = 3;
      }
      return code;
    }
    case 'show':
      needUnits(call);
      print(call, call.units.flatMap((u) => show(call, u)));
      return 0;
    case 'kill':
      needUnits(call);
      for (const u of call.units) killUnit(call, u);
      return 0;
    case 'daemon-reload':
    case 'reset-failed':
      return 0;
    default:
      throw new SystemctlExit(1, `Unknown command verb ${call.verb ?? '(none)'}.`);
  }
};

const main = async (): Promise<number> => {
  const argv = process.argv.slice(2);
  try {
    const dir = simDir();
    mkdirSync(dir, { recursive: true });
    appendFileSync(join(dir, 'calls.log'), `${argv.join(' ')}\n`);
    return await run(parse(argv));
  } catch (error) {
    if (!(error instanceof SystemctlExit)) throw error;
    process.stderr.write(`${error.message}\n`);
    return error.code;
  }
};

process.exitCode = await main();
