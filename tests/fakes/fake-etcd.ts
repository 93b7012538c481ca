import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AgentError } from '../../src/errors/agent-error.ts';
import type { ClusterInfo, EtcdClient, RestoreOptions, RestoreTool, SnapshotStatus } from '../../src/etcd/etcd-client.ts';

// What a fake data dir holds for the fake etcd to serve: written as fake-etcd.json into the dir.
export interface FakeData {
  revision: number;
  keys: number;
  // false: an etcd started on this data never answers (a restored db it cannot serve).
  answers?: boolean;
}

// The file of a data dir the fake etcd reads what it serves from.
export const FAKE_DATA_FILE = 'fake-etcd.json';

// Makes dir a data dir the fake etcd serves data from (member/snap/db plus fake-etcd.json).
export const writeFakeData = async (dir: string, data: FakeData): Promise<void> => {
  await mkdir(join(dir, 'member', 'snap'), { recursive: true, mode: 0o700 });
  await writeFile(join(dir, 'member', 'snap', 'db'), 'fake db\n');
  await writeFile(join(dir, FAKE_DATA_FILE), `${JSON.stringify(data)}\n`);
};

// What dir's fake data says, or undefined when it has none.
export const readFakeData = async (dir: string): Promise<FakeData | undefined> => {
  const text = await readFile(join(dir, FAKE_DATA_FILE), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : (JSON.parse(text) as FakeData);
};

// The error the real client gives for an etcd that does not answer (explainEtcdError around withEtcd3's deadline).
export const notAnswering = (what = 'reading the member list', endpoint = 'https://127.0.0.1:2379', service = 'etcd'): AgentError =>
  new AgentError(
    `${what} failed: etcd at ${endpoint} did not answer (deadline exceeded after 5s waiting for ${endpoint}); check that etcd is running (systemctl status ${service}) and that etcd-endpoints is right`,
  );

// A scripted answer: a value, an error to reject with, or a function of the call's arguments.
export type Answer<T, A extends unknown[] = []> = T | Error | ((...args: A) => T | Promise<T>);

// The scripts of a fake etcd; whatever is not scripted falls back to the defaults described on each.
export interface FakeEtcdOptions {
  // The data dir a running etcd serves: cluster() and keyCount() answer from its fake-etcd.json.
  dataDir?: string;
  // Whether etcd runs at all (e.g. the fake service's state); false = cluster() and keyCount() fail as not answering.
  up?: () => boolean;
  // Default: one member named `etcd0`, revision from the served data dir (or 100 without one).
  cluster?: Answer<ClusterInfo>;
  health?: Answer<void>;
  serverVersion?: Answer<string>;
  // Default: the served data dir's keys (or 0).
  keyCount?: Answer<number, [number | undefined]>;
  // Default: revision 42, 7 keys.
  status?: Answer<SnapshotStatus, [string]>;
  // Default: etcdutl, which can bump the revision.
  restoreTool?: Answer<RestoreTool>;
  // Default: makes the fresh data dir (refusing an existing one, as etcdutl does) with the db in member/snap/db and
  // fake data from restored(); a function replaces that, an Error rejects without writing anything.
  restore?: Answer<void, [string, RestoreOptions]>;
  // What a default restore writes as the fake data; default: the snapshot's status revision plus the bump, its totalKey keys.
  restored?: (status: SnapshotStatus, options: RestoreOptions) => FakeData;
  // Default: writes a placeholder file (not a db).
  save?: Answer<void, [string, AbortSignal | undefined]>;
  version?: Answer<string>;
}

// One call the fake saw.
export interface EtcdCall {
  method: keyof EtcdClient;
  args: unknown[];
}

// An EtcdClient with scripted answers that records every call.
export interface FakeEtcd extends EtcdClient {
  readonly calls: EtcdCall[];
  readonly options: FakeEtcdOptions;
}

// The status every fake snapshot reports unless scripted.
export const FAKE_STATUS: SnapshotStatus = { hash: 1234, revision: 42, totalKey: 7, totalSize: 544 };

// A one-member cluster at a revision.
export const clusterAt = (revision: number, name = 'etcd0'): ClusterInfo => ({
  clusterId: 'cdf818194e3a8c32',
  memberCount: 1,
  members: [{ id: '8e9e05c52164694d', name, peerUrls: ['https://10.0.0.1:2380'], clientUrls: ['https://10.0.0.1:2379'] }],
  serverVersion: '3.4.30',
  revision,
  dbSize: 20480,
});

const answer = async <T, A extends unknown[]>(script: Answer<T, A> | undefined, args: A, fallback: () => Promise<T>): Promise<T> => {
  if (script === undefined) return fallback();
  if (script instanceof Error) throw script;
  if (typeof script === 'function') return (script as (...a: A) => T | Promise<T>)(...args);
  return script;
};

// A fake etcd; options may be changed between calls to script what happens next.
export const fakeEtcd = (options: FakeEtcdOptions = {}): FakeEtcd => {
  const calls: EtcdCall[] = [];
  // What the running etcd serves, or a not-answering error.
  const served = async (what: string): Promise<FakeData | undefined> => {
    if (options.up && !options.up()) throw notAnswering(what);
    if (options.dataDir === undefined) return undefined;
    const data = await readFakeData(options.dataDir);
    if (!data || data.answers === false) throw notAnswering(what);
    return data;
  };
  const status = (file: string): Promise<SnapshotStatus> => answer(options.status, [file], async () => ({ ...FAKE_STATUS }));
  return {
    calls,
    options,
    async cluster() {
      calls.push({ method: 'cluster', args: [] });
      return answer(options.cluster, [], async () => clusterAt((await served('reading the member list'))?.revision ?? 100));
    },
    async health() {
      calls.push({ method: 'health', args: [] });
      await answer(options.health, [], async () => {
        await served('checking its health');
      });
    },
    async serverVersion() {
      calls.push({ method: 'serverVersion', args: [] });
      return answer(options.serverVersion, [], async () => {
        await served('reading its version');
        return '3.4.23';
      });
    },
    async keyCount(revision) {
      calls.push({ method: 'keyCount', args: [revision] });
      return answer(options.keyCount, [revision], async () => (await served('counting keys'))?.keys ?? 0);
    },
    async status(file) {
      calls.push({ method: 'status', args: [file] });
      return status(file);
    },
    serverBinary(etcdPath) {
      calls.push({ method: 'serverBinary', args: [etcdPath] });
      return etcdPath || '/usr/bin/etcd';
    },
    async restoreTool() {
      calls.push({ method: 'restoreTool', args: [] });
      return answer(options.restoreTool, [], async () => ({ tool: 'etcdutl', bumpRevision: true }));
    },
    async restore(db, restoreOptions) {
      calls.push({ method: 'restore', args: [db, { ...restoreOptions }] });
      return answer(options.restore, [db, restoreOptions], async () => {
        const snapshot = await status(db);
        await mkdir(restoreOptions.dataDir, { mode: 0o700 });
        await writeFakeData(restoreOptions.dataDir, options.restored?.(snapshot, restoreOptions) ?? { revision: snapshot.revision + restoreOptions.bumpRevision, keys: snapshot.totalKey });
        await copyFile(db, join(restoreOptions.dataDir, 'member', 'snap', 'db'));
      });
    },
    async save(file, signal) {
      calls.push({ method: 'save', args: [file] });
      return answer(options.save, [file, signal], async () => writeFile(file, 'fake snapshot\n'));
    },
    async saveFrom(endpoint, file, signal) {
      calls.push({ method: 'saveFrom', args: [endpoint, file] });
      return answer(options.save, [file, signal], async () => writeFile(file, 'fake snapshot\n'));
    },
    async version() {
      calls.push({ method: 'version', args: [] });
      return answer(options.version, [], async () => 'etcdctl version: 3.4.30\nAPI version: 3.4\n');
    },
  };
};
