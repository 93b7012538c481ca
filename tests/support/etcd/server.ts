import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { peerUrl, raftTiming } from './args.ts';
import { waitPeerServing } from './health.ts';
import { makeMember, type EtcdServer, type MemberHandle, type StopQueue } from './member.ts';
import { logTail } from './process.ts';
import { openWorkspace, releaseWorkspace, type Workspace } from './workspace.ts';
import { freePorts } from '../net/ports.ts';

// The server type, re-exported so tests import everything etcd from here.
export type { EtcdServer } from './member.ts';
// Seeding helpers, re-exported so tests import everything etcd from here.
export { kubernetesKey, kubernetesValue, seedKubernetesKeys } from './seed.ts';

// Options of startEtcd.
export interface StartEtcdOptions {
  tls?: boolean;
  /** Where data dir (<name>.etcd), log (<name>.log) and certs/ go; a fresh temp dir by default. */
  dir?: string;
  name?: string;
}

// Options of startCluster.
export interface StartClusterOptions {
  tls?: boolean;
  dir?: string;
}

const BOOT_ATTEMPTS = 3;
let clusterSeq = 0;

const token = (): string => `etcd-harness-${process.pid}-${Date.now().toString(36)}-${++clusterSeq}`;

// Spawns members one by one, each once the previous serves its peer port (a new etcd 3.4 member asks its
// peers whether it was already bootstrapped, and waits 1 s per peer that accepts but does not answer yet),
// then waits until all are healthy.
const launchAll = async (members: MemberHandle[]): Promise<void> => {
  if (members.length > 1) {
    for (const member of members) {
      member.launch();
      await waitPeerServing(member.server.peerUrl, { hasExited: member.hasExited });
    }
  } else {
    for (const member of members) member.launch();
  }
  const results = await Promise.allSettled(members.map((m) => m.awaitHealthy()));
  const failure = results.find((r) => r.status === 'rejected');
  if (failure !== undefined) throw failure.reason;
};

// Starts the named members together on fresh ports; retries when another process grabbed a port meanwhile.
const boot = async (names: string[], workspace: Workspace): Promise<MemberHandle[]> => {
  const fresh = names.map((name) => !existsSync(join(workspace.dir, `${name}.etcd`)));
  for (let attempt = 1; ; attempt++) {
    const ports = await freePorts(names.length * 2);
    const clusterToken = token();
    const stops: StopQueue = { tail: Promise.resolve(), graceMs: names.length > 1 ? 3_000 : 10_000 };
    const partial = names.map((name, i) => ({
      name,
      clientPort: ports[2 * i] ?? 0,
      peerPort: ports[2 * i + 1] ?? 0,
      dataDir: join(workspace.dir, `${name}.etcd`),
      ...raftTiming(names.length),
    }));
    const initialCluster = partial.map((p) => `${p.name}=${peerUrl(p)}`).join(',');
    const serverTls = workspace.certs === undefined ? {} : {
      tls: { ca: workspace.certs.ca, cert: workspace.certs.serverCert, key: workspace.certs.serverKey },
    };
    const members = partial.map((p) => makeMember({ ...p, initialCluster, clusterToken, ...serverTls }, workspace, stops));
    try {
      await launchAll(members);
      return members;
    } catch (error) {
      const tails = await Promise.all(members.map((m) => logTail(m.server.logFile, 200)));
      const portTaken = tails.some((tail) => tail.includes('address already in use'));
      await Promise.all(members.map((m) => m.server.stop()));
      await Promise.all(partial.map((p, i) => (fresh[i] === true ? rm(p.dataDir, { recursive: true, force: true }) : undefined)));
      if (!portTaken || attempt >= BOOT_ATTEMPTS) {
        await releaseWorkspace(workspace, members.length);
        throw error;
      }
      workspace.refs -= members.length;
    }
  }
};

// Starts one etcd on loopback ports (TLS with client-cert auth if asked); resolves once healthy.
export const startEtcd = async (opts: StartEtcdOptions = {}): Promise<EtcdServer> => {
  const workspace = await openWorkspace(opts.dir, opts.tls);
  const [member] = await boot([opts.name ?? 'etcd-0'], workspace);
  if (member === undefined) throw new Error('no etcd started');
  return member.server;
};

// Starts a real size-member cluster (members etcd-0..) on loopback, bootstrapped together; resolves once all are healthy.
export const startCluster = async (size: number, opts: StartClusterOptions = {}): Promise<EtcdServer[]> => {
  if (!Number.isInteger(size) || size < 1) throw new Error(`bad cluster size ${size}`);
  const workspace = await openWorkspace(opts.dir, opts.tls);
  const members = await boot(Array.from({ length: size }, (_, i) => `etcd-${i}`), workspace);
  return members.map((m) => m.server);
};
