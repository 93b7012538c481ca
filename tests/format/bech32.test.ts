import t from 'tap';
import { execFileSync } from 'node:child_process';
import { decodeBech32 } from '../../src/format/bech32.ts';

t.test('age keys from age-keygen decode; a changed, mixed-case or foreign character does not', async (t) => {
  for (let i = 0; i < 5; i++) {
    const key = execFileSync('age-keygen', { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const secret = key.trim().split('\n').at(-1) as string;
    const recipient = execFileSync('age-keygen', ['-y'], { input: key, encoding: 'utf8' }).trim();
    t.strictSame(decodeBech32(recipient), { prefix: 'age', bytes: 32 });
    t.strictSame(decodeBech32(secret), { prefix: 'age-secret-key-', bytes: 32 });
    const last = recipient.at(-1) as string;
    t.equal(decodeBech32(`${recipient.slice(0, -1)}${last === 'q' ? 'p' : 'q'}`), undefined, 'one changed character breaks the checksum');
    t.equal(decodeBech32(`${recipient.slice(0, 10).toUpperCase()}${recipient.slice(10)}`), undefined, 'mixed case');
    t.equal(decodeBech32(`${recipient.slice(0, -1)}b`), undefined, '"b" is not in the alphabet');
  }
  t.equal(decodeBech32('age1'), undefined, 'too short for a checksum');
  t.equal(decodeBech32('noseparator'), undefined);
});
