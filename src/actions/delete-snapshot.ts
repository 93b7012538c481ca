import { AgentError } from '../errors/agent-error.ts';
import type { Results } from '../juju/hook-tools.ts';
import type { ActionDefinition } from './action.ts';

// The CLI's `delete NAME`: removes one archive of snapshot-dir and its .sha256 sidecar, holding the unit's lock.
// The name was checked against this charm's exact pattern (validate-params), and only an archive the store lists
// (a regular file of that pattern in snapshot-dir) is removed: nothing else is ever touched.
export const deleteSnapshotAction: ActionDefinition = {
  name: 'delete-snapshot',
  exclusive: true,
  async run(context) {
    const name = String(context.params.name);
    const store = context.stores.local(context.config.snapshotDir);
    const found = (await store.list()).find((snapshot) => snapshot.name === name);
    if (!found) throw new AgentError(`no snapshot named ${name} in ${store.dir}; run etcd-agent list to see the snapshots there`);
    await store.delete(name);
    context.log.info(`deleted snapshot ${name} from ${store.dir}`);
    const results: Results = { deleted: name, dir: store.dir, bytes: String(found.bytes) };
    return results;
  },
};
