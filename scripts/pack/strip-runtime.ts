import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { elfMachine } from './elf-machine.ts';
import type { NodeRuntime } from './node-runtime.ts';

// A runtime with its debug info and symbol table stripped, and the sizes before and after.
export interface StrippedRuntime extends NodeRuntime {
  bytesBefore: number;
  bytes: number;
}

// Strips runtime.binary into dir with binutils' strip for its architecture (--strip-all: code and dynamic symbols
// stay, so it runs as before), checks it is still that architecture's ELF, and where the host can run it, that it
// still reports the pinned version.
export const stripRuntime = async (runtime: NodeRuntime, dir: string): Promise<StrippedRuntime> => {
  const arch = runtime.architecture;
  const check = async (file: string): Promise<void> => {
    const machine = await elfMachine(file);
    if (machine !== arch.elfMachine) throw new Error(`${file} is ELF machine ${machine}, not ${arch.elfMachine} (${arch.juju})`);
  };
  await check(runtime.binary);
  const out = join(dir, `node-${arch.juju}`);
  const stripped = await execa(arch.strip, ['--strip-all', '-o', out, runtime.binary], { reject: false });
  if ((stripped as { code?: string }).code === 'ENOENT') throw new Error(`${arch.strip} is missing, so the ${arch.juju} runtime cannot be stripped; run scripts/setup.sh (it installs ${arch.stripPackage})`);
  if (stripped.exitCode !== 0) throw new Error(`${arch.strip} failed on ${runtime.binary}: ${stripped.stderr.trim()}`);
  await check(out);
  if (process.arch === arch.npmCpu && process.platform === 'linux') {
    const { stdout } = await execa(out, ['--version']);
    if (stdout.trim() !== `v${runtime.version}`) throw new Error(`the stripped ${arch.juju} runtime reports ${stdout.trim()}, not v${runtime.version}`);
  }
  return { ...runtime, binary: out, bytesBefore: (await stat(runtime.binary)).size, bytes: (await stat(out)).size };
};
