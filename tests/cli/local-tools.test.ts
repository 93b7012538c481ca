import t from 'tap';
import { localTools } from '../../src/cli/local-tools.ts';
import type { Terminal } from '../../src/cli/terminal.ts';

const MiB = 1 << 20;

// localTools writing lines into an array, and raw terminal output into a string when given a terminal width.
const tools = (verbose: boolean, columns?: number) => {
  const lines: string[] = [];
  let raw = '';
  const terminal: Terminal | undefined = columns === undefined ? undefined : { columns, write: (text) => void (raw += text) };
  const local = localTools({}, {}, (line) => {
    lines.push(line);
    raw += `${line}\n`;
  }, verbose, terminal);
  return { local, lines, raw: () => raw };
};

t.test('--verbose: a progress message that is both action-logged and logged shows once, whichever comes first', async (t) => {
  const { local, lines } = tools(true);
  await local.log('INFO', 'action snapshot started with {}');
  await local.actionLog('saving a snapshot from http://127.0.0.1:2379');
  await local.log('INFO', 'saving a snapshot from http://127.0.0.1:2379');
  await local.log('INFO', 'snapshot verified: revision 3');
  await local.actionLog('snapshot verified: revision 3');
  await local.actionLog('waiting for the lock');
  await local.log('INFO', 'waiting for the lock');
  await local.actionLog('waiting for the lock');
  await local.log('INFO', 'waiting for the lock');
  await local.log('WARNING', 'a warning');
  t.strictSame(lines, [
    'info: action snapshot started with {}',
    'saving a snapshot from http://127.0.0.1:2379',
    'info: snapshot verified: revision 3',
    'waiting for the lock',
    'waiting for the lock',
    'warning: a warning',
  ]);
});

t.test('without --verbose: progress messages and warnings, no info lines', async (t) => {
  const { local, lines } = tools(false);
  await local.actionLog('saving a snapshot');
  await local.log('INFO', 'saving a snapshot');
  await local.log('INFO', 'other info');
  await local.log('WARNING', 'a warning');
  t.strictSame(lines, ['saving a snapshot', 'warning: a warning']);
});

t.test('byte progress off a terminal: one line per report', async (t) => {
  const { local, lines } = tools(true);
  await local.progress({ step: 'upload', bytes: 0, total: 4 * MiB, estimate: false, done: false });
  await local.progress({ step: 'upload', bytes: 4 * MiB, total: 4 * MiB, estimate: false, done: true });
  t.strictSame(lines, ['upload: 0 B of 4.0 MiB (0%)', 'upload: 4.0 MiB done (100%)']);
});

t.test('on a terminal: a bar redrawn in place; another line first clears the bar, which the next report draws again', async (t) => {
  const { local, raw } = tools(false, 60);
  await local.progress({ step: 'upload', bytes: 0, total: 4 * MiB, estimate: false, done: false });
  await local.actionLog('a message');
  await local.progress({ step: 'upload', bytes: 2 * MiB, total: 4 * MiB, estimate: false, done: false });
  await local.progress({ step: 'upload', bytes: 4 * MiB, total: 4 * MiB, estimate: false, done: true });
  await local.actionLog('after');
  t.equal(
    raw(),
    [
      `\r${`upload [>${' '.repeat(15)}]    0%  0 B / 4.0 MiB`.padEnd(59)}`,
      '\r\x1b[K',
      'a message\n',
      `\r${`upload [========>${' '.repeat(7)}]   50%  2.0 MiB / 4.0 MiB`.padEnd(59)}`,
      `\r${'upload [================]  100%  4.0 MiB done'.padEnd(59)}\n`,
      'after\n',
    ].join(''),
  );
});
