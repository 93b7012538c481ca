// The names a restore of the data dir `data` uses at the fake clock's start (2024-05-01T10:00:00Z), as restoreNames()
// and journalPath() give them, for the in-process restore tests.
export const SERVICE = 'etcd';
export const STAMP = '20240501T100000Z';
export const FRESH = `data.restore-${STAMP}`;
export const PREVIOUS = `data.pre-restore-${STAMP}`;
export const FAILED = `data.failed-restore-${STAMP}`;
export const JOURNAL = '.etcd-agent-data.restore-journal.json';
