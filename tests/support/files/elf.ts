import { readFile } from 'node:fs/promises';

// What a 64-bit little-endian ELF file says about itself: e_machine (62 = x86-64, 183 = AArch64) and its section names.
export interface ElfSummary {
  machine: number;
  sections: string[];
}

// Reads the ELF header and section header table, without relying on `file` or binutils.
export const elfSections = async (path: string): Promise<ElfSummary> => {
  const elf = await readFile(path);
  if (elf.readUInt32BE(0) !== 0x7f454c46) throw new Error(`${path} is not an ELF file`);
  if (elf[4] !== 2 || elf[5] !== 1) throw new Error(`${path} is not a 64-bit little-endian ELF file`);
  const shoff = Number(elf.readBigUInt64LE(0x28));
  const shentsize = elf.readUInt16LE(0x3a);
  const shnum = elf.readUInt16LE(0x3c);
  const shstrndx = elf.readUInt16LE(0x3e);
  const header = (i: number): number => shoff + i * shentsize;
  const strtab = Number(elf.readBigUInt64LE(header(shstrndx) + 0x18));
  const sections: string[] = [];
  for (let i = 1; i < shnum; i++) {
    const start = strtab + elf.readUInt32LE(header(i));
    sections.push(elf.toString('latin1', start, elf.indexOf(0, start)));
  }
  return { machine: elf.readUInt16LE(18), sections };
};
