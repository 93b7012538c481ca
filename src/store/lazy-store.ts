import { madeOnce } from './made-once.ts';
import type { UploadStore } from './snapshot-store.ts';

// An upload store whose implementation is made on its first call: the S3 store's location is known from the config,
// while the AWS SDK behind it (about 20 MiB resident) loads only when S3 is first asked, so a snapshot streams and
// compresses its db without it in memory, and a failure to make the store surfaces from that call (and is tried
// again on the next).
export const lazyUploadStore = (location: string, make: () => Promise<UploadStore>): UploadStore => {
  const store = madeOnce(make);
  return {
    location,
    list: async (options) => (await store()).list(options),
    fetch: async (name, options) => (await store()).fetch(name, options),
    delete: async (name, options) => (await store()).delete(name, options),
    save: async (name, source, meta, options) => (await store()).save(name, source, meta, options),
  };
};
