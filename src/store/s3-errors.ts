// What an S3 error message may name: where the store is, and what it must never repeat.
export interface S3ErrorContext {
  // The endpoint as the operator configured it (or AWS's for the region).
  endpoint: string;
  bucket: string;
  // The access key and secret key: blanked out wherever they appear.
  secrets: readonly string[];
  // A custom endpoint addressed virtual-host style (bucket.host), where a DNS failure suggests path style.
  virtualHosted?: boolean;
}

interface SdkLikeError {
  name?: string;
  code?: string;
  message?: string;
  cause?: unknown;
  $metadata?: { httpStatusCode?: number };
}

const CREDENTIAL_ERRORS = new Set([
  'SignatureDoesNotMatch', 'InvalidAccessKeyId', 'InvalidToken', 'ExpiredToken', 'TokenRefreshRequired', 'InvalidSecurity',
  'InvalidClientTokenId', 'UnrecognizedClientException',
]);

const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ECONNABORTED',
  'TimeoutError', 'RequestTimeout', 'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

const TLS_CODE = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS|ERR_SSL|EPROTO/;

// The error itself or the first of its causes that carries a code (network errors are often wrapped).
const codeOf = (error: unknown, depth = 0): string | undefined => {
  const e = error as SdkLikeError | undefined;
  if (!e || typeof e !== 'object' || depth > 5) return undefined;
  if (typeof e.code === 'string') return e.code;
  if (e.name === 'TimeoutError') return 'TimeoutError';
  return codeOf(e.cause, depth + 1);
};

// Removes the key values, SigV4 credential scopes and signatures from text, and keeps it on one line.
export const sanitize = (text: string, secrets: readonly string[]): string => {
  let clean = text;
  for (const secret of secrets) if (secret.length > 0) clean = clean.split(secret).join('***');
  return clean
    .replace(/Credential=[^,\s]*/g, 'Credential=***')
    .replace(/[^\s/"'<>=]*\/\d{8}\/[^\s/]+\/[^\s/]+\/aws4_request/g, '***')
    .replace(/Signature=[0-9a-fA-F]+/g, 'Signature=***')
    .replace(/\s*\n\s*/g, '; ')
    .trim();
};

// Whether an error means the request never got an answer (connection refused, reset, timed out, name unknown).
export const isNetworkError = (error: unknown): boolean => NETWORK_CODES.has(codeOf(error) ?? '');

// HTTP status of an SDK error, when the server answered at all.
export const statusOf = (error: unknown): number | undefined => (error as SdkLikeError | undefined)?.$metadata?.httpStatusCode;

const THROTTLING = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'RequestThrottled', 'TooManyRequestsException', 'RequestLimitExceeded']);

// Whether trying again later may help: no answer, a server error, throttling, or a request timeout.
export const isTransient = (error: unknown): boolean => {
  const status = statusOf(error) ?? 0;
  const name = (error as SdkLikeError | undefined)?.name ?? '';
  return isNetworkError(error) || status >= 500 || status === 429 || THROTTLING.has(name) || name === 'RequestTimeout';
};

// One line for the operator saying what the S3 endpoint did and what to do; never a key.
export const describeS3Error = (error: unknown, context: S3ErrorContext): string => {
  const e = (error ?? {}) as SdkLikeError;
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const status = statusOf(error);
  const code = codeOf(error);
  const at = `S3 at ${context.endpoint}`;
  const bucket = `bucket ${context.bucket}`;
  const message = sanitize(typeof e.message === 'string' ? e.message : String(error), context.secrets);
  if (name === 'AbortError') return 'the call was aborted';
  if (CREDENTIAL_ERRORS.has(name)) {
    return `${at} refused the credentials (${name}) for ${bucket}; check s3-access-key/s3-secret-key or s3-credentials-secret`;
  }
  if (name === 'NoSuchBucket') return `${at} has no ${bucket}; create it or fix s3-bucket`;
  if (name === 'AccessDenied' || (status === 403 && name !== 'RequestTimeTooSkewed')) {
    return `${at} denied access to ${bucket} (${name === 'AccessDenied' ? name : `${status} ${name}`}); check the credentials and that they may list, read, write and delete objects under the prefix`;
  }
  if (name === 'RequestTimeTooSkewed') return `${at} refused the request because this machine's clock is off (RequestTimeTooSkewed); fix the time synchronisation`;
  if (name === 'PermanentRedirect' || name === 'IllegalLocationConstraintException' || status === 301) {
    return `${at} says ${bucket} is in another region (${name}); set s3-region to the bucket's region`;
  }
  if (name === 'AuthorizationHeaderMalformed') return `${at} refused the request's region (${name}: ${message}); set s3-region to the bucket's region`;
  if (code && TLS_CODE.test(code)) {
    return `${at} presented a TLS certificate that could not be verified (${code}); set s3-ca to the CA bundle that signs it`;
  }
  if (code === 'ENOTFOUND' && context.virtualHosted) {
    return `${at} did not answer (ENOTFOUND for ${context.bucket}.<host>); set s3-force-path-style=true for an endpoint without per-bucket host names`;
  }
  if (code && NETWORK_CODES.has(code)) return `${at} did not answer (${code})`;
  if (status !== undefined) return `${at} answered ${status} ${name} for ${bucket}: ${message}`;
  return `${at} failed for ${bucket}: ${code ? `${code}: ` : ''}${message}`;
};
