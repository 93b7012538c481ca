import { buffer } from 'node:stream/consumers';
import { create, Header } from 'tar';

const BLOCK = 512;

// Zero bytes that bring a member's content of `bytes` to a whole number of 512-byte blocks.
export const padding = (bytes: number): Buffer => Buffer.alloc((BLOCK - (bytes % BLOCK)) % BLOCK);

// The 512-byte ustar header of a regular file (0600, owner 0, no user or group names: as `portable` tar writes).
export const fileHeader = (name: string, size: number, mtime: Date): Buffer => {
  const header = new Header({ path: name, mode: 0o600, uid: 0, gid: 0, size, mtime, type: 'File' });
  const block = Buffer.alloc(BLOCK);
  if (header.encode(block, 0)) throw new Error(`tar member name ${name} needs a pax header`);
  return block;
};

// A whole small member: header, content, padding.
export const smallMember = (name: string, content: Buffer, mtime: Date): Buffer => Buffer.concat([fileHeader(name, content.length, mtime), content, padding(content.length)]);

// The end of an archive: the members for files of cwd (tar writes them, pax headers where names need them),
// then the two zero blocks that mark the end.
export const archiveEnd = async (cwd: string, entries: string[]): Promise<Buffer> =>
  entries.length === 0 ? Buffer.alloc(2 * BLOCK) : buffer(create({ cwd, portable: true, strict: true }, entries));
