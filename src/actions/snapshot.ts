import { takeSnapshot } from '../engine/take-snapshot.ts';
import { humanSize } from '../format/human-size.ts';
import type { ActionDefinition } from './action.ts';

// The snapshot action: a verified archive plus the result document of CONTRACT §3.
export const snapshotAction: ActionDefinition = {
  name: 'snapshot',
  hints: {
    'keys-version': {
      v2: 'the etcd v2 store no longer exists (etcd 3.4+ serves only the v3 keyspace, which holds all Kubernetes data); use keys-version=v3 or leave it out',
    },
  },
  async run(context) {
    const endpoint = context.config.etcdEndpoints[0] as string;
    if (context.config.s3) context.log.warn('s3-bucket is set, but off-unit copies are not implemented in this version; the snapshot stays on the unit');
    const outcome = await takeSnapshot(context, {
      targetDir: String(context.params.target),
      targetOption: 'target',
      trigger: 'manual',
      unit: context.place.unit,
      endpoint,
    });
    context.log.info(`snapshot ${outcome.path} written (sha256 ${outcome.sha256}, ${outcome.bytes} bytes, revision ${outcome.status.revision})`);
    return {
      'snapshot.path': outcome.path,
      'snapshot.name': outcome.name,
      'snapshot.sha256': outcome.sha256,
      'snapshot.sha256-file': outcome.checksumPath,
      'snapshot.size': humanSize(outcome.diskBytes),
      'snapshot.bytes': String(outcome.bytes),
      'snapshot.version': outcome.etcdctlVersion,
      'snapshot.etcd-version': outcome.manifest.etcdVersion,
      'snapshot.revision': String(outcome.status.revision),
      'snapshot.total-keys': String(outcome.status.totalKey),
      'snapshot.hash': String(outcome.status.hash),
      'snapshot.created': outcome.manifest.created,
      'snapshot.cluster-id': outcome.manifest.clusterId,
      'snapshot.member-count': String(outcome.manifest.memberCount),
      'copy.cmd': context.place.copyCommand(outcome.path),
    };
  },
};
