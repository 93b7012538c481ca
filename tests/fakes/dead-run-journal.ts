import { restoreNames } from '../../src/engine/data-dir.ts';
import { newJournal, writeJournal, type RestoreJournal, type RestorePhase } from '../../src/engine/restore-journal.ts';
import type { FakeData } from './fake-etcd.ts';
import { SERVICE } from './restore-names.ts';

// The archive the fake restores came from.
export const SOURCE = '/var/snap/etcd/common/snapshots/etcd-snapshot-2024-04-30-09.00.00.tar.gz';

// Writes the journal a restore of dataDir would have left when it died in `phase` (started at `at`, by the fake clock).
export const writeDeadRunJournal = async (dataDir: string, at: Date, phase: RestorePhase, expected: FakeData, reason?: string): Promise<RestoreJournal> => {
  const names = restoreNames(dataDir, at);
  const journal = newJournal({
    started: at.toISOString(),
    source: SOURCE,
    dataDir,
    fresh: names.fresh,
    previous: names.previous,
    failed: names.failed,
    hadData: true,
    service: SERVICE,
    expectedRevision: expected.revision,
    expectedKeys: expected.keys,
    pki: [],
  });
  journal.phase = phase;
  if (reason) journal.reason = reason;
  await writeJournal(journal, at);
  return journal;
};
