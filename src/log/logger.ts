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

const RANK: Record<LogLevel, number> = { DEBUG: 0, INFO: 1, WARNING: 2, ERROR: 3 };

// A logger that hands lines at or above `level` to the sink one after another, in order; a sink that fails
// loses that line only. (The agent's lines go to juju-log or stderr, one at a time: a level filter and an
// ordered queue are all it needs, so no logging framework is loaded on every hook.)
export const createLogger = (sink: LogSink, level: 'debug' | 'info' = 'debug'): Logger => {
  const least = level === 'debug' ? RANK.DEBUG : RANK.INFO;
  let chain: Promise<void> = Promise.resolve();
  const write = (at: LogLevel) => (message: string): void => {
    if (RANK[at] < least) return;
    chain = chain.then(() => sink(at, message)).catch(() => undefined);
  };
  return { debug: write('DEBUG'), info: write('INFO'), warn: write('WARNING'), error: write('ERROR'), flush: () => chain };
};

// A sink that writes `level: message` lines to stderr (the CLI's log).
export const stderrSink: LogSink = async (level, message) => {
  process.stderr.write(`${level.toLowerCase()}: ${message}\n`);
};
