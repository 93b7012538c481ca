import { readFile } from 'node:fs/promises';
import type { Etcd3, IOptions } from 'etcd3';
import type { TlsFiles } from '../config/agent-config.ts';

const withDeadline = async <T>(work: Promise<T>, ms: number, endpoint: string): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`deadline exceeded after ${ms / 1000}s waiting for ${endpoint}`)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
};

// How a long call sequence differs from the default: its own bound for the whole sequence (each call keeps timeoutMs),
// and larger gRPC messages (a replayed revision of many events answers with one response per event).
export interface SessionOptions {
  totalMs?: number;
  maxMessageBytes?: number;
}

// Opens an etcd3 gRPC client for one call sequence, bounded by timeoutMs, and always closes it.
export const withEtcd3 = async <T>(endpoint: string, tls: TlsFiles | undefined, timeoutMs: number, use: (client: Etcd3) => Promise<T>, session: SessionOptions = {}): Promise<T> => {
  const client = await newEtcd3Client([endpoint], tls, {
    dialTimeout: timeoutMs,
    ...(session.maxMessageBytes ? { grpcOptions: { 'grpc.max_receive_message_length': session.maxMessageBytes, 'grpc.max_send_message_length': session.maxMessageBytes } } : {}),
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + timeoutMs }),
  });
  try {
    return await withDeadline(use(client), session.totalMs ?? timeoutMs, endpoint);
  } finally {
    client.close();
  }
};

// A new etcd3 client for hosts, with the TLS files read when given. gRPC and etcd3 load only when etcd is asked
// something this way (hooks with nothing to do never pay for it).
export const newEtcd3Client = async (hosts: string[], tls: TlsFiles | undefined, options: Omit<IOptions, 'hosts' | 'credentials'>): Promise<Etcd3> => {
  const credentials = tls
    ? {
        rootCertificate: tls.ca ? await readFile(tls.ca) : Buffer.alloc(0),
        ...(tls.cert ? { certChain: await readFile(tls.cert) } : {}),
        ...(tls.key ? { privateKey: await readFile(tls.key) } : {}),
      }
    : undefined;
  const etcd3 = await import('etcd3');
  // etcd3 is CommonJS: Node names its exports, a bundle may hand them over as the default export.
  const Client = etcd3.Etcd3 ?? (etcd3.default as unknown as typeof etcd3).Etcd3;
  return new Client({ hosts, ...(credentials ? { credentials } : {}), ...options });
};
