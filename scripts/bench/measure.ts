// Runs one command and measures it: wall time, and the peak resident memory of that process alone (VmHWM from
// /proc, read until it exits: not etcdctl's or any other child's); on request also its RSS and its children's over time.
import { readFile } from 'node:fs/promises';
import { execa } from 'execa';
import { startRssSampler, type RssSample } from './rss-sampler.ts';

// What one run took.
export interface Measured {
  seconds: number;
  peakMiB: number;
  stdout: string;
  rss?: RssSample[];
}

// The agent as an operator runs it (bin/etcd-agent execs the pinned Node on the bundle: the same pid).
export const AGENT = new URL('../../bin/etcd-agent', import.meta.url).pathname;

// Runs file with args; rejects when it fails (its stderr in the message). rssEveryMs: also sample the RSS of the
// process and of its descendants that often (rss in the result).
export const measure = async (file: string, args: string[], env: Record<string, string> = {}, rssEveryMs?: number): Promise<Measured> => {
  const started = performance.now();
  const child = execa(file, args, { env: { ...env, NODE_OPTIONS: '' }, reject: false, stdin: 'ignore' });
  const sampler = rssEveryMs === undefined || child.pid === undefined ? undefined : startRssSampler(child.pid, rssEveryMs);
  let peak = 0;
  const sample = async (): Promise<void> => {
    const status = await readFile(`/proc/${child.pid}/status`, 'utf8').catch(() => '');
    peak = Math.max(peak, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
  };
  const timer = setInterval(() => void sample(), 10);
  const result = await child;
  clearInterval(timer);
  const seconds = (performance.now() - started) / 1000;
  const rss = await sampler?.stop();
  if (result.exitCode !== 0) throw new Error(`${[file, ...args].join(' ')} failed (${result.exitCode}): ${String(result.stderr).slice(-2000)}`);
  return { seconds, peakMiB: peak / 1024, stdout: String(result.stdout), ...(rss ? { rss } : {}) };
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
