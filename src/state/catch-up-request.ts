import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeTextAtomically } from '../fs/atomic-file.ts';

// The request file update-status leaves in the snapshot dir, beside the schedule state (hidden, never a snapshot).
export const CATCH_UP_REQUEST = '.etcd-agent-catch-up-request.json';

// Who asked for a catch-up snapshot, and when.
export interface CatchUpRequest {
  requested: string;
  by: string;
}

// Leaves a catch-up request for the scheduler (it takes the snapshot; a hook never does).
export const requestCatchUp = (dir: string, request: CatchUpRequest): Promise<void> =>
  writeTextAtomically(join(dir, CATCH_UP_REQUEST), `${JSON.stringify(request)}\n`, 0o600);

// Takes (reads and removes) the pending catch-up request, or undefined when there is none.
export const takeCatchUpRequest = async (dir: string): Promise<CatchUpRequest | undefined> => {
  const path = join(dir, CATCH_UP_REQUEST);
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  await rm(path, { force: true });
  try {
    return JSON.parse(text) as CatchUpRequest;
  } catch {
    return { requested: '?', by: 'an unreadable request file' };
  }
};
