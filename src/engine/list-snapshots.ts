import { newestFirst } from '../store/snapshot-names.ts';
import type { SnapshotStore, StoredSnapshot } from '../store/snapshot-store.ts';

// Every snapshot the given stores hold, newest first; a store that fails fails the listing with its own message.
export const listSnapshots = async (stores: readonly SnapshotStore[], options: { signal?: AbortSignal } = {}): Promise<StoredSnapshot[]> => {
  const lists = await Promise.all(stores.map((store) => store.list(options)));
  return lists.flat().sort(newestFirst);
};
