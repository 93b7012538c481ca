import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Certs } from '../net/certs.ts';
import { clientUrl, etcdCommand, peerUrl, type EtcdMemberSpec } from './args.ts';
import { runEtcdctl, type EtcdctlTls } from './ctl.ts';
import { waitHealthy } from './health.ts';
import { spawnEtcd, type EtcdProcess } from './process.ts';
import { releaseWorkspace, type Workspace } from './workspace.ts';

// A real etcd process (or cluster member) on loopback, owned by the test.
export interface EtcdServer {
  name: string;
  /** http(s)://127.0.0.1:PORT */
  endpoint: string;
  peerUrl: string;
  dataDir: string;
  logFile: string;
  /** Full argv (binary first) that runs this member; the same flags work for restarts. */
  command: string[];
  initialCluster: string;
  clusterToken: string;
  /** Client cert to use (absent without TLS). */
  tls?: { ca: string; cert: string; key: string };
  /** Every generated cert, including otherCa (absent without TLS). */
  certs?: Certs;
  /** Milliseconds the last start took until healthy. */
  readonly lastStartMs: number;
  /** Runs etcdctl (API v3) with --endpoints and TLS flags (input goes to its stdin); returns stdout. */
  etcdctl(args: string[], input?: string): Promise<string>;
  put(key: string, value: string): Promise<void>;
  get(key: string): Promise<string | undefined>;
  /** Number of keys under prefix (all keys by default). */
  count(prefix?: string): Promise<number>;
  /** True while the harness-owned process runs. */
  running(): boolean;
  /** SIGTERM and wait for exit, SIGKILL if it hangs (members of one cluster stop one at a time). */
  stop(): Promise<void>;
  /** Starts again on the same ports and data dir; waits until healthy. */
  start(): Promise<void>;
  /** Kill (SIGKILL: the data is going anyway), then remove the data dir and log. */
  cleanup(): Promise<void>;
}

// Members of one cluster stop one at a time: etcd 3.4 members stopped together bounce leadership
// between each other and the last one waits ~6 s for a leader transfer that cannot happen. A stop that
// still hangs gets SIGKILL after graceMs (safe for the data: etcd fsyncs its WAL on every commit).
export interface StopQueue {
  tail: Promise<void>;
  graceMs: number;
}

// A member plus the two halves of start(), so a cluster can spawn members in order and wait for all at once.
export interface MemberHandle {
  server: EtcdServer;
  launch(): void;
  awaitHealthy(): Promise<void>;
  hasExited(): boolean;
}

interface JsonRange {
  kvs?: { key: string; value?: string }[];
  count?: number | string;
}

const decode = (base64: string | undefined): string => Buffer.from(base64 ?? '', 'base64').toString('utf8');

// Builds (without starting) the member described by spec, living in workspace.
export const makeMember = (spec: EtcdMemberSpec, workspace: Workspace, stops: StopQueue): MemberHandle => {
  const endpoint = clientUrl(spec);
  const logFile = join(workspace.dir, `${spec.name}.log`);
  const command = etcdCommand(spec);
  const certs = workspace.certs;
  const tls = certs === undefined ? undefined : { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey };
  const ctlTls: { tls?: EtcdctlTls } = tls === undefined ? {} : { tls };
  let proc: EtcdProcess | undefined;
  let began = 0;
  let lastStartMs = 0;
  let cleaned = false;
  workspace.refs += 1;

  const etcdctl = (args: string[], input?: string): Promise<string> =>
    runEtcdctl(endpoint, args, { ...ctlTls, ...(input === undefined ? {} : { input }) });
  const running = (): boolean => proc !== undefined && !proc.hasExited();
  const stop = (): Promise<void> => {
    const next = stops.tail.then(async () => {
      await proc?.stop(stops.graceMs);
      proc = undefined;
    });
    stops.tail = next.catch(() => undefined);
    return next;
  };
  const launch = (): void => {
    if (running()) return;
    began = Date.now();
    proc = spawnEtcd(command, logFile);
  };
  const hasExited = (): boolean => proc === undefined || proc.hasExited();
  const awaitHealthy = async (): Promise<void> => {
    try {
      await waitHealthy(endpoint, { ...ctlTls, logFile, hasExited });
    } catch (error) {
      await stop();
      throw error;
    }
    lastStartMs = Date.now() - began;
  };

  const server: EtcdServer = {
    name: spec.name,
    endpoint,
    peerUrl: peerUrl(spec),
    dataDir: spec.dataDir,
    logFile,
    command,
    initialCluster: spec.initialCluster,
    clusterToken: spec.clusterToken,
    ...(tls === undefined ? {} : { tls }),
    ...(certs === undefined ? {} : { certs }),
    get lastStartMs() {
      return lastStartMs;
    },
    etcdctl,
    put: async (key, value) => {
      await etcdctl(['put', '--', key, value]);
    },
    get: async (key) => {
      const range = JSON.parse(await etcdctl(['get', '-w', 'json', '--', key])) as JsonRange;
      const kv = range.kvs?.[0];
      return kv === undefined ? undefined : decode(kv.value);
    },
    count: async (prefix = '') => {
      // The response's count is the size of the whole range even with --limit=1.
      const range = JSON.parse(await etcdctl(['get', '-w', 'json', '--prefix', '--keys-only', '--limit=1', '--', prefix])) as JsonRange;
      return Number(range.count ?? 0);
    },
    running,
    stop,
    start: async () => {
      if (running()) return;
      launch();
      await awaitHealthy();
    },
    cleanup: async () => {
      if (cleaned) return;
      cleaned = true;
      await proc?.kill();
      proc = undefined;
      await rm(spec.dataDir, { recursive: true, force: true });
      await rm(logFile, { force: true });
      await releaseWorkspace(workspace);
    },
  };
  return { server, launch, awaitHealthy, hasExited };
};
