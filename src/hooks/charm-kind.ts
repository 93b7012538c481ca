import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

// True when the charm's metadata.yaml says `subordinate: true` (the etcd-backup charm).
export const isSubordinate = async (root: string): Promise<boolean> =>
  /^subordinate:\s*true\s*$/m.test(await readFile(join(root, 'metadata.yaml'), 'utf8').catch(() => ''));
