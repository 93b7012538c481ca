import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';

const HOST = '127.0.0.1';
const handedOut = new Set<number>();

// Lowest port of the kernel's ephemeral range; ports below it are never picked for outgoing connections.
const ephemeralLow = (): number => {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    const n = Number(low);
    return Number.isInteger(n) && n > 0 ? n : 32768;
  } catch {
    return 32768;
  }
};

const listen = (port: number): Promise<Server | undefined> =>
  new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen({ port, host: HOST, exclusive: true }, () => resolve(server));
  });

const close = (server: Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

const boundPort = (server: Server): number => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
  return address.port;
};

// Candidate port: random below the ephemeral range when there is room, else 0 (the kernel picks).
const candidate = (low: number): number => {
  const floor = 10000;
  if (low - floor < 1000) return 0;
  return floor + Math.floor(Math.random() * (low - floor));
};

// Distinct free ports on 127.0.0.1, held open together while allocating, never handed out twice by this process.
export const freePorts = async (count: number): Promise<number[]> => {
  const low = ephemeralLow();
  const held: Server[] = [];
  const ports: number[] = [];
  try {
    for (let tries = 0; ports.length < count; tries++) {
      if (tries > count * 200) throw new Error(`could not find ${count} free ports`);
      const server = await listen(candidate(low));
      if (server === undefined) continue;
      const port = boundPort(server);
      held.push(server);
      if (handedOut.has(port)) continue;
      ports.push(port);
    }
  } finally {
    await Promise.all(held.map(close));
  }
  for (const port of ports) handedOut.add(port);
  return ports;
};

// One free port on 127.0.0.1.
export const freePort = async (): Promise<number> => {
  const [port] = await freePorts(1);
  if (port === undefined) throw new Error('no free port');
  return port;
};
