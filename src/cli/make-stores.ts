import type { AgentConfig } from '../config/agent-config.ts';
import { AgentError } from '../errors/agent-error.ts';
import type { HookTools } from '../juju/hook-tools.ts';
import type { DeltaUploadStore } from '../store/delta-store.ts';
import { localDeltaStore } from '../store/local-delta-store.ts';
import { localStore } from '../store/local-store.ts';
import { lazyUploadStore } from '../store/lazy-store.ts';
import { placeOf, urlOf } from '../store/s3-place.ts';
import type { S3Context } from '../store/s3-context.ts';
import type { UploadStore } from '../store/snapshot-store.ts';
import { unitPrefix, type Stores } from '../store/stores.ts';

// Reads the credentials from the Juju secret when one is named, else from the two options. Never logged.
const credentialsFor = async (s3: NonNullable<AgentConfig['s3']>, secrets: Pick<HookTools, 'secretGet'>): Promise<{ accessKeyId: string; secretAccessKey: string }> => {
  if (s3.credentialsSecret) {
    const content = await secrets.secretGet(s3.credentialsSecret);
    const accessKeyId = content['access-key'];
    const secretAccessKey = content['secret-key'];
    if (!accessKeyId || !secretAccessKey) {
      throw new AgentError(`Juju secret ${s3.credentialsSecret} (s3-credentials-secret) must hold the keys access-key and secret-key`);
    }
    return { accessKeyId, secretAccessKey };
  }
  return { accessKeyId: s3.accessKey, secretAccessKey: s3.secretKey };
};

// The stores of one unit from its config: local directories, and S3 when s3-bucket is set (credentials read once,
// on first use). log receives retry notes (never keys).
export const makeStores = (config: AgentConfig, secrets: Pick<HookTools, 'secretGet'>, unit: string, log?: (message: string) => void): Stores => {
  let context: Promise<S3Context | undefined> | undefined;
  let read: Promise<{ accessKeyId: string; secretAccessKey: string }> | undefined;
  const credentials = (s3: NonNullable<AgentConfig['s3']>) => (read ??= credentialsFor(s3, secrets));
  let remote: Promise<UploadStore | undefined> | undefined;
  let remoteDeltas: Promise<DeltaUploadStore | undefined> | undefined;
  // One client for archives and segments, made on first use.
  const s3Context = (): Promise<S3Context | undefined> => {
    const s3 = config.s3;
    context ??= s3
      ? // The AWS SDK loads only when an S3 store is used.
        Promise.all([credentials(s3), import('../store/s3-store.ts')]).then(([credentials, { s3ContextOf }]) =>
          s3ContextOf({
            ...(s3.endpoint ? { endpoint: s3.endpoint } : {}),
            bucket: s3.bucket,
            region: s3.region,
            prefix: unitPrefix(s3.prefix, unit),
            forcePathStyle: s3.forcePathStyle,
            ...(s3.ca ? { caFile: s3.ca } : {}),
            credentials,
            retries: s3.retries,
            ...(log ? { log } : {}),
          }),
        )
      : Promise.resolve(undefined);
    return context;
  };
  return {
    local: (dir) => localStore(dir),
    remote: () => {
      remote ??= (async () => {
        const s3 = config.s3;
        if (!s3) return undefined;
        // The credentials are read now, so a missing secret is reported before any work; the SDK loads on first use.
        await credentials(s3);
        return lazyUploadStore(urlOf(placeOf(s3.bucket, unitPrefix(s3.prefix, unit))), async () => {
          const [c, { s3StoreOn }] = await Promise.all([s3Context(), import('../store/s3-store.ts')]);
          if (!c) throw new Error('S3 is not configured');
          return s3StoreOn(c);
        });
      })();
      return remote;
    },
    localDeltas: (dir) => localDeltaStore(dir),
    remoteDeltas: () => {
      remoteDeltas ??= s3Context().then(async (c) => (c ? (await import('../store/s3-delta-store.ts')).s3DeltaStore(c) : undefined));
      return remoteDeltas;
    },
  };
};
