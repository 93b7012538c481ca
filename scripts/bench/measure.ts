// Runs one command and measures it: wall time, and the peak resident memory of that process alone (VmHWM from
// /proc, read until it exits: not etcdctl's or any other child's).
import { readFile } from 'node:fs/promises';
import { execa } from 'execa';

// What one run took.
export interface Measured {
  seconds: number;
  peakMiB: number;
  stdout: string;
}

// The agent as an operator runs it (bin/etcd-agent execs the pinned Node on the bundle: the same pid).
export const AGENT = new URL('../../bin/etcd-agent', import.meta.url).pathname;

// Runs file with args; rejects when it fails (its stderr in the message).
export const measure = async (file: string, args: string[], env: Record<string, string> = {}): Promise<Measured> => {
  const started = performance.now();
  const child = execa(file, args, { env: { ...env, NODE_OPTIONS: '' }, reject: false, stdin: 'ignore' });
  let peak = 0;
  const sample = async (): Promise<void> => {
    const status = await readFile(`/proc/${child.pid}/status`, 'utf8').catch(() => '');
    peak = Math.max(peak, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
  };
  const timer = setInterval(() => void sample(), 10);
  const result = await child;
  clearInterval(timer);
  const seconds = (performance.now() - started) / 1000;
  if (result.exitCode !== 0) throw new Error(`${[file, ...args].join(' ')} failed (${result.exitCode}): ${String(result.stderr).slice(-2000)}`);
  return { seconds, peakMiB: peak / 1024, stdout: String(result.stdout) };
};

// Times an async step.
export const timed = async (work: () => Promise<unknown>): Promise<number> => {
  const started = performance.now();
  await work();
  return (performance.now() - started) / 1000;
};

// The median of some numbers.
export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
