// Fills an etcd with Kubernetes-like objects until its db reaches a size: creates, plus the status updates and
// event churn a real cluster makes, so the db also holds old revisions as a real one does.
import type { Etcd3 } from 'etcd3';
import { kubeObject } from './kube-objects.ts';

const BATCH = 64;

// Writes until the db file etcd reports is at least targetBytes; returns how many objects were created.
export const fillEtcd = async (client: Etcd3, targetBytes: number, report: (line: string) => void = () => undefined): Promise<number> => {
  let created = 0;
  for (;;) {
    const status = await client.maintenance.status();
    const size = Number(status.dbSize);
    if (size >= targetBytes) return created;
    report(`fill: ${(size / 2 ** 20).toFixed(0)} MiB of ${(targetBytes / 2 ** 20).toFixed(0)} MiB, ${created} objects`);
    for (let round = 0; round < 40; round++) {
      const puts = Array.from({ length: BATCH }, (_, k) => kubeObject(created + k));
      // One in four rounds also rewrites objects written earlier (status updates): history, as etcd keeps it.
      if (round % 4 === 3 && created > 0) for (let k = 0; k < BATCH / 2; k++) puts.push(kubeObject(Math.floor((created * (k + 1)) / (BATCH + 1))));
      const txn = client.if('/registry/health', 'Version', '>', -1).then(...puts.map((o) => client.put(o.key).value(o.value)));
      await txn.commit();
      created += BATCH;
    }
  }
};
