import { createServer, type Server } from 'node:http';
import { oneLine } from '../errors/agent-error.ts';
import type { Logger } from '../log/logger.ts';

// A running metrics endpoint; close() stops it (and is a no-op when it never bound).
export interface MetricsServer {
  // The port it listens on, or undefined when it could not bind.
  port: number | undefined;
  close(): Promise<void>;
}

// Serves render()'s text at GET /metrics on host:port (404 elsewhere, 405 for other methods). A bind failure
// (port in use, address not on this host) is one log line and a server that does nothing: the scheduler goes on
// taking snapshots without metrics.
export const serveMetrics = async (address: { host: string; port: number }, render: () => Promise<{ text: string; contentType: string }>, log: Logger): Promise<MetricsServer> => {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found; metrics are at /metrics\n');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('use GET\n');
      return;
    }
    render().then(
      ({ text, contentType }) => void response.writeHead(200, { 'content-type': contentType }).end(request.method === 'HEAD' ? undefined : text),
      (error: unknown) => {
        log.error(`cannot render metrics: ${oneLine(error)}`);
        response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('cannot render metrics; see the scheduler log\n');
      },
    );
  });
  const shown = address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
  const bound = await new Promise<boolean>((resolve) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const why = error.code === 'EADDRINUSE' ? 'the port is in use' : error.code === 'EADDRNOTAVAIL' ? 'the address is not on this host' : oneLine(error);
      log.error(`metrics-address ${shown} cannot be served (${why}); scheduled snapshots go on without a metrics endpoint: free the port or set metrics-address to another host:port (empty turns it off)`);
      resolve(false);
    });
    server.listen({ host: address.host, port: address.port }, () => resolve(true));
  });
  if (!bound) return { port: undefined, close: async () => undefined };
  const actual = server.address();
  log.info(`metrics served at http://${shown}/metrics`);
  return {
    port: typeof actual === 'object' && actual !== null ? actual.port : address.port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
};
