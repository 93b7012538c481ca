import type { Clock } from '../clock/clock.ts';
import type { ClusterInfo, EtcdClient } from '../etcd/etcd-client.ts';
import { AgentError, oneLine } from '../errors/agent-error.ts';

// Polls etcd every pollMs until it answers, or gives up after timeoutMs (by clock) with the last reason.
export const waitHealthy = async (etcd: EtcdClient, clock: Clock, timeoutMs: number, pollMs = 500): Promise<ClusterInfo> => {
  const deadline = clock.now().getTime() + timeoutMs;
  let last: string;
  for (;;) {
    try {
      return await etcd.cluster();
    } catch (error) {
      last = oneLine(error);
    }
    if (clock.now().getTime() >= deadline) throw new AgentError(`etcd did not become healthy within ${Math.round(timeoutMs / 1000)}s (${last})`);
    await clock.sleep(pollMs);
  }
};
