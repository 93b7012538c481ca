// glibc's mmap threshold as dispatch and bin/etcd-agent export it (MALLOC_MMAP_THRESHOLD_), and as the scheduler's
// systemd unit sets it: a freed block of this size or more goes straight back to the kernel. Left to itself, glibc
// raises its threshold after the first large free, and the freed chunks of a snapshot's streams stayed resident.
export const MMAP_THRESHOLD_BYTES = 64 * 1024;

// The largest stream chunk malloc still serves from its heap under that threshold (its 16-byte header included,
// with room to spare): such chunks come from its free lists and are reused at once, where each larger one would be
// a fresh mapping with its pages faulted in (a thousand 256 KiB chunks for a 256 MiB db).
export const HEAP_CHUNK_BYTES = MMAP_THRESHOLD_BYTES - 64;
