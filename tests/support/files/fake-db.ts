// A stand-in for an etcd db where a test needs bytes, not a database: bbolt's first 32 bytes (meta page 0: page id 0,
// the meta flag 0x04, magic 0xED0CDAED, version 2, page size 4096), then body. The agent's unpack checks exactly this
// header; `snapshot status` would still reject the rest.
export const bboltHead = (): Buffer => {
  const head = Buffer.alloc(32);
  head.writeUInt16LE(0x04, 8);
  head.writeUInt32LE(0xed0cdaed, 16);
  head.writeUInt32LE(2, 20);
  head.writeUInt32LE(4096, 24);
  return head;
};

// body behind a bbolt header.
export const fakeDb = (body: Buffer | string = ''): Buffer => Buffer.concat([bboltHead(), Buffer.from(body)]);
