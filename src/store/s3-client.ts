import { AsyncLocalStorage } from 'node:async_hooks';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { HttpHandlerOptions, RetryErrorInfo, RetryStrategyV2, RetryToken } from '@smithy/types';
import type { HttpRequest } from '@smithy/core/protocols';
import { backoffDelay, sleep } from './retry.ts';

// The abort signal of the store call running now; every request made on its behalf (including an
// Upload's parts, which take no signal of their own) is cancelled with it.
const callSignal = new AsyncLocalStorage<AbortSignal | undefined>();

// Runs fn so that the requests it makes are aborted by signal (none: cleanup that must finish).
export const underSignal = <T>(signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> => callSignal.run(signal, fn);

// A NodeHttpHandler that hands every request the current call's abort signal.
class SignalledHttpHandler extends NodeHttpHandler {
  override handle(request: HttpRequest, options: HttpHandlerOptions = {}): ReturnType<NodeHttpHandler['handle']> {
    const signal = options.abortSignal ?? callSignal.getStore();
    return super.handle(request, signal ? { ...options, abortSignal: signal } : options);
  }
}

// How a client retries: a count, a base delay, and a hook told about each retry.
export interface ClientRetries {
  retries: number;
  baseDelayMs: number;
  onRetry: (retry: number, delayMs: number, error: unknown) => void;
}

const token = (count: number): RetryToken => ({ getRetryCount: () => count, getRetryDelay: () => 0 });

// The SDK's retry hook: transient and throttling errors only, our backoff, an abortable wait.
const retryStrategy = (policy: ClientRetries): RetryStrategyV2 => ({
  acquireInitialRetryToken: () => Promise.resolve(token(0)),
  async refreshRetryTokenForRetry(previous: RetryToken, info: RetryErrorInfo) {
    const retry = previous.getRetryCount() + 1;
    if (retry > policy.retries || (info.errorType !== 'TRANSIENT' && info.errorType !== 'THROTTLING')) throw info.error;
    const delay = backoffDelay(policy.baseDelayMs, retry);
    policy.onRetry(retry, delay, info.error);
    await sleep(delay, callSignal.getStore());
    return token(retry);
  },
  recordSuccess: () => undefined,
});

// Everything the client needs; nothing is read from the environment or ~/.aws.
export interface ClientSettings {
  endpoint: string | undefined;
  region: string;
  forcePathStyle: boolean;
  ca: Buffer | undefined;
  credentials: { accessKeyId: string; secretAccessKey: string };
  timeoutMs: number;
  retries: ClientRetries;
  // Where the SDK's own warnings go instead of the console.
  log: (message: string) => void;
}

const noAmbientCredentials = () => () => Promise.reject(new Error('S3 credentials are passed explicitly, never read from the environment'));

// An S3 client with every setting the SDK would otherwise look up in AWS_* variables or ~/.aws given explicitly.
export const makeS3Client = (settings: ClientSettings): S3Client => {
  // Text warnings only: the SDK also logs every failed request as an object, which the store reports itself.
  const say = (...parts: unknown[]): void => {
    if (parts.length > 0 && parts.every((part) => typeof part === 'string')) settings.log(parts.join(' '));
  };
  const logger = { trace: () => undefined, debug: () => undefined, info: () => undefined, warn: say, error: say };
  return new S3Client({
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    region: settings.region,
    forcePathStyle: settings.forcePathStyle,
    credentials: { ...settings.credentials },
    credentialDefaultProvider: noAmbientCredentials,
    logger,
    requestHandler: new SignalledHttpHandler({
      logger,
      connectionTimeout: settings.timeoutMs,
      socketTimeout: settings.timeoutMs,
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 8 }),
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: 8, ...(settings.ca ? { ca: settings.ca } : {}) }),
    }),
    maxAttempts: settings.retries.retries + 1,
    retryMode: 'standard',
    retryStrategy: retryStrategy(settings.retries),
    defaultsMode: 'standard',
    useFipsEndpoint: false,
    useDualstackEndpoint: false,
    useArnRegion: false,
    disableS3ExpressSessionAuth: true,
    disableMultiregionAccessPoints: true,
    followRegionRedirects: false,
    ignoreConfiguredEndpointUrls: true,
    // S3-compatible stores (MinIO, Ceph, s3rver) predate the SDK's default CRC trailers.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    authSchemePreference: ['sigv4'],
    sigv4aSigningRegionSet: [settings.region],
    userAgentAppId: 'etcd-agent',
  });
};
