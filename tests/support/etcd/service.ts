import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { ETCDCTL, tlsFlags } from './ctl.ts';
import { guardPidFile } from './exit-guard.ts';
import type { EtcdServer } from './server.ts';
import type { UnitDef } from '../systemctl/sim-units.ts';

// The folder holding the systemctl stand-in; put it first on PATH so `systemctl` resolves to it.
export const SYSTEMCTL_DIR = fileURLToPath(new URL('../systemctl/', import.meta.url));

// The systemctl stand-in executable.
export const SYSTEMCTL = join(SYSTEMCTL_DIR, 'systemctl');

// What one systemctl call did.
export interface SystemctlResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

// An etcd unit run by the systemctl stand-in.
export interface EtcdService {
  unit: string;
  simDir: string;
  unitFile: string;
  pidFile: string;
  logFile: string;
  /** Runs the stand-in with this sim dir; never throws on a non-zero exit. */
  systemctl(args: string[]): Promise<SystemctlResult>;
}

// Environment for code under test: the stand-in first on PATH and SYSTEMCTL_SIM_DIR set.
export const systemctlEnv = (simDir: string): Record<string, string> => ({
  SYSTEMCTL_SIM_DIR: simDir,
  PATH: `${SYSTEMCTL_DIR}:${process.env['PATH'] ?? '/usr/bin:/bin'}`,
});

// Runs the systemctl stand-in against simDir; never throws on a non-zero exit.
export const runSystemctl = async (simDir: string, args: string[]): Promise<SystemctlResult> => {
  const result = await execa(SYSTEMCTL, args, {
    env: systemctlEnv(simDir),
    reject: false,
    stdin: 'ignore',
    timeout: 60_000,
  });
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
};

// Hands server over to the stand-in as unit: stops the harness-owned process, writes <simDir>/<unit>.json with the
// same etcd flags, and (unless start is false) runs `systemctl enable --now <unit>`. From then on start and stop it
// with systemctl: server.start() would run a second etcd on the same ports.
export const installEtcdService = async (
  simDir: string,
  unit: string,
  server: EtcdServer,
  opts: { start?: boolean } = {},
): Promise<EtcdService> => {
  await mkdir(simDir, { recursive: true });
  const unitFile = join(simDir, `${unit}.json`);
  const pidFile = join(simDir, `${unit}.pid`);
  const tls = server.tls === undefined ? [] : tlsFlags(server.tls);
  const description: UnitDef = {
    command: server.command,
    env: {},
    pidFile,
    readyTcp: new URL(server.endpoint).host,
    readyCommand: [ETCDCTL, `--endpoints=${server.endpoint}`, ...tls, 'endpoint', 'health', '--dial-timeout=500ms', '--command-timeout=2s'],
    startTimeoutMs: 20_000,
    stopTimeoutMs: 10_000,
  };
  await server.stop();
  await writeFile(unitFile, `${JSON.stringify(description, null, 2)}\n`);
  guardPidFile(pidFile);
  const service: EtcdService = {
    unit,
    simDir,
    unitFile,
    pidFile,
    logFile: join(simDir, `${unit}.log`),
    systemctl: (args) => runSystemctl(simDir, args),
  };
  if (opts.start !== false) {
    const started = await service.systemctl(['enable', '--now', unit]);
    if (started.exitCode !== 0) throw new Error(`systemctl enable --now ${unit} failed: ${started.stderr}`);
  }
  return service;
};
