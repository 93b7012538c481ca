import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { AgentError } from '../errors/agent-error.ts';

// A file bundled into the archive under pki/.
export interface PkiFile {
  // Where it lives on the unit.
  path: string;
  // Its name inside pki/ (unique).
  name: string;
  // The tar entry (pki/<name>).
  entry: string;
  sha256: string;
  bytes: number;
  // It holds a PEM private key.
  privateKey: boolean;
}

const PRIVATE_KEY = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/;

const MAX_PKI_BYTES = 1024 * 1024;

// Copies the include-paths files into scratch/pki/ (0600) and describes them for the manifest.
export const collectPki = async (paths: string[], scratch: string): Promise<PkiFile[]> => {
  if (paths.length === 0) return [];
  await mkdir(join(scratch, 'pki'), { mode: 0o700 });
  const taken = new Set<string>();
  const files: PkiFile[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) throw new AgentError(`include-paths: ${path} is not a readable file; fix include-paths`);
    if (info.size > MAX_PKI_BYTES) throw new AgentError(`include-paths: ${path} is larger than 1 MiB; only certificates and keys belong there`);
    let name = basename(path).replace(/^\.+/, '_');
    for (let i = 2; taken.has(name); i++) name = `${i}-${basename(path)}`;
    taken.add(name);
    const target = join(scratch, 'pki', name);
    await copyFile(path, target);
    await chmod(target, 0o600);
    const content = await readFile(target);
    files.push({
      path,
      name,
      entry: `pki/${name}`,
      sha256: createHash('sha256').update(content).digest('hex'),
      bytes: content.length,
      privateKey: PRIVATE_KEY.test(content.toString('latin1')),
    });
  }
  return files;
};
