// A real S3 HTTP server on loopback for store tests: s3rver in a child process (so a test can kill it
// mid-request and start it again on the same port and directory), with SigV4 signatures checked.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../net/ports.ts';
import { checkSigV4, faultXml, type SigV4Fault } from './sigv4-check.ts';

// The access key of the only key pair the server accepts.
export const S3_ACCESS_KEY = 'S3RVER';

// The secret key of that pair.
export const S3_SECRET_KEY = 'S3RVER';

const HOST = '127.0.0.1';
const UPLOADS = '._S3rver_uploads';
const OBJECT_SUFFIX = '._S3rver_object';

// How to start the server: the bucket it has, and a certificate and key to speak https.
export interface S3ServerOptions {
  bucket: string;
  tls?: { cert: string; key: string };
}

// A running test S3 server.
export interface S3Server {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  bucket: string;
  port: number;
  // s3rver's data directory (removed by stop()).
  dir: string;
  // Stops it (SIGTERM) and removes its directory.
  stop(): Promise<void>;
  // Kills it at once (SIGKILL), as a crash would; the directory stays for start().
  kill(): Promise<void>;
  // Starts it again on the same port and directory.
  start(): Promise<void>;
  // Keys of the objects the bucket holds, read from s3rver's directory (not through S3).
  keys(): Promise<string[]>;
  // Keys of the multipart uploads started and neither completed nor aborted.
  pendingUploads(): Promise<string[]>;
  // `METHOD /path?query` of every request that passed the signature check, across restarts.
  requests: string[];
  // `METHOD /path?query <x-amz-content-sha256>` of the same requests: the payload hash each one signed.
  signedPayloads: string[];
}

type ChildConfig = { dir: string; port: number; bucket: string; tls?: { cert: string; key: string } | undefined };

const walk = async (dir: string): Promise<string[]> => {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const nested = await Promise.all(entries.map((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)])));
  return nested.flat();
};

const spawnServer = async (config: ChildConfig, requests: string[], signedPayloads: string[]): Promise<ChildProcess> => {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'serve', JSON.stringify(config)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  let partial = '';
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('REQ ')) requests.push(line.slice(4));
        else if (line.startsWith('PAY ')) signedPayloads.push(line.slice(4));
        else if (line.startsWith('listening')) resolve();
        else output += `${line}\n`;
      }
    });
    child.once('exit', (code) => reject(new Error(`s3rver exited with ${code}: ${output}`)));
    setTimeout(() => reject(new Error(`s3rver did not start in 15 s: ${output}`)), 15_000).unref();
  });
  try {
    await ready;
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return child;
};

const ended = async (child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> => {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exit = once(child, 'exit');
  child.kill(signal);
  await exit;
};

// Starts s3rver with one bucket on a free loopback port, in a fresh temporary directory.
export const startS3 = async (options: S3ServerOptions): Promise<S3Server> => {
  const dir = await mkdtemp(join(tmpdir(), 's3rver-'));
  const port = await freePort();
  const config: ChildConfig = { dir, port, bucket: options.bucket, tls: options.tls };
  const requests: string[] = [];
  const signedPayloads: string[] = [];
  let child: ChildProcess | undefined = await spawnServer(config, requests, signedPayloads);
  const bucketDir = join(dir, options.bucket);
  return {
    endpoint: `${options.tls ? 'https' : 'http'}://${HOST}:${port}`,
    accessKeyId: S3_ACCESS_KEY,
    secretAccessKey: S3_SECRET_KEY,
    bucket: options.bucket,
    port,
    dir,
    requests,
    signedPayloads,
    async stop() {
      await ended(child, 'SIGTERM');
      child = undefined;
      await rm(dir, { recursive: true, force: true });
    },
    async kill() {
      await ended(child, 'SIGKILL');
    },
    async start() {
      await ended(child, 'SIGTERM');
      child = await spawnServer(config, requests, signedPayloads);
    },
    async keys() {
      const files = await walk(bucketDir);
      return files
        .filter((file) => file.endsWith(OBJECT_SUFFIX) && !relative(bucketDir, file).startsWith(UPLOADS))
        .map((file) => relative(bucketDir, file).slice(0, -OBJECT_SUFFIX.length))
        .sort();
    },
    async pendingUploads() {
      const ids = await readdir(join(bucketDir, UPLOADS)).catch(() => [] as string[]);
      return (await Promise.all(ids.map((id) => readFile(join(bucketDir, UPLOADS, id, 'key'), 'utf8').catch(() => `(unknown: ${id})`)))).sort();
    },
  };
};

// --- the child process ---

type S3rverApp = { configureBuckets(): Promise<void>; callback(): (req: IncomingMessage, res: ServerResponse) => void };
type S3rverClass = new (options: Record<string, unknown>) => S3rverApp;

const refuse = (req: IncomingMessage, res: ServerResponse, fault: SigV4Fault): void => {
  req.resume();
  req.on('end', () => {
    const body = req.method === 'HEAD' ? '' : faultXml(fault);
    res.writeHead(fault.status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body), connection: 'close' });
    res.end(body);
  });
};

// s3rver has no AbortMultipartUpload; this one drops the upload's parts as S3 does.
const abortUpload = async (config: ChildConfig, uploadId: string, res: ServerResponse): Promise<void> => {
  const path = join(config.dir, config.bucket, UPLOADS, uploadId);
  const known = /^[0-9a-f]{32}$/.test(uploadId) && (await readFile(join(path, 'key')).then(() => true, () => false));
  await rm(path, { recursive: true, force: true });
  res.writeHead(known ? 204 : 404, known ? {} : { 'content-type': 'application/xml' });
  res.end(known ? undefined : '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message></Error>');
};

const serve = async (config: ChildConfig): Promise<void> => {
  const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;
  const app = new S3rver({ directory: config.dir, silent: true, configureBuckets: [{ name: config.bucket, configs: [] }] });
  await app.configureBuckets();
  const handle = app.callback();
  const secrets = new Map([[S3_ACCESS_KEY, S3_SECRET_KEY]]);
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const fault = checkSigV4(req, secrets);
    if (fault) return refuse(req, res, fault);
    process.stdout.write(`REQ ${req.method} ${req.url}\nPAY ${req.method} ${req.url} ${String(req.headers['x-amz-content-sha256'] ?? '')}\n`);
    const url = new URL(req.url ?? '/', 'http://s3');
    const uploadId = url.searchParams.get('uploadId');
    if (req.method === 'DELETE' && uploadId !== null) return void abortUpload(config, uploadId, res);
    handle(req, res);
  };
  const server = config.tls
    ? createHttpsServer({ cert: await readFile(config.tls.cert), key: await readFile(config.tls.key) }, onRequest)
    : createHttpServer(onRequest);
  server.listen(config.port, HOST, () => process.stdout.write(`listening ${config.port}\n`));
  // The test process holds the other end of stdin: when it dies, however it dies, the server goes with its data.
  process.stdin.on('end', () => void rm(config.dir, { recursive: true, force: true }).finally(() => process.exit(0))).resume();
  process.once('SIGTERM', () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
};

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === 'serve') {
  await serve(JSON.parse(process.argv[3] ?? '{}') as ChildConfig);
}
