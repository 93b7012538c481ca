import { setFlagsFromString } from 'node:v8';

// One-shot commands start with V8's optimizing compilers off (dispatch and bin/etcd-agent pass --no-opt
// --no-maglev): they spend their time in zlib, OpenSSL and child processes, and the compilers' code pages and
// compile memory were 6-10 MiB of their peak RSS. A replay to a point is the exception: it runs JavaScript for every
// revision it applies, for minutes, and without the compilers it used about 30 % more CPU.
// It turns them back on for the rest of its process; functions already running are optimized once hot.
export const enableOptimizingCompilers = (): void => {
  setFlagsFromString('--turbofan');
  setFlagsFromString('--maglev');
};
