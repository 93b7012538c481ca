import { open, rename, rm, stat } from 'node:fs/promises';
import type { ZipCompressor } from './zip-compressor.ts';

// One file of the archive: its name inside, its content (a path on disk or bytes) and its Unix mode.
export interface ZipEntry {
  name: string;
  source: string | Buffer;
  mode: number;
}

// What writeZip produced.
export interface ZipResult {
  bytes: number;
  entries: number;
}

const UTF8_NAMES = 0x0800;
const MADE_BY_UNIX = (3 << 8) | 20;

const parentDirs = (name: string): string[] => {
  const parts = name.split('/').slice(0, -1);
  return parts.map((_, i) => `${parts.slice(0, i + 1).join('/')}/`);
};

// MS-DOS date and time of a moment, read in UTC so the archive does not depend on the packer's time zone.
const dosTime = (at: Date): { time: number; date: number } => ({
  time: (at.getUTCHours() << 11) | (at.getUTCMinutes() << 5) | Math.floor(at.getUTCSeconds() / 2),
  date: (Math.max(at.getUTCFullYear() - 1980, 0) << 9) | ((at.getUTCMonth() + 1) << 5) | at.getUTCDate(),
});

interface CentralRecord {
  name: Buffer;
  mode: number;
  crc: number;
  size: number;
  compressedSize: number;
  method: number;
  offset: number;
}

// Writes entries and their parent dirs as a zip (Unix modes in the external attributes, every time mtime) via a
// temporary name, so out is never partial. Contents come from compress, which may have compressed them already.
export const writeZip = async (entries: readonly ZipEntry[], out: string, options: { compress: ZipCompressor; mtime: Date }): Promise<ZipResult> => {
  const { time, date } = dosTime(options.mtime);
  // The fields the local header and the central directory share, from version-needed to the name's length.
  const writeFields = (buffer: Buffer, at: number, record: CentralRecord): void => {
    buffer.writeUInt16LE(20, at);
    buffer.writeUInt16LE(UTF8_NAMES, at + 2);
    buffer.writeUInt16LE(record.method, at + 4);
    buffer.writeUInt16LE(time, at + 6);
    buffer.writeUInt16LE(date, at + 8);
    buffer.writeUInt32LE(record.crc, at + 10);
    buffer.writeUInt32LE(record.compressedSize, at + 14);
    buffer.writeUInt32LE(record.size, at + 18);
    buffer.writeUInt16LE(record.name.length, at + 22);
  };
  const partial = `${out}.${process.pid}.partial`;
  const file = await open(partial, 'w', 0o644);
  const records: CentralRecord[] = [];
  let offset = 0;
  const write = async (...parts: Buffer[]): Promise<void> => {
    for (const part of parts) {
      await file.write(part);
      offset += part.length;
    }
  };
  const add = async (name: string, mode: number, content: { data: Buffer; crc: number; size: number; method: number }): Promise<void> => {
    const record = { name: Buffer.from(name), mode, crc: content.crc, size: content.size, compressedSize: content.data.length, method: content.method, offset };
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    writeFields(header, 4, record);
    await write(header, record.name, content.data);
    records.push(record);
  };
  try {
    const dirs = new Set<string>();
    for (const entry of entries) {
      for (const dir of parentDirs(entry.name)) {
        if (!dirs.has(dir)) await add(dir, 0o40755, { data: Buffer.alloc(0), crc: 0, size: 0, method: 0 });
        dirs.add(dir);
      }
      await add(entry.name, 0o100000 | entry.mode, await options.compress(entry.source));
    }
    if (records.length > 0xffff) throw new Error(`${records.length} entries do not fit a zip without zip64`);
    const start = offset;
    for (const record of records) {
      const central = Buffer.alloc(46);
      central.writeUInt32LE(0x02014b50, 0);
      central.writeUInt16LE(MADE_BY_UNIX, 4);
      writeFields(central, 6, record);
      central.writeUInt32LE(((record.mode << 16) | ((record.mode & 0o40000) ? 0x10 : 0)) >>> 0, 38);
      central.writeUInt32LE(record.offset, 42);
      await write(central, record.name);
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(records.length, 8);
    end.writeUInt16LE(records.length, 10);
    end.writeUInt32LE(offset - start, 12);
    end.writeUInt32LE(start, 16);
    await write(end);
    if (offset > 0xffffffff) throw new Error(`${out} would be 4 GiB or more; zip64 is not written`);
    await file.close();
    await rename(partial, out);
  } finally {
    await file.close().catch(() => undefined);
    await rm(partial, { force: true });
  }
  return { bytes: (await stat(out)).size, entries: records.length };
};
