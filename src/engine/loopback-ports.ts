import { createServer, type Server } from 'node:net';

// The only address throwaway members listen on.
export const LOOPBACK = '127.0.0.1';

const listen = (): Promise<Server> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: LOOPBACK, exclusive: true }, () => resolve(server));
  });

const close = (server: Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

// Distinct ports the kernel reports free on 127.0.0.1: all bound to :0 together, then released.
// Another process may take one before it is used, so whoever binds them retries on "address already in use".
export const freeLoopbackPorts = async (count: number): Promise<number[]> => {
  const held: Server[] = [];
  try {
    for (let i = 0; i < count; i++) held.push(await listen());
    return held.map((server) => {
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('a loopback listener has no TCP port');
      return address.port;
    });
  } finally {
    await Promise.all(held.map(close));
  }
};
