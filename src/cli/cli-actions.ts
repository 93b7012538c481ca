import type { ActionSpec } from '../charm/charm-files.ts';

// Actions only the CLI offers, declared as actions.yaml would (Juju never sees them).
export const CLI_ACTIONS: Readonly<Record<string, ActionSpec>> = {
  'delete-snapshot': {
    description: 'Delete one snapshot of snapshot-dir by name, with its .sha256 file.',
    params: {
      name: { type: 'string', description: 'The archive to delete, as list shows it (etcd-snapshot-....tar.gz).' },
    },
    required: ['name'],
    additionalProperties: false,
  },
};
