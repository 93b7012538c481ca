import { SHA256_HEX } from '../format/sha256sum.ts';
import { DB_NAME, MANIFEST_NAME, type Manifest } from './manifest.ts';

// The largest etcd-snapshot.json an archive may hold.
export const MANIFEST_MAX_BYTES = 1024 * 1024;

// The most pki/ files an archive may carry (and its manifest list).
export const MAX_PKI_FILES = 64;

// The directory, inside the archive and inside scratch, that certificates live under.
export const PKI_DIR = 'pki';

// What a tar member says about itself, as far as the rules below care.
export interface MemberHeader {
  path: string;
  // the type after pax overrides, and the type the 512-byte header itself carries.
  type: string;
  headerType: string;
  linkpath: string | undefined;
}

// What to do with one member: write it to a name relative to scratch, skip it, or refuse the archive.
export type MemberPlan = { kind: 'file'; name: string } | { kind: 'skip' } | { kind: 'refuse'; reason: string };

const REGULAR = new Set(['File', 'OldFile', 'ContiguousFile']);

const TYPE_WORDS: Record<string, string> = {
  SymbolicLink: 'a symbolic link',
  Link: 'a hard link',
  CharacterDevice: 'a character device',
  BlockDevice: 'a block device',
  FIFO: 'a FIFO',
  Directory: 'a directory',
  GNUDumpDir: 'a directory',
};

const SAFE_FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

// Directory entries that carry nothing and may be ignored: the archive root and pki/ itself.
const HARMLESS_DIRS = new Set(['.', '', PKI_DIR]);

const typeWords = (type: string): string => TYPE_WORDS[type] ?? `a ${JSON.stringify(type)} entry`;

// Decides what to do with a member: only db, etcd-snapshot.json and pki/<file>, all regular files.
export const planMember = (member: MemberHeader): MemberPlan => {
  const { path } = member;
  if (path.startsWith('/')) return { kind: 'refuse', reason: 'has an absolute path' };
  const segments = path.split('/');
  if (segments.includes('..')) return { kind: 'refuse', reason: 'escapes the archive' };
  const relative = path.startsWith('./') ? path.slice(2) : path;
  const types = [member.type, member.headerType];
  if (types.every((type) => type === 'Directory') && !member.linkpath && HARMLESS_DIRS.has(relative.replace(/\/$/, ''))) {
    return { kind: 'skip' };
  }
  const odd = types.find((type) => !REGULAR.has(type));
  if (odd !== undefined) return { kind: 'refuse', reason: `is ${typeWords(odd)}; only regular files are accepted` };
  if (member.linkpath) return { kind: 'refuse', reason: 'is a regular file that names a link target' };
  if (relative === DB_NAME || relative === MANIFEST_NAME) return { kind: 'file', name: relative };
  const [dir, file, ...deeper] = relative.split('/');
  if (dir === PKI_DIR && file !== undefined && deeper.length === 0 && SAFE_FILE_NAME.test(file)) {
    return { kind: 'file', name: `${PKI_DIR}/${file}` };
  }
  return {
    kind: 'refuse',
    reason: `does not belong in a snapshot archive (only ${DB_NAME}, ${MANIFEST_NAME} and ${PKI_DIR}/<file> do)`,
  };
};

const STRING_FIELDS = ['compression', 'created', 'trigger', 'unit', 'dbSha256', 'clusterId', 'etcdVersion', 'etcdctlVersion', 'endpoint'];
const NUMBER_FIELDS = ['format', 'hash', 'size', 'memberCount'];
const COUNT_FIELDS = ['revision', 'totalKeys'];

// Parses etcd-snapshot.json and checks its shape; throws an Error whose message says what is wrong.
export const parseManifest = (text: string): Manifest => {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`is not valid JSON (${error instanceof Error ? error.message : String(error)})`, { cause: error });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('is not a JSON object');
  const fields = value as Record<string, unknown>;
  for (const key of COUNT_FIELDS) {
    const n = fields[key];
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new Error(`has no numeric ${key}`);
  }
  for (const key of STRING_FIELDS) {
    if (key in fields && typeof fields[key] !== 'string') throw new Error(`has a ${key} that is not a string`);
  }
  for (const key of NUMBER_FIELDS) {
    if (key in fields && (typeof fields[key] !== 'number' || !Number.isFinite(fields[key]))) {
      throw new Error(`has a ${key} that is not a number`);
    }
  }
  if ('pki' in fields) {
    const pki = fields.pki;
    if (!Array.isArray(pki) || pki.length > MAX_PKI_FILES) throw new Error(`has a pki list that is not an array of at most ${MAX_PKI_FILES} files`);
    for (const file of pki as unknown[]) {
      const f = file as Record<string, unknown>;
      const complete = typeof f === 'object' && f !== null && typeof f.name === 'string' && typeof f.path === 'string' && typeof f.bytes === 'number' && Number.isSafeInteger(f.bytes) && f.bytes >= 0;
      if (!complete || typeof f.sha256 !== 'string' || !SHA256_HEX.test(f.sha256)) {
        throw new Error('has a pki entry without a name, a path, a byte count and a 64-hex sha256');
      }
    }
  }
  return value as Manifest;
};
