import type { Duplex } from 'node:stream';
import type { IWatchRequest, IWatchResponse } from 'etcd3';
import type { TlsFiles } from '../config/agent-config.ts';
import { newEtcd3Client } from './etcd3-session.ts';

// One raw etcd watch stream (gRPC Watch, bidirectional): requests go out with send, responses are read one at a
// time from responses, so a slow reader holds the stream (gRPC reads the next message only when asked, and HTTP/2
// flow control then holds etcd): nothing is buffered beyond a message or two.
export interface WatchSession {
  responses: AsyncIterable<IWatchResponse>;
  send(request: IWatchRequest): void;
  // Cancels the call and closes the client; the responses then end with an error (or at once).
  close(): void;
}

// Opens watch sessions; each has a client of its own, so one broken connection leaves nothing behind.
export interface WatchSource {
  readonly endpoints: string[];
  open(): Promise<WatchSession>;
}

// gRPC keepalive, so a connection to an etcd that went away without a word is noticed within seconds.
const GRPC_OPTIONS = {
  'grpc.keepalive_time_ms': 10_000,
  'grpc.keepalive_timeout_ms': 5_000,
  'grpc.keepalive_permit_without_calls': 1,
  // A watch response holds whole revisions (etcd never splits one unless asked): let any size through.
  'grpc.max_receive_message_length': -1,
};

// Watch sessions on the configured endpoints (etcd3 client, TLS files when the endpoint is https).
export const etcd3WatchSource = (endpoints: string[], tls: TlsFiles | undefined, dialTimeoutMs: number): WatchSource => ({
  endpoints,
  async open() {
    const client = await newEtcd3Client(endpoints, tls, { dialTimeout: dialTimeoutMs, grpcOptions: GRPC_OPTIONS });
    let stream: Duplex;
    try {
      // At runtime the stream is grpc-js's ClientDuplexStream, a Node object-mode Duplex.
      stream = (await client.watchClient.watch()) as unknown as Duplex;
    } catch (error) {
      client.close();
      throw error;
    }
    // An error is read through the iterator; this listener only keeps it from being an unhandled 'error' event.
    stream.on('error', () => undefined);
    return {
      responses: stream as AsyncIterable<IWatchResponse>,
      send: (request) => void stream.write(request),
      close: () => {
        (stream as unknown as { cancel(): void }).cancel();
        stream.destroy();
        client.close();
      },
    };
  },
});
