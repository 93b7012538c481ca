// Seeds etcd with incompressible data (random values), so its snapshot and the snapshot's gzip are about as big as
// the values: a way to get a db, and an archive, of a chosen size.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Etcd3 } from 'etcd3';

// Under etcd's default --max-request-bytes (1.5 MiB).
const VALUE_BYTES = 1024 ** 2;

// Puts ceil(totalBytes / 1 MiB) keys /bulk/<n> with 1 MiB random values each; returns the number of keys written.
export const seedRandomValues = async (endpoint: string, totalBytes: number): Promise<number> => {
  const client = new Etcd3({ hosts: [endpoint] });
  const keys = Math.ceil(totalBytes / VALUE_BYTES);
  try {
    for (let i = 0; i < keys; i += 4) {
      const batch = [];
      for (let j = i; j < Math.min(keys, i + 4); j++) batch.push(client.put(`/bulk/${String(j).padStart(5, '0')}`).value(randomBytes(VALUE_BYTES)));
      await Promise.all(batch);
    }
  } finally {
    client.close();
  }
  return keys;
};

// etcd's own view of its db size (what `endpoint status` reports as dbSize), once it has settled: etcd commits its
// backend in batches (every 100 ms), so right after a burst of puts the size it reports still grows.
export const dbSizeOf = async (endpoint: string): Promise<number> => {
  const client = new Etcd3({ hosts: [endpoint] });
  try {
    let last = -1;
    for (;;) {
      const size = Number((await client.maintenance.status()).dbSize);
      if (size === last) return size;
      last = size;
      await sleep(300);
    }
  } finally {
    client.close();
  }
};
