import { memberName } from '../config/member-name.ts';
import { restoreSnapshot } from '../engine/restore-snapshot.ts';
import type { Results } from '../juju/hook-tools.ts';
import type { ActionDefinition } from './action.ts';
import { pointRequest, pointResults } from './point-request.ts';

// The restore action (CONTRACT §3): checks first, keeps the old data, rolls back on failure.
export const restoreAction: ActionDefinition = {
  name: 'restore',
  exclusive: true,
  async run(context) {
    const { config, params, tools } = context;
    const peerUrl = config.etcdPeerUrl || `https://${await tools.privateAddress()}:2380`;
    const member = memberName(config, context.place.unit);
    const point = await pointRequest(context);
    await tools.statusSet('maintenance', point ? `restoring etcd to ${point.target.kind === 'time' ? point.target.given : `revision ${point.target.given}`}` : 'restoring etcd from a snapshot');
    try {
      const outcome = await restoreSnapshot(
        { etcd: context.etcd, service: context.service, tools, clock: context.clock, progress: context.progress, meter: context.meter, runner: context.runner, codecs: context.codecs },
        {
          source: String(params.source ?? ''),
          sha256: String(params.sha256 ?? ''),
          backupDir: String(params.target),
          skipBackup: params['skip-backup'] === true,
          bumpRevision: params['bump-revision'] !== false,
          searchDirs: [...new Set([config.snapshotDir, String(params.target)])],
          remote: await context.stores.remote(),
          dataDir: config.etcdDataDir,
          serviceName: config.etcdService,
          memberName: member,
          peerUrl,
          endpoint: config.etcdEndpoints[0] as string,
          identity: await context.place.readIdentity(String(params['identity-secret'] ?? '')),
          restorePki: params['restore-pki'] === true,
          recipients: config.encryptionRecipients,
          includePaths: config.includePaths,
          compression: config.snapshotCompression,
          unit: context.place.unit,
          subordinate: context.place.subordinate === true,
          healthTimeoutMs: config.restoreHealthTimeoutMs,
          point,
        },
      );
      await tools.statusSet('active', `restored from ${outcome.label} (revision ${outcome.snapshot.status.revision})`);
      // To a point, the source is the base archive (what list-snapshots shows); the revision and keys are the replayed db's.
      const base = outcome.point?.baseSnapshot;
      const results: Results = {
        'restore.source': outcome.point?.basePath ?? outcome.path,
        'restore.sha256': (base ?? outcome.snapshot).sha256,
        'restore.format': (base ?? outcome.snapshot).format,
        'restore.revision': String(outcome.snapshot.status.revision),
        'restore.total-keys': String(outcome.snapshot.status.totalKey),
        'restore.data-dir': outcome.dataDir,
        'restore.hash-check': outcome.snapshot.hashCheck,
        'restore.revision-bump': outcome.revisionBump,
        'restore.live-revision': String(outcome.revision),
      };
      if (outcome.point) Object.assign(results, pointResults('restore', outcome.point));
      if (outcome.previousDataDir) results['restore.previous-data-dir'] = outcome.previousDataDir;
      if ((base ?? outcome.snapshot).encrypted) results['restore.encrypted'] = 'true';
      const bundled = (base ?? outcome.snapshot).pki.length;
      results['restore.pki'] = outcome.pkiRestored.length ? outcome.pkiRestored.join(',') : bundled ? `bundled (${bundled} files), not written: pass restore-pki=true` : 'none bundled';
      if (outcome.backup) {
        results['backup.path'] = outcome.backup.path;
        results['backup.sha256'] = outcome.backup.sha256;
      }
      if (outcome.backupSkipped) results['backup.skipped'] = outcome.backupSkipped;
      return results;
    } catch (error) {
      const running = await context.etcd.cluster().then(() => true, () => false);
      await tools.statusSet(running ? 'active' : 'blocked', running ? 'etcd running; the last restore failed (see juju show-task)' : 'etcd is not answering after a failed restore; see juju show-task');
      throw error;
    }
  },
};
