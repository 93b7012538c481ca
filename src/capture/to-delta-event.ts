import type { WatchEvent } from '../etcd/gateway-watch.ts';
import type { DeltaEvent } from '../delta/delta-types.ts';

// One watch event as a segment keeps it, stamped with the time the agent received it (etcd streams no time).
export const toDeltaEvent = (event: WatchEvent, time: string): DeltaEvent => {
  const kv = event.kv;
  if (event.type === 'Delete') {
    return { revision: Number(kv.mod_revision), type: 'delete', key: kv.key, value: Buffer.alloc(0), lease: '0', createRevision: 0, version: 0, time };
  }
  return {
    revision: Number(kv.mod_revision),
    type: 'put',
    key: kv.key,
    value: kv.value ?? Buffer.alloc(0),
    // The lease id as etcd reports it (decimal); '0' when the key has none.
    lease: kv.lease ? String(kv.lease) : '0',
    createRevision: Number(kv.create_revision),
    version: Number(kv.version),
    time,
  };
};

// The cluster id a response header carries (decimal), as manifests write it (hex).
export const clusterIdHex = (decimal: string): string => BigInt(decimal).toString(16);
