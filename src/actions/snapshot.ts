import { KEY_OMITTED_REASON, keysInClearWarning, takeSnapshot } from '../engine/take-snapshot.ts';
import { uploadSnapshot } from '../engine/upload-snapshot.ts';
import { humanSize } from '../format/human-size.ts';
import type { Results } from '../juju/hook-tools.ts';
import type { ActionDefinition } from './action.ts';

// The snapshot action: a verified archive plus the result document of CONTRACT §3.
export const snapshotAction: ActionDefinition = {
  name: 'snapshot',
  exclusive: true,
  hints: {
    'keys-version': {
      v2: 'the etcd v2 store no longer exists (etcd 3.4+ serves only the v3 keyspace, which holds all Kubernetes data); use keys-version=v3 or leave it out',
    },
  },
  async run(context) {
    const endpoint = context.config.etcdEndpoints[0] as string;
    const remote = await context.stores.remote();
    const outcome = await takeSnapshot(context, {
      targetDir: String(context.params.target),
      targetOption: 'target',
      trigger: 'manual',
      unit: context.place.unit,
      endpoint,
      recipients: context.config.encryptionRecipients,
      includePaths: context.config.includePaths,
      pkiKeysOmitted: context.config.pkiKeysOmitted,
      compression: context.config.snapshotCompression,
    });
    context.log.info(`snapshot ${outcome.path} written (sha256 ${outcome.sha256}, ${outcome.bytes} bytes, revision ${outcome.status.revision})`);
    const results: Results = {
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
      // Archives of versions before the manifest recorded it were gzip -6.
      'snapshot.compression': outcome.manifest.compression ?? 'gzip:6',
      'snapshot.hash': String(outcome.status.hash),
      'snapshot.created': outcome.manifest.created,
      'snapshot.cluster-id': outcome.manifest.clusterId,
      'snapshot.member-count': String(outcome.manifest.memberCount),
      'copy.cmd': context.place.copyCommand(outcome.path),
    };
    if (outcome.encrypted) results['snapshot.encrypted'] = 'true';
    if (outcome.manifest.pki) results['snapshot.pki-files'] = String(outcome.manifest.pki.length);
    if (outcome.manifest.pkiKeysOmitted) {
      results['snapshot.pki-keys-omitted'] = `${outcome.manifest.pkiKeysOmitted.map((k) => k.path).join(',')} (${KEY_OMITTED_REASON})`;
    }
    if (outcome.keysInClear.length > 0) {
      const warning = keysInClearWarning(outcome.keysInClear);
      results['snapshot.pki-warning'] = warning;
      context.log.warn(warning);
    }
    if (!remote) return results;
    // The results so far are set even when the upload fails, so the operator sees the kept local archive.
    await context.tools.actionSet(results);
    const upload = await uploadSnapshot(remote, outcome, { progress: context.progress, meter: context.meter, allowUnencrypted: context.config.s3?.allowUnencrypted === true });
    return { ...results, 'upload.url': upload.url, 'upload.sha256': upload.sha256 };
  },
};
