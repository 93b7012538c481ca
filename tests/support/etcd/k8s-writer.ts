// A Kubernetes-like writer against a real etcd: JSON objects under /registry/<resource>/<ns>/<name> created, updated
// and deleted, events and leases put with an etcd lease (TTL), and whole namespaces deleted in one txn (one delete
// with a prefix: many delete events at one revision). It logs the revision and time of every write it made, so a
// test can pick points in the middle of a run. Deterministic for a given seed.
import { Etcd3, type Lease } from 'etcd3';

// One write the writer made: the revision etcd answered, when the answer came (ISO, ms), and what it was.
export interface WriteRecord {
  revision: number;
  time: string;
  op: 'create' | 'update' | 'delete' | 'event' | 'lease-renew' | 'delete-namespace';
  key: string;
}

// Options of the writer.
export interface K8sWriterOptions {
  // Namespaces objects are spread over (ns-0 .. ns-<n-1>).
  namespaces?: number;
  // PRNG seed: the same seed gives the same sequence of writes.
  seed?: number;
  // TTL of the etcd leases events and /registry/leases keys are put with.
  leaseTtlSeconds?: number;
}

// A writer over one etcd.
export interface K8sWriter {
  readonly log: readonly WriteRecord[];
  // Grants a new etcd lease; later events and leases keys are put with it (Kubernetes grants one per minute or so).
  rotateLease(): Promise<string>;
  // One write chosen at random (create, update, delete, event, lease renew).
  step(): Promise<WriteRecord>;
  // count writes, one after the other.
  run(count: number): Promise<void>;
  // Deletes every key of a namespace (/registry/<resource>/<ns>/ of every resource) in one txn; logs one record.
  deleteNamespace(ns: string): Promise<WriteRecord>;
  // Live keys the writer knows of in ns.
  keysIn(ns: string): string[];
  close(): void;
}

const RESOURCES = ['pods', 'configmaps', 'secrets', 'services/specs', 'deployments', 'serviceaccounts'];

// mulberry32: a small, fast, seeded PRNG.
const prng = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

const objectJson = (resource: string, ns: string, name: string, generation: number): string =>
  JSON.stringify({
    kind: resource.split('/')[0],
    apiVersion: 'v1',
    metadata: { name, namespace: ns, generation, resourceVersion: String(generation), labels: { app: name.split('-')[0] } },
    spec: { replicas: generation % 5, note: `generation ${generation} of ${name}` },
  });

// Opens a writer on endpoint (plain http); grants its first lease.
export const k8sWriter = async (endpoint: string, options: K8sWriterOptions = {}): Promise<K8sWriter> => {
  const client = new Etcd3({ hosts: [endpoint] });
  const random = prng(options.seed ?? 1);
  const namespaces = Array.from({ length: options.namespaces ?? 4 }, (_, i) => `ns-${i}`);
  const ttl = options.leaseTtlSeconds ?? 3600;
  const log: WriteRecord[] = [];
  // Live object keys and their generation.
  const live = new Map<string, number>();
  let lease: Lease | undefined;
  let leaseId = '0';
  let seq = 0;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

  const record = (revision: string | number, op: WriteRecord['op'], key: string): WriteRecord => {
    const entry = { revision: Number(revision), time: new Date().toISOString(), op, key };
    log.push(entry);
    return entry;
  };
  const putPlain = async (key: string, value: string, op: WriteRecord['op']): Promise<WriteRecord> => {
    const answer = await client.kv.put({ key: Buffer.from(key), value: Buffer.from(value) });
    return record(answer.header.revision, op, key);
  };
  const putLeased = async (key: string, value: string, op: WriteRecord['op']): Promise<WriteRecord> => {
    const answer = await client.kv.put({ key: Buffer.from(key), value: Buffer.from(value), lease: leaseId });
    return record(answer.header.revision, op, key);
  };

  const writer: K8sWriter = {
    log,
    async rotateLease() {
      // The old lease is left to its TTL, as the API server does.
      lease = client.lease(ttl, { autoKeepAlive: false });
      leaseId = await lease.grant();
      return leaseId;
    },
    async step() {
      const ns = pick(namespaces);
      const roll = random();
      const keys = [...live.keys()];
      if (roll < 0.35 || keys.length < 5) {
        const resource = pick(RESOURCES);
        const key = `/registry/${resource}/${ns}/${resource.split('/')[0]}-${++seq}`;
        live.set(key, 1);
        return putPlain(key, objectJson(resource, ns, key.split('/').at(-1) ?? '', 1), 'create');
      }
      if (roll < 0.65) {
        const key = pick(keys);
        const generation = (live.get(key) ?? 0) + 1;
        live.set(key, generation);
        const [, , resource = 'pods'] = key.split('/');
        return putPlain(key, objectJson(resource, ns, key.split('/').at(-1) ?? '', generation), 'update');
      }
      if (roll < 0.75) {
        const key = pick(keys);
        live.delete(key);
        const answer = await client.kv.deleteRange({ key: Buffer.from(key) });
        return record(answer.header.revision, 'delete', key);
      }
      if (roll < 0.9) {
        const key = `/registry/events/${ns}/event-${++seq}`;
        return putLeased(key, JSON.stringify({ kind: 'Event', reason: pick(['Scheduled', 'Pulled', 'Started', 'Killing']), count: seq }), 'event');
      }
      const key = `/registry/leases/kube-node-lease/node-${Math.floor(random() * 3)}`;
      return putLeased(key, JSON.stringify({ kind: 'Lease', spec: { renewTime: new Date().toISOString() } }), 'lease-renew');
    },
    async run(count) {
      for (let i = 0; i < count; i++) await writer.step();
    },
    async deleteNamespace(ns) {
      const doomed = writer.keysIn(ns);
      for (const key of doomed) live.delete(key);
      const answer = await client.kv.txn({
        success: RESOURCES.map((resource) => {
          const prefix = Buffer.from(`/registry/${resource}/${ns}/`);
          const end = Buffer.from(prefix);
          end[end.length - 1] = (end[end.length - 1] ?? 0) + 1;
          return { request_delete_range: { key: prefix, range_end: end } };
        }),
      });
      return record(answer.header.revision, 'delete-namespace', `/registry/*/${ns}/`);
    },
    keysIn: (ns) => [...live.keys()].filter((k) => k.split('/').at(-2) === ns),
    close() {
      client.close();
    },
  };
  await writer.rotateLease();
  return writer;
};
