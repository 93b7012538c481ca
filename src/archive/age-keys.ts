import { decodeBech32, decodeBech32Data } from '../format/bech32.ts';
import { UsageError } from '../errors/agent-error.ts';

const OPTION = 'encryption-recipients';
const SHOWN = 100;

const shown = (value: string): string => JSON.stringify(value.length > SHOWN ? `${value.slice(0, SHOWN)}…` : value);

// One recipient checked: only native X25519 keys (age1 + bech32), never echoing a pasted secret key.
const checkRecipient = (value: string, option: string): void => {
  if (/^age-secret-key-/i.test(value)) {
    throw new UsageError(`${option} holds an age secret key (AGE-SECRET-KEY-1…), not a public key: put its public key (age1…) there instead, and treat that secret key as exposed`);
  }
  const bad = (why: string): UsageError => new UsageError(`${option}: ${shown(value)} is not ${why}; each recipient must be an age X25519 public key such as \`age-keygen -y\` prints (age1 followed by 58 characters)`);
  // Their human-readable parts are age1pq and age1tag, so the bech32 separator 1 follows; an X25519 key's data can
  // begin with pq or tag (bech32's alphabet has no 1), and that key is valid.
  if (/^age1(pq|tag)1/.test(value)) throw bad('supported (post-quantum and tag recipients are not)');
  if (!value.startsWith('age1')) throw bad('an age X25519 public key');
  const decoded = decodeBech32(value);
  if (decoded?.prefix !== 'age' || decoded.bytes !== 32) throw bad('a valid age X25519 public key (bad length or checksum)');
};

// Splits and checks encryption-recipients: separated by spaces, commas or newlines, `#` lines
// are comments, duplicates dropped; empty → []. Throws UsageError naming the option (as the surface writes it) and the value.
export const parseRecipients = (value: string, option = OPTION): string[] => {
  const words = value
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .flatMap((line) => line.split(/[\s,]+/))
    .filter((word) => word.length > 0);
  for (const word of words) checkRecipient(word, option);
  return [...new Set(words)];
};

// The bare AGE-SECRET-KEY-1… line of an identity given alone or as an age-keygen key file (comments and blank lines ignored).
export const identityKey = (identity: string): string => {
  const lines = identity
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith('#'));
  const invalid = (why: string): UsageError => new UsageError(`the age identity is not usable: ${why} (its value is not shown)`);
  if (lines.length === 0) throw invalid('it is empty');
  if (lines.length > 1) throw invalid(`it holds ${lines.length} keys where one AGE-SECRET-KEY-1… line was expected`);
  const key = lines[0]!;
  if (key.startsWith('AGE-SECRET-KEY-PQ-')) throw invalid('post-quantum identities are not supported, only X25519 ones (AGE-SECRET-KEY-1…)');
  if (!key.startsWith('AGE-SECRET-KEY-1')) throw invalid('it does not start with AGE-SECRET-KEY-1 as an age X25519 identity does');
  const decoded = decodeBech32(key);
  if (decoded?.prefix !== 'age-secret-key-' || decoded.bytes !== 32) throw invalid('it is not a valid age X25519 identity (bad length or checksum)');
  return key;
};

// Validates an identity string (alone or as an age-keygen key file); throws UsageError that never holds any of it.
export const checkIdentity = (identity: string): void => {
  identityKey(identity);
};

// The 32-byte X25519 public key of a recipient parseRecipients accepted.
export const recipientKey = (recipient: string): Buffer => {
  const decoded = decodeBech32Data(recipient);
  if (decoded?.prefix !== 'age' || decoded.data.length !== 32) throw new UsageError(`encryption-recipients: ${shown(recipient)} is not a valid age X25519 public key`);
  return decoded.data;
};

// The 32-byte X25519 secret of an identity (alone or as an age-keygen key file); throws as checkIdentity does.
export const identitySecret = (identity: string): Buffer => (decodeBech32Data(identityKey(identity)) as { data: Buffer }).data;
