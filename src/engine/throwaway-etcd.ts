import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../clock/clock.ts';
import type { EtcdClient } from '../etcd/etcd-client.ts';
import type { CommandRunner } from '../process/command-runner.ts';
import { freeLoopbackPorts } from './loopback-ports.ts';
import { loopbackUrl, PortTaken, startMember, THROWAWAY_NAME, type StartedMember } from './throwaway-member.ts';

// What a throwaway etcd needs: snapshot restore (etcdctl/etcdutl), a way to start the server, the clock its waits go by.
export interface ThrowawayDeps {
  etcd: Pick<EtcdClient, 'restore'>;
  runner: Pick<CommandRunner, 'start'>;
  clock: Clock;
}

// Which snapshot to serve, from where, and how long it may take to answer.
export interface ThrowawayOptions {
  binary: string;
  db: string;
  skipHashCheck: boolean;
  // A private directory the data dirs are restored into.
  scratch: string;
  startTimeoutMs: number;
  // Picks [client, peer] ports; free loopback ports by default.
  pickPorts?: () => Promise<number[]>;
  attempts?: number;
  // More etcd flags for the member (the replay's larger request and txn limits).
  extraArgs?: readonly string[];
}

// A running throwaway etcd serving a restored snapshot on loopback.
export interface ThrowawayEtcd extends StartedMember {
  dataDir: string;
  // How many starts it took (more than one when a port was taken meanwhile).
  attempts: number;
}

const ATTEMPTS = 3;

// Restores db into a fresh data dir under scratch and serves it with a throwaway single-member etcd on
// loopback ports; when another process takes a port before etcd binds it, does it again on new ports.
export const launchThrowawayEtcd = async (deps: ThrowawayDeps, options: ThrowawayOptions): Promise<ThrowawayEtcd> => {
  const pickPorts = options.pickPorts ?? (() => freeLoopbackPorts(2));
  const attempts = options.attempts ?? ATTEMPTS;
  for (let attempt = 1; ; attempt++) {
    const [clientPort = 0, peerPort = 0] = await pickPorts();
    const dataDir = join(options.scratch, `member-${attempt}`);
    const clusterToken = `${THROWAWAY_NAME}-${randomUUID()}`;
    await deps.etcd.restore(options.db, {
      dataDir,
      name: THROWAWAY_NAME,
      peerUrl: loopbackUrl(peerPort),
      clusterToken,
      skipHashCheck: options.skipHashCheck,
      bumpRevision: 0,
    });
    try {
      const member = await startMember(deps, {
        binary: options.binary,
        dataDir,
        clientPort,
        peerPort,
        clusterToken,
        startTimeoutMs: options.startTimeoutMs,
        ...(options.extraArgs ? { extraArgs: options.extraArgs } : {}),
      });
      return { ...member, dataDir, attempts: attempt };
    } catch (error) {
      await rm(dataDir, { recursive: true, force: true });
      if (!(error instanceof PortTaken) || attempt >= attempts) throw error;
    }
  }
};
