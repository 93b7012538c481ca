import { AgentError } from '../errors/agent-error.ts';
import { CommandError } from '../process/command-runner.ts';

const TLS_WORDS = /certificate|x509|tls|ssl|handshake|alert|unknown authority|self[- ]signed|wrong version number/i;
const DOWN_WORDS = /unhealthy|ECONNREFUSED|connection refused|deadline exceeded|No connection established|unavailable|EHOSTUNREACH|ENOTFOUND|timed out|timeout/i;

const shorten = (cause: string): string =>
  cause
    .replace(/Resolution note:.*$/s, '')
    .replace(/^\d+ [A-Z_]+: /, '')
    .replace(/\s+/g, ' ')
    .replace(/[\s.;]+$/, '')
    .slice(0, 300);

const reasonOf = (error: unknown): string => (error instanceof CommandError ? error.reason : error instanceof Error ? error.message : String(error));

const notFound = (error: CommandError, what: string): AgentError =>
  new AgentError(`${what} failed: ${error.command.split(' ')[0]} was not found or is not executable; install etcd's client tools or set etcdctl-path`, { cause: error });

// Turns a failed local etcd tool run (snapshot status, snapshot restore: no etcd server involved) into one line
// that blames the file or the tool, never the etcd endpoint.
export const explainLocalError = (error: unknown, what: string): AgentError => {
  if (error instanceof AgentError) return error;
  if (error instanceof CommandError && error.notFound) return notFound(error, what);
  return new AgentError(`${what} failed: ${shorten(reasonOf(error))}`, { cause: error });
};

// Turns a failed etcd call into one line that names the endpoint, the cause and the way out.
export const explainEtcdError = (error: unknown, endpoint: string, what: string, service: string): AgentError => {
  if (error instanceof AgentError) return error;
  const cause = reasonOf(error);
  const short = shorten(cause);
  if (error instanceof CommandError && error.notFound) return notFound(error, what);
  if (TLS_WORDS.test(cause)) {
    return new AgentError(`${what} failed: TLS with etcd at ${endpoint} failed (${short}); check etcd-ca, etcd-cert and etcd-key`, { cause: error });
  }
  if (DOWN_WORDS.test(cause) || (error instanceof CommandError && error.timedOut)) {
    return new AgentError(`${what} failed: etcd at ${endpoint} did not answer (${short}); check that etcd is running (systemctl status ${service}) and that etcd-endpoints is right`, { cause: error });
  }
  return new AgentError(`${what} failed against etcd at ${endpoint}: ${short}`, { cause: error });
};
