// Bech32 (BIP 173), as age writes its keys (age1…, AGE-SECRET-KEY-1…): checked here without loading the age
// library, so reading the config costs nothing when there is nothing to encrypt.
const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const GENERATOR = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];

const polymod = (values: number[]): number => {
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= GENERATOR[i] as number;
  }
  return chk >>> 0;
};

const expandPrefix = (prefix: string): number[] => [...prefix].map((c) => c.charCodeAt(0) >> 5).concat([0], [...prefix].map((c) => c.charCodeAt(0) & 31));

// The bytes a Bech32 string's data words carry (5 bits each, big-endian; the spare bits at the end dropped).
const wordsToBytes = (words: number[]): Buffer => {
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const word of words) {
    acc = ((acc << 5) | word) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
    }
  }
  return Buffer.from(out);
};

// The prefix and the number of bytes a Bech32 string carries, or undefined when it is not valid Bech32
// (mixed case, a character outside the alphabet, a bad checksum, or padding bits that are not zero).
// Length limits are the caller's: age keys are longer than BIP 173's 90 characters.
export const decodeBech32 = (text: string): { prefix: string; bytes: number } | undefined => {
  const decoded = decodeBech32Data(text);
  return decoded && { prefix: decoded.prefix, bytes: decoded.data.length };
};

// The same, with the bytes themselves.
export const decodeBech32Data = (text: string): { prefix: string; data: Buffer } | undefined => {
  if (text !== text.toLowerCase() && text !== text.toUpperCase()) return undefined;
  const lower = text.toLowerCase();
  const split = lower.lastIndexOf('1');
  if (split < 1 || split + 7 > lower.length) return undefined;
  const prefix = lower.slice(0, split);
  if ([...prefix].some((c) => c.charCodeAt(0) < 33 || c.charCodeAt(0) > 126)) return undefined;
  const words: number[] = [];
  for (const c of lower.slice(split + 1)) {
    const v = CHARSET.indexOf(c);
    if (v < 0) return undefined;
    words.push(v);
  }
  if (polymod([...expandPrefix(prefix), ...words]) !== 1) return undefined;
  const dataBits = (words.length - 6) * 5;
  const bytes = Math.floor(dataBits / 8);
  // The bits past the last whole byte must be fewer than 5 and all zero.
  const spare = dataBits - bytes * 8;
  const last = words[words.length - 7] ?? 0;
  if (spare >= 5 || (last & ((1 << spare) - 1)) !== 0) return undefined;
  return { prefix, data: wordsToBytes(words.slice(0, -6)) };
};
