import { get } from 'node:http';
import { tcpOpen } from '../net/tcp-open.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { runEtcdctl, type EtcdctlTls } from './ctl.ts';
import { logTail } from './process.ts';

// How long to wait for an etcd to become healthy, and what to watch meanwhile.
export interface WaitHealthyOptions {
  tls?: EtcdctlTls;
  timeoutMs?: number;
  logFile?: string;
  hasExited?: () => boolean;
}

// True when something accepts TCP connections at the endpoint's host and port (cheaper than running etcdctl).
export const isListening = (endpoint: string): Promise<boolean> => {
  const url = new URL(endpoint);
  return tcpOpen(url.hostname, Number(url.port));
};

// True when the endpoint accepts connections and etcdctl endpoint health succeeds once against it.
export const isHealthy = async (endpoint: string, tls?: EtcdctlTls): Promise<boolean> => {
  if (!(await isListening(endpoint))) return false;
  try {
    await runEtcdctl(endpoint, ['endpoint', 'health', '--dial-timeout=500ms', '--command-timeout=2s'], {
      ...(tls === undefined ? {} : { tls }),
      timeoutMs: 5_000,
    });
    return true;
  } catch {
    return false;
  }
};

// Polls etcdctl endpoint health until it succeeds; throws with the log tail on timeout or if etcd exits.
export const waitHealthy = async (endpoint: string, options: WaitHealthyOptions = {}): Promise<void> => {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  const fail = async (why: string): Promise<never> => {
    const tail = options.logFile === undefined ? '' : `\n--- ${options.logFile} ---\n${await logTail(options.logFile)}`;
    throw new Error(`etcd at ${endpoint} ${why}${tail}`);
  };
  for (;;) {
    if (options.hasExited?.() === true) return fail('exited before becoming healthy');
    if (await isHealthy(endpoint, options.tls)) return;
    if (options.hasExited?.() === true) return fail('exited before becoming healthy');
    if (Date.now() > deadline) return fail('did not become healthy in time');
    await sleep(25);
  }
};

// True when an HTTP GET of url gets any response within 300 ms (one-off connection, no keep-alive).
const answers = (url: string): Promise<boolean> =>
  new Promise((resolve) => {
    const request = get(url, { agent: false, timeout: 300 }, (response) => {
      response.resume();
      request.destroy();
      resolve(true);
    });
    request.once('timeout', () => request.destroy());
    request.once('error', () => resolve(false));
    request.once('close', () => resolve(false));
  });

// Polls GET <peerUrl>/members until the member's peer handler answers; throws if it exits or times out.
export const waitPeerServing = async (
  peer: string,
  options: { timeoutMs?: number; hasExited?: () => boolean } = {},
): Promise<void> => {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  for (;;) {
    if (options.hasExited?.() === true) throw new Error(`etcd with peer URL ${peer} exited while starting`);
    if (await answers(`${peer}/members`)) return;
    if (Date.now() > deadline) throw new Error(`etcd with peer URL ${peer} did not serve its peer port in time`);
    await sleep(10);
  }
};
