import type { AgentConfig } from '../config/agent-config.ts';
import { AgentError } from '../errors/agent-error.ts';
import type { HookTools } from '../juju/hook-tools.ts';
import type { DeltaUploadStore } from '../store/delta-store.ts';
import { localDeltaStore } from '../store/local-delta-store.ts';
import { localStore } from '../store/local-store.ts';
import { lazyUploadStore } from '../store/lazy-store.ts';
import { madeOnce } from '../store/made-once.ts';
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
// on first use; what could not be made is made again on the next use). log receives retry notes (never keys).
export const makeStores = (config: AgentConfig, secrets: Pick<HookTools, 'secretGet'>, unit: string, log?: (message: string) => void): Stores => {
  const local = { local: (dir: string) => localStore(dir), localDeltas: (dir: string) => localDeltaStore(dir) };
  const s3 = config.s3;
  if (!s3) return { ...local, remote: () => Promise.resolve(undefined), remoteDeltas: () => Promise.resolve(undefined) };
  const prefix = unitPrefix(s3.prefix, unit);
  const credentials = madeOnce(() => credentialsFor(s3, secrets));
  // One client for archives and segments, made on first use: the AWS SDK loads only then.
  const context = madeOnce(async (): Promise<S3Context> => {
    const [read, { s3ContextOf }] = await Promise.all([credentials(), import('../store/s3-store.ts')]);
    return s3ContextOf({
      ...(s3.endpoint ? { endpoint: s3.endpoint } : {}),
      bucket: s3.bucket,
      region: s3.region,
      prefix,
      forcePathStyle: s3.forcePathStyle,
      ...(s3.ca ? { caFile: s3.ca } : {}),
      credentials: read,
      retries: s3.retries,
      ...(log ? { log } : {}),
    });
  });
  // The credentials are read when the store is asked for, so a missing secret is reported before any work.
  const remote = madeOnce(async (): Promise<UploadStore> => {
    await credentials();
    return lazyUploadStore(urlOf(placeOf(s3.bucket, prefix)), async () => (await import('../store/s3-store.ts')).s3StoreOn(await context()));
  });
  const remoteDeltas = madeOnce(async (): Promise<DeltaUploadStore> => (await import('../store/s3-delta-store.ts')).s3DeltaStore(await context()));
  return { ...local, remote, remoteDeltas };
};
