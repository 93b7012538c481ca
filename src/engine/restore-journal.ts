import { readFile, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { syncDir, writeTextAtomically } from '../fs/atomic-file.ts';
import { RUN_TAG } from '../system/process-tag.ts';

// Where a restore stands, in the order it gets there:
// prepared  - checks done, the fresh data dir is being made; etcd runs untouched
// stopping  - etcd is being stopped; nothing of its data has moved
// swapping  - the data dir is moving to `previous` and the fresh dir into its place (and pki/ files back)
// swapped   - the restored data (and pki/) is in place; etcd is being started and checked
// rolling-back - the restored data is moving to `failed` and `previous` back into place
export type RestorePhase = 'prepared' | 'stopping' | 'swapping' | 'swapped' | 'rolling-back';

// What a restore writes down before its first change, so a later run can finish or undo it.
export interface RestoreJournal {
  version: 1;
  // `<pid>-<start ticks>` of the restoring process.
  run: string;
  started: string;
  updated: string;
  phase: RestorePhase;
  source: string;
  dataDir: string;
  fresh: string;
  previous: string;
  failed: string;
  hadData: boolean;
  service: string;
  // What the restored data must show once etcd serves it.
  expectedRevision: number;
  expectedKeys?: number;
  // pki/ files written back, each with the copy of the file it replaced (when there was one).
  pki: { to: string; kept: string | undefined }[];
  // Why a rollback started, when one did.
  reason?: string;
}

// The journal's path: hidden, beside the data dir it is about (and on its filesystem).
export const journalPath = (dataDir: string): string => join(dirname(dataDir), `.etcd-agent-${basename(dataDir)}.restore-journal.json`);

// A new journal for this process, at phase prepared.
export const newJournal = (fields: Omit<RestoreJournal, 'version' | 'run' | 'phase' | 'updated'>): RestoreJournal => ({
  version: 1,
  run: RUN_TAG,
  phase: 'prepared',
  updated: fields.started,
  ...fields,
});

// Writes the journal atomically and durably (fsynced file and directory).
export const writeJournal = (journal: RestoreJournal, at: Date): Promise<void> => {
  journal.updated = at.toISOString();
  return writeTextAtomically(journalPath(journal.dataDir), `${JSON.stringify(journal, null, 2)}\n`, 0o600);
};

// Moves the journal to a new phase, durably, before the step that phase names.
export const enterPhase = (journal: RestoreJournal, phase: RestorePhase, at: Date): Promise<void> => {
  journal.phase = phase;
  return writeJournal(journal, at);
};

// The journal of an unfinished restore of dataDir; undefined when there is none; 'unreadable' when it is damaged.
export const readJournal = async (dataDir: string): Promise<RestoreJournal | 'unreadable' | undefined> => {
  const text = await readFile(journalPath(dataDir), 'utf8').catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : ''));
  if (text === undefined) return undefined;
  try {
    const journal = JSON.parse(text) as RestoreJournal;
    return journal.version === 1 && typeof journal.phase === 'string' && journal.dataDir === dataDir ? journal : 'unreadable';
  } catch {
    return 'unreadable';
  }
};

// Removes the journal once the restore has finished or been rolled back, durably.
export const removeJournal = async (dataDir: string): Promise<void> => {
  await unlink(journalPath(dataDir)).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
  await syncDir(dirname(dataDir));
};
