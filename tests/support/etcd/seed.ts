// The part of an etcd server the seeding needs.
export interface Etcdctl {
  etcdctl(args: string[], input?: string): Promise<string>;
}

interface Kind {
  resource: string;
  kind: string;
  apiVersion: string;
  prefix: string;
}

// Round-robin resource kinds; index 0 (and every 5th) is a pod.
const KINDS: Kind[] = [
  { resource: 'pods', kind: 'Pod', apiVersion: 'v1', prefix: 'pod' },
  { resource: 'services/specs', kind: 'Service', apiVersion: 'v1', prefix: 'svc' },
  { resource: 'configmaps', kind: 'ConfigMap', apiVersion: 'v1', prefix: 'cm' },
  { resource: 'secrets', kind: 'Secret', apiVersion: 'v1', prefix: 'secret' },
  { resource: 'deployments', kind: 'Deployment', apiVersion: 'apps/v1', prefix: 'deploy' },
];

// etcd 3.4's default --max-txn-ops.
const TXN_OPS = 128;

const kindOf = (i: number): Kind => {
  const kind = KINDS[i % KINDS.length];
  if (kind === undefined) throw new Error(`no kind for ${i}`);
  return kind;
};

// The key of the i-th seeded object, e.g. /registry/pods/default/pod-0, /registry/services/specs/default/svc-1.
export const kubernetesKey = (i: number): string => {
  const kind = kindOf(i);
  return `/registry/${kind.resource}/default/${kind.prefix}-${i}`;
};

// The value of the i-th seeded object: a small Kubernetes-like JSON manifest.
export const kubernetesValue = (i: number): string => {
  const kind = kindOf(i);
  return JSON.stringify({
    kind: kind.kind,
    apiVersion: kind.apiVersion,
    metadata: { name: `${kind.prefix}-${i}`, namespace: 'default', uid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, labels: { app: 'seed', index: String(i) } },
    spec: { note: `seeded object ${i}` },
  });
};

// An etcdctl txn script (no compares, puts on success) for seeded objects from..to-1.
const txnScript = (from: number, to: number): string => {
  const lines = [''];
  for (let i = from; i < to; i++) lines.push(`put ${JSON.stringify(kubernetesKey(i))} ${JSON.stringify(kubernetesValue(i))}`);
  return `${lines.join('\n')}\n\n\n`;
};

// Writes n Kubernetes-like objects (kubernetesKey(0..n-1)) in transactions of up to 128 puts each.
export const seedKubernetesKeys = async (server: Etcdctl, n: number): Promise<void> => {
  for (let from = 0; from < n; from += TXN_OPS) {
    const out = await server.etcdctl(['txn'], txnScript(from, Math.min(n, from + TXN_OPS)));
    if (!out.startsWith('SUCCESS')) throw new Error(`seed txn failed: ${out.slice(0, 200)}`);
  }
};
