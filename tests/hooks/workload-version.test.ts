// The workload version update-status shows: set when etcd says a version Juju was not told yet (the first time, after
// an etcd upgrade, in another model, a day later), skipped while etcd says the one already set.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { HookContext } from '../../src/hooks/hook-context.ts';
import { setWorkloadVersion, workloadVersionFile } from '../../src/hooks/workload-version.ts';
import { createLogger } from '../../src/log/logger.ts';

const DAY = 24 * 3_600_000;

// A hook context with what setWorkloadVersion uses: the tools record application-version-set, the clock is set by
// the test.
const hookContext = async (t: Test) => {
  const stateDir = await mkdtemp(join(tmpdir(), 'etcd-agent-workload-version-'));
  t.teardown(() => rm(stateDir, { recursive: true, force: true }));
  const set: string[] = [];
  const lines: string[] = [];
  let now = new Date('2026-12-01T10:00:00Z');
  const context = {
    unit: 'etcd/0',
    paths: { unitDir: join(stateDir, 'units'), stateDir },
    juju: { model: 'm', modelUuid: 'uuid-1', charmDir: '/charm' },
    clock: { now: () => now },
    tools: { applicationVersionSet: async (version: string) => void set.push(version) },
    log: createLogger(async (level, message) => void lines.push(`${level}: ${message}`)),
  } as unknown as HookContext;
  return { context, set, lines, stateDir, later: (ms: number) => (now = new Date(now.getTime() + ms)) };
};

t.test('set once; skipped while etcd says the same; set again after an upgrade, in another model, a day later', async (t) => {
  const { context, set, later } = await hookContext(t);
  await setWorkloadVersion(context, Promise.resolve('3.4.23'));
  t.strictSame(set, ['3.4.23'], 'the first time');
  t.strictSame(JSON.parse(await readFile(workloadVersionFile(context), 'utf8')), { version: '3.4.23', model: 'uuid-1', setAt: Date.parse('2026-12-01T10:00:00Z') });
  later(5 * 60_000);
  await setWorkloadVersion(context, Promise.resolve('3.4.23'));
  t.strictSame(set, ['3.4.23'], 'the same version is not set again');
  later(5 * 60_000);
  await setWorkloadVersion(context, Promise.resolve('3.5.17'));
  t.strictSame(set, ['3.4.23', '3.5.17'], 'etcd upgraded: the new version is set');
  await setWorkloadVersion(context, Promise.resolve('3.5.17'));
  t.strictSame(set, ['3.4.23', '3.5.17']);
  await setWorkloadVersion({ ...context, juju: { model: 'other', modelUuid: 'uuid-2', charmDir: '/charm' } }, Promise.resolve('3.5.17'));
  t.strictSame(set, ['3.4.23', '3.5.17', '3.5.17'], 'another model: set');
  later(DAY);
  await setWorkloadVersion({ ...context, juju: { model: 'other', modelUuid: 'uuid-2', charmDir: '/charm' } }, Promise.resolve('3.5.17'));
  t.strictSame(set, ['3.4.23', '3.5.17', '3.5.17', '3.5.17'], 'a day later: set again');
});

t.test('each unit keeps its own: a subordinate beside the principal sets its version too', async (t) => {
  const { context, set } = await hookContext(t);
  await setWorkloadVersion(context, Promise.resolve('3.4.23'));
  await setWorkloadVersion({ ...context, unit: 'etcd-backup/0' }, Promise.resolve('3.4.23'));
  t.strictSame(set, ['3.4.23', '3.4.23']);
  t.not(workloadVersionFile(context), workloadVersionFile({ ...context, unit: 'etcd-backup/0' }));
});

t.test('etcd not saying, or a damaged file, sets nothing wrong and throws nothing', async (t) => {
  const { context, set, lines } = await hookContext(t);
  await setWorkloadVersion(context, Promise.reject(new Error('etcd did not answer')));
  t.strictSame(set, []);
  await context.log.flush();
  t.strictSame(lines, ['DEBUG: workload version not set: etcd did not answer']);
  await setWorkloadVersion(context, Promise.resolve('3.4.23'));
  await writeFile(workloadVersionFile(context), '{not json');
  await setWorkloadVersion(context, Promise.resolve('3.4.23'));
  t.strictSame(set, ['3.4.23', '3.4.23'], 'a damaged file: set again');
});

t.test('a state dir that cannot be written: set every time, one debug line each', async (t) => {
  const { context, set, lines, stateDir } = await hookContext(t);
  await writeFile(join(stateDir, 'etcd-0'), 'a file where the unit dir should be');
  await setWorkloadVersion(context, Promise.resolve('3.4.23'));
  await setWorkloadVersion(context, Promise.resolve('3.4.23'));
  t.strictSame(set, ['3.4.23', '3.4.23']);
  await context.log.flush();
  const message = `DEBUG: the workload version set is not kept in ${workloadVersionFile(context)}: EEXIST: file already exists, mkdir '${join(stateDir, 'etcd-0')}'`;
  t.strictSame(lines, [message, message]);
});
