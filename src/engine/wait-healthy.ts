import type { ClusterInfo, EtcdClient } from '../etcd/etcd-client.ts';
import { AgentError, oneLine } from '../errors/agent-error.ts';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// Polls etcd until it answers, or gives up after timeoutMs with the last reason.
export const waitHealthy = async (etcd: EtcdClient, timeoutMs: number, pollMs = 500): Promise<ClusterInfo> => {
  const deadline = Date.now() + timeoutMs;
  let last: string;
  for (;;) {
    try {
      return await etcd.cluster();
    } catch (error) {
      last = oneLine(error);
    }
    if (Date.now() >= deadline) throw new AgentError(`etcd did not become healthy within ${Math.round(timeoutMs / 1000)}s (${last})`);
    await sleep(pollMs);
  }
};
