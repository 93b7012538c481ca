// AWS Signature Version 4 checking for the test S3 server: s3rver only looks up the access key of a
// V4 request and never checks its signature, so a wrong secret key would pass without this.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

// Why a request was refused, as S3 says it (code and message), with the elements real S3 adds.
export interface SigV4Fault {
  status: number;
  code: 'SignatureDoesNotMatch' | 'InvalidAccessKeyId' | 'AccessDenied' | 'AuthorizationHeaderMalformed';
  message: string;
  details: Record<string, string>;
}

const AUTH = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;

const escapeUri = (text: string): string => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

const canonicalQuery = (raw: string): string =>
  raw
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const at = pair.indexOf('=');
      const [key, value] = at < 0 ? [pair, ''] : [pair.slice(0, at), pair.slice(at + 1)];
      return [escapeUri(decodeURIComponent(key)), escapeUri(decodeURIComponent(value))] as const;
    })
    .filter(([key]) => key.toLowerCase() !== 'x-amz-signature')
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');

const hmac = (key: string | Buffer, text: string): Buffer => createHmac('sha256', key).update(text, 'utf8').digest();

// Checks the Authorization header of req against the secret of its access key; undefined when it is right.
export const checkSigV4 = (req: IncomingMessage, secrets: ReadonlyMap<string, string>): SigV4Fault | undefined => {
  const header = req.headers.authorization;
  if (!header) return { status: 403, code: 'AccessDenied', message: 'Anonymous access is forbidden for this operation', details: {} };
  const match = AUTH.exec(header);
  if (!match) return { status: 400, code: 'AuthorizationHeaderMalformed', message: 'The authorization header is malformed', details: {} };
  const [, accessKeyId = '', date = '', region = '', service = '', signedHeaders = '', signature = ''] = match;
  const secret = secrets.get(accessKeyId);
  if (secret === undefined) {
    return { status: 403, code: 'InvalidAccessKeyId', message: 'The AWS Access Key Id you provided does not exist in our records.', details: { AWSAccessKeyId: accessKeyId } };
  }
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const headers = signedHeaders
    .split(';')
    .map((name) => {
      const value = req.headers[name];
      return `${name}:${(Array.isArray(value) ? value.join(',') : (value ?? '')).trim().replace(/\s+/g, ' ')}\n`;
    })
    .join('');
  const canonicalRequest = [
    req.method ?? 'GET',
    q < 0 ? url : url.slice(0, q),
    canonicalQuery(q < 0 ? '' : url.slice(q + 1)),
    headers,
    signedHeaders,
    String(req.headers['x-amz-content-sha256'] ?? 'UNSIGNED-PAYLOAD'),
  ].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', String(req.headers['x-amz-date'] ?? ''), scope, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
  const expected = createHmac('sha256', key).update(stringToSign).digest();
  if (timingSafeEqual(expected, Buffer.from(signature, 'hex'))) return undefined;
  return {
    status: 403,
    code: 'SignatureDoesNotMatch',
    message: 'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    details: { AWSAccessKeyId: accessKeyId, StringToSign: stringToSign, CanonicalRequest: canonicalRequest },
  };
};

const xmlEscape = (text: string): string => text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

// The XML error document S3 sends for a fault.
export const faultXml = (fault: SigV4Fault): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${fault.code}</Code><Message>${xmlEscape(fault.message)}</Message>` +
  Object.entries(fault.details).map(([name, value]) => `<${name}>${xmlEscape(value)}</${name}>`).join('') +
  '<RequestId>0000000000000000</RequestId></Error>';
