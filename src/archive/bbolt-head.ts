// How many bytes of a file tell whether it starts like a bbolt database (etcd's backend).
export const BBOLT_HEAD_BYTES = 32;

const META_PAGE_FLAG = 0x04;
const MAGIC = 0xed0cdaed;
const VERSION = 2;

// True when head begins with bbolt's first meta page: page id 0, the meta flag, the magic and version 2.
// A gzip bomb of zeros, a text file or a truncated header all fail it at the first bytes.
export const looksLikeBbolt = (head: Buffer): boolean =>
  head.length >= BBOLT_HEAD_BYTES &&
  head.readBigUInt64LE(0) === 0n &&
  head.readUInt16LE(8) === META_PAGE_FLAG &&
  head.readUInt32LE(16) === MAGIC &&
  head.readUInt32LE(20) === VERSION;
