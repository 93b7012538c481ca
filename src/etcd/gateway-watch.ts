import { readFile } from 'node:fs/promises';
import { request as httpRequest, type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { TlsFiles } from '../config/agent-config.ts';
import { AgentError } from '../errors/agent-error.ts';

// One key-value of a watch event, as etcd reports it (revisions, version and lease as decimal strings).
export interface WatchKeyValue {
  key: Buffer;
  value: Buffer;
  lease: string;
  create_revision: string;
  mod_revision: string;
  version: string;
}

// One event of a watch response.
export interface WatchEvent {
  type: 'Put' | 'Delete';
  kv: WatchKeyValue;
}

// One watch response (etcd's WatchResponse), or a progress answer: no events, the revision etcd was at when asked.
export interface WatchResponse {
  header: { cluster_id: string; revision: string };
  created: boolean;
  canceled: boolean;
  cancel_reason: string;
  compact_revision: string;
  events: WatchEvent[];
}

// One watch of the whole keyspace from a revision. Responses are read one at a time; while the reader is busy the
// HTTP response is paused, so TCP, then etcd's gateway and its HTTP/2 stream to etcd, hold the events in etcd:
// nothing is buffered beyond a response or two.
export interface WatchSession {
  responses: AsyncIterable<WatchResponse>;
  // Asks etcd which revision it is at; the answer comes through responses as a progress answer (after the
  // responses already read off the stream, not necessarily after all events up to that revision).
  progress(): void;
  // Ends the watch; responses then end (with an error, or at once).
  close(): void;
}

// Opens watch sessions, each on a connection of its own, so a broken one leaves nothing behind.
export interface WatchSource {
  readonly endpoints: string[];
  open(startRevision: number): Promise<WatchSession>;
}

// The whole keyspace: key "\0" with range_end "\0", base64 as the gateway takes bytes.
const ALL_KEYS = Buffer.from([0]).toString('base64');
// Responses parsed ahead of the reader before the HTTP response is paused.
const HIGH_WATER = 2;

interface RawKeyValue {
  key?: string;
  value?: string;
  lease?: string;
  create_revision?: string;
  mod_revision?: string;
  version?: string;
}

interface RawResponse {
  header?: { cluster_id?: string; revision?: string };
  created?: boolean;
  canceled?: boolean;
  cancel_reason?: string;
  compact_revision?: string;
  events?: { type?: string; kv?: RawKeyValue }[];
}

const bytes = (base64: string | undefined): Buffer => (base64 ? Buffer.from(base64, 'base64') : Buffer.alloc(0));

// A gateway response as the capture reads it: proto3 JSON leaves out defaults (a PUT's type, a zero lease).
const toResponse = (raw: RawResponse): WatchResponse => ({
  header: { cluster_id: raw.header?.cluster_id ?? '0', revision: raw.header?.revision ?? '0' },
  created: raw.created === true,
  canceled: raw.canceled === true,
  cancel_reason: raw.cancel_reason ?? '',
  compact_revision: raw.compact_revision ?? '0',
  events: (raw.events ?? []).map((event) => {
    const kv = event.kv ?? {};
    return {
      type: event.type === 'DELETE' ? 'Delete' : 'Put',
      kv: { key: bytes(kv.key), value: bytes(kv.value), lease: kv.lease ?? '0', create_revision: kv.create_revision ?? '0', mod_revision: kv.mod_revision ?? '0', version: kv.version ?? '0' },
    };
  }),
});

// Responses handed from the HTTP stream (and progress answers) to one reader, in order, with backpressure.
class ResponseQueue {
  private readonly items: WatchResponse[] = [];
  private waiting: (() => void) | undefined;
  private failure: Error | undefined;
  private done = false;
  private readonly onDrain: () => void;
  private readonly onFull: () => void;

  constructor(onFull: () => void, onDrain: () => void) {
    this.onFull = onFull;
    this.onDrain = onDrain;
  }

  push(item: WatchResponse): void {
    if (this.done) return;
    this.items.push(item);
    if (this.items.length >= HIGH_WATER) this.onFull();
    this.wake();
  }

  end(error?: Error): void {
    if (this.done) return;
    this.done = true;
    this.failure = error;
    this.wake();
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<WatchResponse> {
    for (;;) {
      const next = this.items.shift();
      if (next) {
        if (this.items.length < HIGH_WATER) this.onDrain();
        yield next;
        continue;
      }
      if (this.done) {
        if (this.failure) throw this.failure;
        return;
      }
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
  }
}

// What a gateway error line or refusal says: {"error":{"message","grpc_code"}} or {"message","code"}.
const gatewayError = (text: string): string => {
  try {
    const parsed = JSON.parse(text) as { error?: { message?: string } | string; message?: string };
    const error = parsed.error;
    return (typeof error === 'object' ? error.message : error) ?? parsed.message ?? text.slice(0, 300);
  } catch {
    return text.slice(0, 300);
  }
};

// A whole (short) answer as text: a status answer or a refusal.
const bodyOf = async (answer: IncomingMessage): Promise<string> => {
  let text = '';
  for await (const chunk of answer) text += (chunk as Buffer).toString('utf8');
  return text;
};

// Watch sessions over etcd's JSON gateway (POST /v3/watch on the client URL, the same Watch API the gRPC clients
// use): plain HTTP/1.1, or https with the TLS files. Progress answers come from /v3/maintenance/status (etcd 3.4's
// gateway reads a streamed request body only once it ends, so a progress request cannot follow the create request).
// A stream that delivers nothing while two progress answers in a row say etcd is ahead of it is taken as stalled.
// Endpoints are tried in turn, one per session.
export const gatewayWatchSource = (endpoints: string[], tls: TlsFiles | undefined, timeoutMs: number): WatchSource => {
  let turn = 0;
  let credentials: Promise<Pick<RequestOptions & { ca?: Buffer; cert?: Buffer; key?: Buffer }, 'ca' | 'cert' | 'key'>> | undefined;
  const tlsOptions = () =>
    (credentials ??= tls
      ? Promise.all([tls.ca ? readFile(tls.ca) : undefined, tls.cert ? readFile(tls.cert) : undefined, tls.key ? readFile(tls.key) : undefined]).then(([ca, cert, key]) => ({
          ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}),
        }))
      : Promise.resolve({}));
  const send = async (endpoint: string, path: string, body: string, timeout: number | undefined): Promise<{ req: ClientRequest; res: Promise<IncomingMessage> }> => {
    const url = new URL(endpoint);
    const secure = url.protocol === 'https:';
    if (!secure && url.protocol !== 'http:') throw new AgentError(`etcd endpoint ${endpoint} is neither http:// nor https://`);
    const options: RequestOptions = {
      host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port || (secure ? 443 : 80), path, method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      ...(secure ? await tlsOptions() : {}),
    };
    const req = (secure ? httpsRequest : httpRequest)(options);
    const res = new Promise<IncomingMessage>((resolve, reject) => {
      req.once('response', resolve);
      req.once('error', reject);
    });
    if (timeout !== undefined) req.setTimeout(timeout, () => req.destroy(new Error(`no answer within ${timeout / 1000}s`)));
    req.end(body);
    return { req, res };
  };
  // etcd's revision now, and its cluster id.
  const status = async (endpoint: string): Promise<{ revision: string; clusterId: string }> => {
    const { res } = await send(endpoint, '/v3/maintenance/status', '{}', timeoutMs);
    const answer = await res;
    const text = await bodyOf(answer);
    if ((answer.statusCode ?? 0) !== 200) throw new Error(`etcd refused a status request: ${gatewayError(text)}`);
    const header = (JSON.parse(text) as RawResponse).header;
    return { revision: header?.revision ?? '0', clusterId: header?.cluster_id ?? '0' };
  };

  return {
    endpoints,
    async open(startRevision) {
      const endpoint = endpoints[turn++ % endpoints.length] as string;
      const body = JSON.stringify({ create_request: { key: ALL_KEYS, range_end: ALL_KEYS, start_revision: String(startRevision) } });
      const { req, res: answered } = await send(endpoint, '/v3/watch', body, undefined);
      let res: IncomingMessage | undefined;
      const queue = new ResponseQueue(() => res?.pause(), () => res?.resume());
      req.on('error', (error) => queue.end(error));
      req.once('socket', (socket) => socket.setKeepAlive(true, 10_000));
      const connected = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs / 1000}s`)), timeoutMs);
        answered.then(
          (response) => {
            clearTimeout(timer);
            res = response;
            resolve();
          },
          (error: unknown) => {
            clearTimeout(timer);
            reject(error instanceof Error ? error : new Error(String(error)));
          },
        );
      });
      try {
        await connected;
      } catch (error) {
        req.destroy();
        throw new AgentError(`cannot watch etcd at ${endpoint}: ${(error as Error).message}`, { cause: error });
      }
      const response = res as unknown as IncomingMessage;
      if ((response.statusCode ?? 0) !== 200) {
        const text = await bodyOf(response);
        req.destroy();
        throw new AgentError(`etcd at ${endpoint} refused the watch: ${gatewayError(text)}`);
      }
      let partial = '';
      let lastRevision = startRevision - 1;
      let delivered = true;
      let behind = 0;
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          if (line.trim() === '') continue;
          let parsed: { result?: RawResponse; error?: unknown };
          try {
            parsed = JSON.parse(line) as typeof parsed;
          } catch {
            queue.end(new Error(`etcd's gateway sent a line that is not JSON: ${line.slice(0, 200)}`));
            req.destroy();
            return;
          }
          if (parsed.error !== undefined || !parsed.result) {
            queue.end(new Error(`etcd ended the watch: ${gatewayError(line)}`));
            req.destroy();
            return;
          }
          const watched = toResponse(parsed.result);
          const last = watched.events.at(-1);
          if (last) {
            lastRevision = Number(last.kv.mod_revision);
            delivered = true;
          }
          queue.push(watched);
        }
      });
      response.on('end', () => queue.end());
      response.on('error', (error) => queue.end(error));
      response.on('aborted', () => queue.end(new Error('the watch connection was cut')));
      return {
        responses: queue,
        progress: () => {
          void status(endpoint).then(
            ({ revision, clusterId }) => {
              const ahead = Number(revision) > lastRevision;
              behind = ahead && !delivered ? behind + 1 : 0;
              delivered = false;
              if (behind >= 2) {
                queue.end(new Error(`the watch stream stalled: etcd is at revision ${revision}, nothing after ${lastRevision} arrived over two progress checks`));
                req.destroy();
                return;
              }
              queue.push({ header: { cluster_id: clusterId, revision }, created: false, canceled: false, cancel_reason: '', compact_revision: '0', events: [] });
            },
            (error: unknown) => {
              queue.end(new Error(`etcd at ${endpoint} did not answer a progress check: ${(error as Error).message}`));
              req.destroy();
            },
          );
        },
        close: () => {
          queue.end();
          req.destroy();
        },
      };
    },
  };
};
