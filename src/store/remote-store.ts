import type { AgentConfig } from '../config/agent-config.ts';
import { AgentError } from '../errors/agent-error.ts';
import type { HookTools } from '../juju/hook-tools.ts';
import { s3Store } from './s3-store.ts';
import type { SnapshotStore } from './snapshot-store.ts';

// The key prefix of one unit's objects: <s3-prefix>/<application>/<unit with - for />.
export const unitPrefix = (prefix: string, unit: string): string => {
  const [application = unit] = unit.split('/');
  return [prefix, application, unit.replace(/\//g, '-')].filter(Boolean).join('/');
};

// Reads the credentials from the Juju secret when one is named, else from the two options. Never logged.
const credentialsFor = async (s3: NonNullable<AgentConfig['s3']>, tools: Pick<HookTools, 'secretGet'>): Promise<{ accessKeyId: string; secretAccessKey: string }> => {
  if (s3.credentialsSecret) {
    const content = await tools.secretGet(s3.credentialsSecret);
    const accessKeyId = content['access-key'];
    const secretAccessKey = content['secret-key'];
    if (!accessKeyId || !secretAccessKey) {
      throw new AgentError(`Juju secret ${s3.credentialsSecret} (s3-credentials-secret) must hold the keys access-key and secret-key`);
    }
    return { accessKeyId, secretAccessKey };
  }
  return { accessKeyId: s3.accessKey, secretAccessKey: s3.secretKey };
};

// This unit's off-unit store, or undefined when s3-bucket is not set.
// log receives retry notes (never keys).
export const remoteStoreFor = async (
  config: AgentConfig,
  tools: Pick<HookTools, 'secretGet'>,
  unit: string,
  log?: (message: string) => void,
): Promise<SnapshotStore | undefined> => {
  const s3 = config.s3;
  if (!s3) return undefined;
  return s3Store({
    ...(s3.endpoint ? { endpoint: s3.endpoint } : {}),
    bucket: s3.bucket,
    region: s3.region,
    prefix: unitPrefix(s3.prefix, unit),
    forcePathStyle: s3.forcePathStyle,
    ...(s3.ca ? { caFile: s3.ca } : {}),
    credentials: await credentialsFor(s3, tools),
    retries: s3.retries,
    ...(log ? { log } : {}),
  });
};
