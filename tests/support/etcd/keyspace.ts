// The oracle side of point-in-time tests: etcd's own view of its keyspace at a revision (before compaction), and the
// events its watch streams as a delta segment keeps them.
import { Etcd3, type IWatchResponse } from 'etcd3';
import type { DeltaEvent } from '../../../src/delta/delta-types.ts';
import { runEtcdctl } from './ctl.ts';

// One key as `etcdctl get -w json` reports it, decoded: what a restore to a point must reproduce.
export interface KeyState {
  key: string;
  value: string;
  create_revision: number;
  mod_revision: number;
  version: number;
}

interface JsonKv {
  key: string;
  value?: string;
  create_revision: number;
  mod_revision: number;
  version: number;
}

// Every key of the keyspace (at rev when given) with its revisions and version, sorted by key; revisions less bump.
export const keyspaceAt = async (endpoint: string, rev?: number, bump = 0): Promise<KeyState[]> => {
  const out = await runEtcdctl(endpoint, ['get', '', '--prefix', '-w', 'json', ...(rev === undefined ? [] : [`--rev=${rev}`])]);
  const kvs = (JSON.parse(out) as { kvs?: JsonKv[] }).kvs ?? [];
  return kvs
    .map((kv) => ({
      key: Buffer.from(kv.key, 'base64').toString('utf8'),
      value: Buffer.from(kv.value ?? '', 'base64').toString('utf8'),
      create_revision: kv.create_revision - bump,
      mod_revision: kv.mod_revision - bump,
      version: kv.version,
    }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
};

// The lease (decimal id, '0' for none) of every key (at rev when given).
export const leasesAt = async (endpoint: string, rev?: number): Promise<Map<string, string>> => {
  const out = await runEtcdctl(endpoint, ['get', '', '--prefix', '--keys-only', '-w', 'json', ...(rev === undefined ? [] : [`--rev=${rev}`])]);
  // Lease ids are 64-bit: read as strings, JSON numbers would lose digits.
  const kvs = (JSON.parse(out.replace(/"lease":(\d+)/g, '"lease":"$1"')) as { kvs?: { key: string; lease?: string }[] }).kvs ?? [];
  return new Map(kvs.map((kv) => [Buffer.from(kv.key, 'base64').toString('utf8'), kv.lease ?? '0']));
};

// The member's current revision (etcdctl endpoint status).
export const revisionOf = async (endpoint: string): Promise<number> => {
  const out = await runEtcdctl(endpoint, ['endpoint', 'status', '-w', 'json']);
  return Number((JSON.parse(out) as { Status: { header: { revision: number } } }[])[0]?.Status.header.revision);
};

// Events from a watch over the whole keyspace, as capture would keep them.
export interface WatchedEvents {
  readonly events: DeltaEvent[];
  // Resolves once every revision up to rev has been seen.
  until(rev: number): Promise<void>;
  close(): Promise<void>;
}

// Follows the whole keyspace from fromRevision with the etcd3 client and keeps every event in memory (a test's runs
// are small), stamped with the time it arrived.
export const watchEvents = async (endpoint: string, fromRevision: number): Promise<WatchedEvents> => {
  const client = new Etcd3({ hosts: [endpoint] });
  const events: DeltaEvent[] = [];
  const waiters: { rev: number; resolve: () => void }[] = [];
  let seen = fromRevision - 1;
  const watcher = await client.watch().prefix('').startRevision(String(fromRevision)).create();
  watcher.on('data', (res: IWatchResponse) => {
    const time = new Date().toISOString();
    for (const e of res.events) {
      const kv = e.kv;
      const put = e.type === 'Put';
      events.push({
        revision: Number(kv.mod_revision),
        type: put ? 'put' : 'delete',
        key: Buffer.from(kv.key),
        value: put ? Buffer.from(kv.value) : Buffer.alloc(0),
        lease: put ? String(kv.lease) : '0',
        createRevision: put ? Number(kv.create_revision) : 0,
        version: put ? Number(kv.version) : 0,
        time,
      });
      seen = Math.max(seen, Number(kv.mod_revision));
    }
    for (const w of waiters.filter((x) => x.rev <= seen)) w.resolve();
  });
  return {
    events,
    until: (rev) => (rev <= seen ? Promise.resolve() : new Promise((resolve) => waiters.push({ rev, resolve }))),
    async close() {
      await watcher.cancel();
      client.close();
    },
  };
};
