// The architectures the charms are packed for: Juju's name, npm's (node-linux-<cpu>), the ELF machine of their
// binaries, and the binutils strip that handles them on any host.
export interface Architecture {
  juju: 'amd64' | 'arm64';
  npmCpu: 'x64' | 'arm64';
  elfMachine: number;
  strip: string;
  stripPackage: string;
}

// Every architecture a charm is packed for; the first is the one etcd.charm and etcd-backup.charm carry.
export const ARCHITECTURES: readonly Architecture[] = [
  { juju: 'amd64', npmCpu: 'x64', elfMachine: 62, strip: 'x86_64-linux-gnu-strip', stripPackage: 'binutils-x86-64-linux-gnu' },
  { juju: 'arm64', npmCpu: 'arm64', elfMachine: 183, strip: 'aarch64-linux-gnu-strip', stripPackage: 'binutils-aarch64-linux-gnu' },
];
