import { constants } from 'node:fs';
import { chmod, copyFile, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeAtomically } from '../fs/atomic-file.ts';
import { AgentError } from '../errors/agent-error.ts';
import type { InspectedSnapshot } from './inspect-snapshot.ts';

// Which bundled files go back where.
export interface PkiPlan {
  files: { from: string; to: string }[];
}

// Maps the archive's pki/ files to the paths its manifest records; refuses when there is nothing to restore.
export const planPkiRestore = (snapshot: InspectedSnapshot): PkiPlan => {
  const listed = snapshot.manifest?.pki ?? [];
  const files = listed.filter((f) => snapshot.pki.includes(f.name) && f.path.startsWith('/')).map((f) => ({ from: join(snapshot.pkiDir, f.name), to: f.path }));
  if (files.length === 0) throw new AgentError('restore-pki=true but this archive bundles no pki/ files; restore without it');
  return { files };
};

// Writes the bundled files into place, keeping each current one as <path>.pre-restore-<stamp> (copied atomically, so a
// kept copy that exists is whole). Reports the list of files touched so far, with their kept copies, before each file
// is replaced, so a journal can undo them after a crash. Undoes what it did and throws on failure.
export const applyPki = async (
  plan: PkiPlan,
  stamp: string,
  record: (done: { to: string; kept: string | undefined }[]) => Promise<void> = async () => undefined,
): Promise<void> => {
  const done: { to: string; kept: string | undefined }[] = [];
  const copyInto = (from: string, to: string, mode: number): Promise<void> =>
    writeAtomically(
      to,
      async (temp) => {
        await copyFile(from, temp, constants.COPYFILE_EXCL);
        await chmod(temp, mode & 0o7777);
      },
      { exclusive: false },
    );
  try {
    for (const { from, to } of plan.files) {
      const current = await stat(to).catch(() => undefined);
      const kept = current ? `${to}.pre-restore-${stamp}` : undefined;
      if (kept && current) await copyInto(to, kept, current.mode);
      done.push({ to, kept });
      await record([...done]);
      await copyInto(from, to, current?.mode ?? 0o600);
    }
  } catch (error) {
    for (const { to, kept } of done.reverse()) if (kept) await rename(kept, to).catch(() => undefined);
    throw new AgentError(`restoring the pki/ files failed: ${error instanceof Error ? error.message : String(error)}`);
  }
};
