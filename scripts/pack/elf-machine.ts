import { open } from 'node:fs/promises';

// The e_machine field of a 64-bit little-endian ELF file (62 = x86-64, 183 = AArch64); throws for anything else.
export const elfMachine = async (file: string): Promise<number> => {
  const handle = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(20), 0, 20, 0);
    if (bytesRead < 20 || buffer.readUInt32BE(0) !== 0x7f454c46) throw new Error(`${file} is not an ELF file`);
    if (buffer[4] !== 2 || buffer[5] !== 1) throw new Error(`${file} is not a 64-bit little-endian ELF file`);
    return buffer.readUInt16LE(18);
  } finally {
    await handle.close();
  }
};
