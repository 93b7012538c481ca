import winston from 'winston';
import Transport from 'winston-transport';
import type { LogLevel } from './log-level.ts';

// Where log lines end up: juju-log inside Juju, stderr outside.
export type LogSink = (level: LogLevel, message: string) => Promise<void>;

// The agent's logger; flush() waits until every line has reached its sink.
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  flush(): Promise<void>;
}

const LEVELS: Record<string, LogLevel> = { debug: 'DEBUG', info: 'INFO', warn: 'WARNING', error: 'ERROR' };

// A winston transport that hands lines to a sink one after another, in order.
class SinkTransport extends Transport {
  chain: Promise<void> = Promise.resolve();
  readonly sink: LogSink;

  constructor(sink: LogSink, level: string) {
    super({ level });
    this.sink = sink;
  }

  override log(info: { level: string; message: unknown }, next: () => void): void {
    const level = LEVELS[info.level] ?? 'INFO';
    this.chain = this.chain.then(() => this.sink(level, String(info.message))).catch(() => undefined);
    next();
  }
}

// Builds a winston logger writing to the sink at the given minimum level.
export const createLogger = (sink: LogSink, level: 'debug' | 'info' = 'debug'): Logger => {
  const transport = new SinkTransport(sink, level);
  const logger = winston.createLogger({ level, levels: { error: 0, warn: 1, info: 2, debug: 3 }, transports: [transport] });
  return {
    debug: (m) => void logger.debug(m),
    info: (m) => void logger.info(m),
    warn: (m) => void logger.warn(m),
    error: (m) => void logger.error(m),
    flush: () => transport.chain,
  };
};

// A sink that writes `level: message` lines to stderr (the CLI's log).
export const stderrSink: LogSink = async (level, message) => {
  process.stderr.write(`${level.toLowerCase()}: ${message}\n`);
};
