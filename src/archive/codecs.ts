import type { Duplex } from 'node:stream';
import type { CommandRunner } from '../process/command-runner.ts';
import type { Compression } from './compression-spec.ts';

// What compresses a snapshot's db outside the agent's process, for the compressions a faster program does. The
// output is gzip members, which concatenate with the manifest's member (always compressed in process). Archives are
// always decompressed in process: igzip -d through a pipe checked a 256 MiB archive in 1.7-2.1 s where the agent's
// zlib took 1.3 s, though igzip -d alone takes 0.27 s to zlib's 0.70. (No zlib here: every start builds this.)
export interface ArchiveCodecs {
  // A stage that compresses what is written to it with c and writes the result to the file open as fd (at the
  // descriptor's offset, or its end when opened to append), not through the agent; its readable side gives nothing
  // and ends once the program exited 0. undefined: the agent's own zlib and zstd compress (compressor).
  compressTo(c: Compression, fd: number): Duplex | undefined;
  // What to compress with instead when a program of these failed (CommandError): a snapshot is not lost to a
  // broken helper.
  readonly fallback?: ArchiveCodecs;
}

// Everything in process.
export const inProcessCodecs: ArchiveCodecs = { compressTo: () => undefined };

// ISA-L's igzip (Debian and Ubuntu package isal) for gzip:1. On a 256 MiB Kubernetes-like db igzip -1 took
// 0.40 CPU-s for 75.0 MB where zlib's level 1 took 1.8 CPU-s for 74.2 MB: on 2 cores beside etcd and etcdctl,
// that CPU is what a snapshot waits for. It writes the archive file itself, so its output is never read through a
// pipe into the agent's memory. Higher gzip levels stay zlib's, so gzip:6 means what gzip -6 means.
export const igzipCodecs = (runner: Pick<CommandRunner, 'filter'>, igzip: string): ArchiveCodecs => ({
  compressTo: (c, fd) => (c.codec === 'gzip' && c.level === 1 ? runner.filter(igzip, ['-1', '-c'], { stdoutFd: fd }) : undefined),
  fallback: inProcessCodecs,
});

// The codecs for this host: igzip where it is installed (its path found on PATH), else the agent's own.
export const hostCodecs = (runner: Pick<CommandRunner, 'filter'>, igzipPath: string | undefined): ArchiveCodecs =>
  igzipPath === undefined ? inProcessCodecs : igzipCodecs(runner, igzipPath);
