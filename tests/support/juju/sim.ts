// A typed handle on the Juju hook-tool simulator in tests/juju-sim/, and a dispatch runner.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

// What a test declares about the unit; null resources are "not attached".
export interface SimSetup {
  params?: Record<string, unknown>;
  config?: Record<string, unknown>;
  relations?: Record<string, Record<string, string[]>>;
  resources?: Record<string, string | null>;
  leader?: boolean;
  secrets?: Record<string, Record<string, string>>;
  address?: string;
}

// Everything the hook tools recorded so far.
export interface SimState {
  results: Record<string, unknown>;
  failed: boolean;
  message: string | undefined;
  actionLogs: string[];
  logs: { level: string; message: string }[];
  statusHistory: { status: string; message: string }[];
  calls: string[][];
}

// A simulator instance: its state dir, the tools' dir, and helpers.
export interface JujuSim {
  dir: string;
  binDir: string;
  setup(s: SimSetup): Promise<void>;
  env(extra?: Record<string, string>): Record<string, string>;
  read(): Promise<SimState>;
  cleanup(): Promise<void>;
}

// The outcome of one dispatch, as Juju would report it.
export interface DispatchRun extends SimState {
  exitCode: number;
  stdout: string;
  stderr: string;
  status: 'completed' | 'failed';
}

// Options of runDispatch; dispatchPath is e.g. 'actions/snapshot' or 'hooks/install'.
export interface DispatchOptions {
  charmDir: string;
  dispatchPath: string;
  unit?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  // Run the agent in a process group of its own, so a fault injection can kill all of it and nothing else.
  detached?: boolean;
}

const BIN_DIR = fileURLToPath(new URL('../../juju-sim/bin', import.meta.url));

const readText = async (file: string): Promise<string> => (existsSync(file) ? readFile(file, 'utf8') : '');

const readJsonl = async <T>(file: string): Promise<T[]> =>
  (await readText(file))
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as T);

const readJsonFile = async <T>(file: string, fallback: T): Promise<T> => {
  const text = await readText(file);
  return text ? (JSON.parse(text) as T) : fallback;
};

// Create a simulator with a fresh state dir under the OS temp dir.
export async function createJujuSim(setup: SimSetup = {}): Promise<JujuSim> {
  const dir = await mkdtemp(join(tmpdir(), 'juju-sim-'));
  let current: SimSetup = {};
  const sim: JujuSim = {
    dir,
    binDir: BIN_DIR,
    // Merge top-level keys into the current setup (a key given replaces that key).
    async setup(s) {
      current = { ...current, ...s };
      await writeFile(join(dir, 'setup.json'), JSON.stringify(current, null, 2));
    },
    env(extra = {}) {
      const path = [BIN_DIR, dirname(process.execPath), process.env.PATH ?? ''].join(delimiter);
      return { JUJU_SIM_DIR: dir, PATH: path, ...extra };
    },
    async read() {
      const failure = await readJsonFile<{ failed?: boolean; message?: string }>(join(dir, 'failure.json'), {});
      return {
        results: await readJsonFile<Record<string, unknown>>(join(dir, 'results.json'), {}),
        failed: failure.failed === true,
        message: failure.message,
        actionLogs: await readJsonl<string>(join(dir, 'action-logs.jsonl')),
        logs: await readJsonl<{ level: string; message: string }>(join(dir, 'logs.jsonl')),
        statusHistory: await readJsonl<{ status: string; message: string }>(join(dir, 'status.jsonl')),
        calls: await readJsonl<string[]>(join(dir, 'calls.jsonl')),
      };
    },
    async cleanup() {
      await rm(dir, { recursive: true, force: true });
    },
  };
  await sim.setup(setup);
  return sim;
}

let nextActionId = 7;

// Environment Juju gives dispatch for a hook or an action (without the sim's own vars).
const jujuEnv = async (sim: JujuSim, opts: DispatchOptions): Promise<Record<string, string>> => {
  const unit = opts.unit ?? 'etcd/0';
  const [kind, name = ''] = opts.dispatchPath.split('/');
  const env: Record<string, string> = {
    JUJU_DISPATCH_PATH: opts.dispatchPath,
    JUJU_UNIT_NAME: unit,
    JUJU_CHARM_DIR: opts.charmDir,
    CHARM_DIR: opts.charmDir,
    JUJU_MODEL_NAME: 'test',
    JUJU_MODEL_UUID: '1d2e3f40-5a6b-4c7d-8e9f-0a1b2c3d4e5f',
    JUJU_VERSION: '3.6.0',
    JUJU_CONTEXT_ID: `${unit}-${name}-${randomUUID().slice(0, 8)}`,
    JUJU_HOOK_NAME: kind === 'actions' ? '' : name,
  };
  if (kind === 'actions') {
    const id = String(nextActionId++);
    Object.assign(env, { JUJU_ACTION_NAME: name, JUJU_ACTION_UUID: id, JUJU_ACTION_TAG: `action-${id}` });
  }
  const relation = /^(.+)-relation-[a-z]+$/.exec(name)?.[1];
  if (kind === 'hooks' && relation) {
    const setup = await readJsonFile<SimSetup>(join(sim.dir, 'setup.json'), {});
    env.JUJU_RELATION = relation;
    const id = Object.keys(setup.relations?.[relation] ?? {})[0];
    if (id) env.JUJU_RELATION_ID = id;
  }
  return env;
};

// Run <charmDir>/dispatch as Juju does and report the outcome; action results/failure/logs are reset first.
export async function runDispatch(sim: JujuSim, opts: DispatchOptions): Promise<DispatchRun> {
  for (const f of ['results.json', 'failure.json', 'action-logs.jsonl']) await rm(join(sim.dir, f), { force: true });
  const base: Record<string, string> = {};
  for (const key of ['HOME', 'LANG', 'TMPDIR', 'USER']) {
    const value = process.env[key];
    if (value !== undefined) base[key] = value;
  }
  const proc = await execa(join(opts.charmDir, 'dispatch'), [], {
    cwd: opts.charmDir,
    env: { ...base, ...(await jujuEnv(sim, opts)), ...sim.env(), ...opts.env },
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    stripFinalNewline: false,
    timeout: opts.timeoutMs ?? 60_000,
    detached: opts.detached === true,
  });
  const state = await sim.read();
  const exitCode = proc.exitCode ?? -1;
  let { failed, message } = state;
  if (proc.signal) {
    failed = true;
    message = `signal: ${proc.signal === 'SIGKILL' ? 'killed' : proc.signal === 'SIGTERM' ? 'terminated' : proc.signal}`;
  } else if (exitCode !== 0) {
    failed = true;
    message = `exit status ${exitCode}`;
  }
  return {
    ...state,
    failed,
    message,
    exitCode,
    stdout: String(proc.stdout),
    stderr: String(proc.stderr),
    status: failed ? 'failed' : 'completed',
  };
}
