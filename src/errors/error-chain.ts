import { AgentError } from './agent-error.ts';

const MAX_DEPTH = 10;
// A log line is one argv element of juju-log; keep a command's stderr well under the kernel's 128 KiB per argument.
const MAX_STDERR_LINES = 40;
const MAX_LINE_CHARS = 1000;

const indent = (text: string): string[] => text.split('\n').map((line) => `    ${line}`);

// The end of a command's stderr, each line cut to a sane length.
const lastLines = (text: string): string => {
  const lines = text.replace(/\s+$/, '').split('\n').map((l) => (l.length > MAX_LINE_CHARS ? `${l.slice(0, MAX_LINE_CHARS)}...` : l));
  return lines.length > MAX_STDERR_LINES ? [`(${lines.length - MAX_STDERR_LINES} earlier lines left out)`, ...lines.slice(-MAX_STDERR_LINES)].join('\n') : lines.join('\n');
};

// What a failed command carries (process/command-runner.ts CommandError), read by shape so errors/ stays the bottom
// layer and imports nothing above it.
interface CommandFailure extends Error {
  command: string;
  stderr: string;
  exitCode: number | undefined;
  notFound: boolean;
  timedOut: boolean;
  canceled: boolean;
}

const isCommandFailure = (error: unknown): error is CommandFailure =>
  error instanceof Error && error.name === 'CommandError' && typeof (error as Partial<CommandFailure>).command === 'string' && typeof (error as Partial<CommandFailure>).stderr === 'string';

// The lines describing one link: name and message, a command's details, an unexpected error's stack.
const describeOne = (error: unknown): string[] => {
  if (!(error instanceof Error)) return [`thrown value: ${String(error)}`];
  const lines = [`${error.name}: ${error.message.split('\n')[0] ?? ''}`, ...indent(error.message.split('\n').slice(1).join('\n')).filter((l) => l.trim())];
  const { code } = error as Error & { code?: unknown };
  if (typeof code === 'string' || typeof code === 'number') lines.push(`  code: ${code}`);
  if (isCommandFailure(error)) {
    lines.push(`  command: ${error.command}`);
    const how = error.notFound ? 'not found' : error.timedOut ? 'timed out' : error.canceled ? 'canceled' : `exit code ${error.exitCode ?? 'none'}`;
    lines.push(`  result: ${how}`);
    if (error.stderr.trim()) lines.push('  stderr:', ...indent(lastLines(error.stderr)));
  } else if (!(error instanceof AgentError) && error.stack) {
    // A programming error or a library's failure: where it came from is worth more than its words.
    lines.push(...error.stack.split('\n').filter((l) => /^\s+at /.test(l)).map((l) => `  ${l.trim()}`));
  }
  return lines;
};

// Describes an error and every cause under it, outermost first, as lines for the debug log.
// A CommandError ends the chain: its cause is the process library's error, which repeats the command's output.
export const describeErrorChain = (error: unknown): string[] => {
  const lines: string[] = [];
  const seen = new Set<unknown>();
  let current: unknown = error;
  for (let depth = 0; depth < MAX_DEPTH && !seen.has(current); depth++) {
    seen.add(current);
    const [first = '', ...rest] = describeOne(current);
    lines.push(depth === 0 ? first : `caused by ${first}`, ...rest);
    if (!(current instanceof Error) || isCommandFailure(current) || current.cause === undefined) return lines;
    current = current.cause;
  }
  if (current !== undefined) lines.push('caused by ... (chain cut here)');
  return lines;
};
