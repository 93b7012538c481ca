import { onPath } from '../../../src/etcd/etcd-binaries.ts';

// ISA-L's igzip, which the tests need as the agent uses it: `.ci/run` and scripts/setup.sh install it (Debian's isal).
export const igzipPath = (): string => {
  const path = onPath('igzip', process.env.PATH ?? '');
  if (path === undefined) throw new Error('igzip is not on PATH: install it with bash scripts/setup.sh (Debian package isal)');
  return path;
};
