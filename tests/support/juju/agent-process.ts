import { execa, type ResultPromise } from 'execa';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CHARM_DIR } from './charm-run.ts';

// The CLI entry, as an operator runs it.
export const AGENT_BIN = join(CHARM_DIR, 'bin', 'etcd-agent');

// Starts `etcd-agent <args>` as a real child process (not awaited).
export const spawnAgent = (args: string[], env: Record<string, string> = {}): ResultPromise<{ reject: false; all: true }> =>
  execa(AGENT_BIN, args, { reject: false, all: true, env: { NODE_OPTIONS: '', ...env } });

// Polls until check() returns a value (not undefined), or fails after timeoutMs with what was last seen.
export const waitFor = async <T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
};

// The scheduler's state file in a snapshot dir, parsed, or undefined.
export const readState = async (dir: string): Promise<Record<string, unknown> & { lastRun?: Record<string, unknown>; lastSuccess?: Record<string, unknown>; skippedOverlaps?: number; pid?: number } | undefined> => {
  const text = await readFile(join(dir, '.etcd-agent-schedule.json'), 'utf8').catch(() => undefined);
  return text ? JSON.parse(text) : undefined;
};

// Waits until the state in a snapshot dir records a good catch-up snapshot; returns that state.
export const waitForCatchUp = (dir: string): Promise<NonNullable<Awaited<ReturnType<typeof readState>>>> =>
  waitFor('the scheduler to take a catch-up snapshot', async () => {
    const state = await readState(dir);
    return state?.lastSuccess?.catchUp === true ? state : undefined;
  });
