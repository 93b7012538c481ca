import { Agent, request } from 'node:http';
import { AgentError } from '../errors/agent-error.ts';

// What a gateway call answered: the HTTP status, the body (at most keepBytes of it) and whether more was dropped.
export interface GatewayAnswer {
  status: number;
  text: string;
  truncated: boolean;
}

// A client of etcd's JSON gateway (the grpc-gateway etcd serves on its client URL: POST /v3/kv/txn, /v3/lease/...,
// JSON bodies, bytes in base64, int64 as decimal strings) over keep-alive connections.
export interface EtcdGateway {
  readonly endpoint: string;
  // POSTs body to path; rejects with an AgentError naming the call when etcd refuses it (its message and gRPC code)
  // or does not answer within the timeout. Keeps at most keepBytes of the answer (the rest is read and dropped).
  post(path: string, body: string, keepBytes?: number): Promise<GatewayAnswer>;
  // POSTs and parses the answer as JSON.
  call<T>(path: string, body: string): Promise<T>;
  close(): void;
}

// How the gateway is used.
export interface GatewayOptions {
  // Bound of each call, from the request to the end of the answer.
  timeoutMs: number;
  // The largest answer call() parses.
  maxAnswerBytes: number;
}

// The why of a refusal: grpc-gateway answers {"error","message","code"}.
const refusal = (text: string): string => {
  try {
    const parsed = JSON.parse(text) as { message?: unknown; error?: unknown; code?: unknown };
    const message = typeof parsed.message === 'string' ? parsed.message : typeof parsed.error === 'string' ? parsed.error : text;
    return typeof parsed.code === 'number' ? `${message} (gRPC code ${parsed.code})` : message;
  } catch {
    return text.slice(0, 500);
  }
};

// Opens a gateway client to an http:// endpoint (the throwaway etcd on loopback; TLS endpoints are not served here).
export const openGateway = (endpoint: string, options: GatewayOptions): EtcdGateway => {
  const url = new URL(endpoint);
  if (url.protocol !== 'http:') throw new AgentError(`etcd's JSON gateway is only used on a plain http:// loopback endpoint, not ${endpoint}`);
  // Two sockets: the replay's txns (one at a time) beside the lease keeper's renewals.
  const agent = new Agent({ keepAlive: true, maxSockets: 2 });
  const post = (path: string, body: string, keepBytes = options.maxAnswerBytes): Promise<GatewayAnswer> =>
    new Promise<GatewayAnswer>((resolve, reject) => {
      const fail = (why: string): void => {
        clearTimeout(timer);
        reject(new AgentError(`etcd at ${endpoint} did not answer ${path}: ${why}`));
      };
      const req = request({
        host: url.hostname, port: url.port, path, method: 'POST', agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      }, (res) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        let truncated = false;
        res.on('data', (chunk: Buffer) => {
          if (kept >= keepBytes) {
            truncated = true;
            return;
          }
          const room = keepBytes - kept;
          chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
          truncated ||= chunk.length > room;
          kept += Math.min(room, chunk.length);
        });
        res.on('error', (error) => fail(error.message));
        res.on('end', () => {
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status < 200 || status > 299) reject(new AgentError(`etcd at ${endpoint} refused ${path}: ${refusal(text)}`));
          else resolve({ status, text, truncated });
        });
      });
      const timer = setTimeout(() => req.destroy(new Error(`no answer within ${options.timeoutMs / 1000}s`)), options.timeoutMs);
      req.on('error', (error) => fail(error.message));
      req.end(body);
    });
  return {
    endpoint,
    post,
    async call<T>(path: string, body: string): Promise<T> {
      const answer = await post(path, body, options.maxAnswerBytes + 1);
      if (answer.truncated || answer.text.length > options.maxAnswerBytes) throw new AgentError(`etcd at ${endpoint} answered ${path} with more than ${options.maxAnswerBytes} bytes`);
      return JSON.parse(answer.text) as T;
    },
    close() {
      agent.destroy();
    },
  };
};

// The header grpc-gateway writes first in every answer ({"header":{...,"revision":"N",...},...}), read from its start
// (an answer to a txn of many ops lists one response per op after it, which need not be kept).
export const headerRevision = (text: string): number | undefined => {
  const found = /^\{"header":(\{[^{}]*\})/.exec(text);
  if (!found?.[1]) return undefined;
  const revision = (JSON.parse(found[1]) as { revision?: unknown }).revision;
  return typeof revision === 'string' && /^\d+$/.test(revision) ? Number(revision) : undefined;
};
