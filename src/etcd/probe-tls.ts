import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { connect } from 'node:tls';
import type { TlsFiles } from '../config/agent-config.ts';

// Why a TLS session with an https endpoint cannot be had, or undefined when one can (or the endpoint is not TLS).
// etcdctl reports a refused handshake only as "context deadline exceeded"; this tells the operator it is TLS
// and why (an unknown CA, a name mismatch, a client certificate the server refuses).
export const probeTls = async (endpoint: string, tls: TlsFiles | undefined, timeoutMs: number): Promise<string | undefined> => {
  const url = new URL(endpoint);
  if (url.protocol !== 'https:') return undefined;
  // URL keeps an IPv6 address in brackets; the socket wants it bare.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const [ca, cert, key] = await Promise.all([tls?.ca, tls?.cert, tls?.key].map((path) => (path ? readFile(path).catch(() => undefined) : undefined)));
  return new Promise((resolve) => {
    let settled = false;
    const done = (reason: string | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(reason);
    };
    // SNI carries host names only (RFC 6066): for an IP endpoint none is sent (Node warns about an IP servername), and
    // the certificate is still checked against that IP.
    const socket = connect({ host, port: Number(url.port || 2379), ...(isIP(host) === 0 ? { servername: host } : {}), ALPNProtocols: ['h2'], ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) });
    // A server that refuses the client's certificate says so just after the handshake (TLS 1.3): wait a moment.
    socket.once('secureConnect', () => setTimeout(() => done(undefined), 300));
    socket.once('error', (error: NodeJS.ErrnoException) => done(/ECONNREFUSED|EHOSTUNREACH|ENOTFOUND|ETIMEDOUT/.test(error.code ?? '') ? undefined : error.message));
    const timer = setTimeout(() => done(undefined), timeoutMs);
  });
};
