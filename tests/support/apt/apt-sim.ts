import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The folder holding the apt-get stand-in; put it first on PATH so `apt-get` resolves to it.
export const APT_DIR = fileURLToPath(new URL('./', import.meta.url));

// A handle on one apt-get stand-in state dir (see the comment at the top of ./apt-get).
export interface AptSim {
  dir: string;
  // Environment for the code under test.
  env: Record<string, string>;
  // Every call so far, as "DEBIAN_FRONTEND=<value> <arguments>".
  calls(): Promise<string[]>;
  // Makes install (or update) fail from now on, or work again.
  failing(verb: 'install' | 'update', fail: boolean): Promise<void>;
  // Has a successful install of etcd-server put the real etcd binary at path.
  installEtcdAt(path: string): Promise<void>;
  // Has a successful install of etcd-server start the package's own etcd.service, as its postinst does.
  startPackageUnit(): Promise<void>;
}

// The apt-get stand-in over state dir dir.
export const aptSim = (dir: string): AptSim => ({
  dir,
  env: { APT_SIM_DIR: dir },
  calls: async () => (await readFile(join(dir, 'calls.log'), 'utf8').catch(() => '')).split('\n').filter(Boolean),
  async failing(verb, fail) {
    const file = join(dir, `fail-${verb}`);
    if (fail) await writeFile(file, '');
    else await rm(file, { force: true });
  },
  installEtcdAt: (path) => writeFile(join(dir, 'etcd-binary'), path),
  startPackageUnit: () => writeFile(join(dir, 'package-unit'), ''),
});
