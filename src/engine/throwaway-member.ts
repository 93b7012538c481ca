import type { Clock } from '../clock/clock.ts';
import type { ClusterInfo } from '../etcd/etcd-client.ts';
import { openGateway } from '../etcd/etcd-gateway.ts';
import { readClusterInfoOverGateway, withGateway } from '../etcd/gateway-cluster-info.ts';
import { AgentError, oneLine } from '../errors/agent-error.ts';
import type { CommandRunner, RunningProcess } from '../process/command-runner.ts';
import { LOOPBACK } from './loopback-ports.ts';

// The member name every throwaway etcd has; a real member of this charm is named after its unit.
export const THROWAWAY_NAME = 'etcd-agent-verify';

// Where and on what one throwaway member runs.
export interface MemberSpec {
  binary: string;
  dataDir: string;
  clientPort: number;
  peerPort: number;
  clusterToken: string;
  startTimeoutMs: number;
  // More etcd flags (the replay's larger request and txn limits).
  extraArgs?: readonly string[];
}

// What starting a member needs: a way to start the server, and the clock its waits go by.
export interface MemberDeps {
  runner: Pick<CommandRunner, 'start'>;
  clock: Clock;
}

// A throwaway member that answered; stop() ends it (idempotent).
export interface StartedMember {
  endpoint: string;
  pid: number | undefined;
  info: ClusterInfo;
  stop(): Promise<void>;
}

// The start failed because another process took one of its ports: pick new ones and try again.
export class PortTaken extends AgentError {
  override readonly name: string = 'PortTaken';
}

const GO_ARCH: Partial<Record<string, string>> = { arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
const STOP_GRACE_MS = 5_000;
const PORT_TAKEN = /address already in use/i;

// A throwaway etcd inherits none of the agent's ETCD_*/ETCDCTL_* (etcd reads them as flags, ETCD_CONFIG_FILE above
// all), and gets ETCD_UNSUPPORTED_ARCH off amd64 as the etcd snap sets it.
const ETCD_ENV: { env: Record<string, string>; dropEnv: readonly string[] } = (() => {
  const arch = GO_ARCH[process.arch];
  const env: Record<string, string> = arch ? { ETCD_UNSUPPORTED_ARCH: arch } : {};
  return { env, dropEnv: ['ETCD_', 'ETCDCTL_'] };
})();

// The URL of a loopback port.
export const loopbackUrl = (port: number): string => `http://${LOOPBACK}:${port}`;

// The command line of a single-member etcd on loopback only, short raft timing (a lone member cannot lose an election).
const memberArgs = (spec: MemberSpec): string[] => {
  const client = loopbackUrl(spec.clientPort);
  const peer = loopbackUrl(spec.peerPort);
  return [
    `--name=${THROWAWAY_NAME}`,
    `--data-dir=${spec.dataDir}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=${THROWAWAY_NAME}=${peer}`,
    `--initial-cluster-token=${spec.clusterToken}`,
    '--initial-cluster-state=new',
    '--heartbeat-interval=10',
    '--election-timeout=100',
    ...(spec.extraArgs ?? []),
  ];
};

const lastLine = (text: string): string => text.trim().split('\n').at(-1)?.trim().slice(0, 400) ?? '';

// Polls the member until it answers member list and status, it exits, or timeoutMs passes.
const waitAnswering = async (clock: Clock, proc: RunningProcess, endpoint: string, timeoutMs: number): Promise<ClusterInfo> => {
  const deadline = clock.now().getTime() + timeoutMs;
  let last: string;
  for (;;) {
    if (proc.hasExited()) {
      const exit = await proc.exited;
      const said = lastLine(proc.output()) || exit.message;
      const why = `the throwaway etcd exited before it answered (${exit.signal ?? `exit code ${exit.exitCode ?? '?'}`}): ${said}`;
      throw PORT_TAKEN.test(proc.output()) ? new PortTaken(why) : new AgentError(exit.notFound ? exit.message : why);
    }
    try {
      // Over etcd's JSON gateway: the member is plain http on loopback, and no gRPC client needs loading.
      const timeoutMs = Math.max(500, Math.min(2_000, deadline - clock.now().getTime()));
      return await withGateway(() => openGateway(endpoint, { timeoutMs, maxAnswerBytes: 1024 ** 2 }), readClusterInfoOverGateway);
    } catch (error) {
      last = oneLine(error);
    }
    if (clock.now().getTime() >= deadline) throw new AgentError(`the throwaway etcd on ${endpoint} did not answer within ${Math.round(timeoutMs / 1000)}s (${last})`);
    await Promise.race([clock.sleep(100), proc.exited]);
  }
};

// Starts a throwaway member on its restored data dir and waits until it answers as itself.
export const startMember = async (deps: MemberDeps, spec: MemberSpec): Promise<StartedMember> => {
  const endpoint = loopbackUrl(spec.clientPort);
  const proc = await deps.runner.start(spec.binary, memberArgs(spec), { ...ETCD_ENV, dieWithParent: true });
  const stop = async (): Promise<void> => {
    await proc.stop(STOP_GRACE_MS);
  };
  try {
    const info = await waitAnswering(deps.clock, proc, endpoint, spec.startTimeoutMs);
    const [only] = info.members;
    if (info.memberCount !== 1 || only?.name !== THROWAWAY_NAME || !only.clientUrls.includes(endpoint)) {
      throw new AgentError(`the etcd answering on ${endpoint} is not the throwaway member (members: ${info.members.map((m) => m.name).join(', ')}); nothing was read`);
    }
    return { endpoint, pid: proc.pid, info, stop };
  } catch (error) {
    await stop();
    throw error;
  }
};
