import { readFile } from 'node:fs/promises';
import { Etcd3 } from 'etcd3';
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

// Opens an etcd3 gRPC client for one call sequence, bounded by timeoutMs, and always closes it.
export const withEtcd3 = async <T>(endpoint: string, tls: TlsFiles | undefined, timeoutMs: number, use: (client: Etcd3) => Promise<T>): Promise<T> => {
  const credentials = tls
    ? {
        rootCertificate: tls.ca ? await readFile(tls.ca) : Buffer.alloc(0),
        ...(tls.cert ? { certChain: await readFile(tls.cert) } : {}),
        ...(tls.key ? { privateKey: await readFile(tls.key) } : {}),
      }
    : undefined;
  const client = new Etcd3({
    hosts: [endpoint],
    ...(credentials ? { credentials } : {}),
    dialTimeout: timeoutMs,
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + timeoutMs }),
  });
  try {
    return await withDeadline(use(client), timeoutMs, endpoint);
  } finally {
    client.close();
  }
};
