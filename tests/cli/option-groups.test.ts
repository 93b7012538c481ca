import t from 'tap';
import { loadCharmFiles } from '../../src/charm/charm-files.ts';
import { COMMANDS, COMPLETION_SUMMARY, SCHEDULE_SUMMARY } from '../../src/cli/commands.ts';
import { GROUPS, OPTION_USE, commandOptions, jujuOnlyReason, type CliCommand } from '../../src/cli/option-groups.ts';
import { CHARM_DIR } from '../support/juju/charm-run.ts';

const charm = await loadCharmFiles(CHARM_DIR);
const ALL: CliCommand[] = ['snapshot', 'restore', 'list', 'verify', 'prune', 'delete', 'schedule'];

t.test('every option of config.yaml is classified: read by some command, or Juju-only with what to use instead', async (t) => {
  t.strictSame(Object.keys(charm.options).filter((name) => OPTION_USE[name] === undefined), [], 'add new options to src/cli/option-groups.ts');
  for (const name of Object.keys(charm.options)) {
    const use = OPTION_USE[name]!;
    if ('jujuOnly' in use) t.ok(use.jujuOnly.length > 0, `${name}: says what to use outside Juju`);
    else t.ok(use.commands.length > 0, `${name}: read by ${use.commands.join(', ')}`);
  }
});

t.test('an option the table does not know is listed under "Other options:" on every command; Juju-only ones nowhere', async (t) => {
  for (const command of ALL) {
    t.strictSame(commandOptions(command, ['frobnicate', 's3-credentials-secret', 'etcd-install']), [{ name: 'frobnicate', group: GROUPS.other, hidden: false }], command);
  }
});

t.test('a command lists what it reads and hides the rest', async (t) => {
  const shown = (command: CliCommand): string[] => commandOptions(command, Object.keys(charm.options)).filter((o) => !o.hidden).map((o) => o.name);
  t.strictSame(shown('prune').sort(), ['etcd-data-dir', 'lock-timeout', 'snapshot-dir', 'snapshot-retention']);
  t.strictSame(shown('delete').sort(), ['etcd-data-dir', 'lock-timeout', 'snapshot-dir']);
  t.strictSame(
    commandOptions('list', ['etcd-endpoints', 'snapshot-dir', 's3-bucket']),
    [
      { name: 'etcd-endpoints', group: GROUPS.etcd, hidden: true },
      { name: 'snapshot-dir', group: GROUPS.snapshots, hidden: false },
      { name: 's3-bucket', group: GROUPS.s3, hidden: false },
    ],
  );
  t.equal(jujuOnlyReason('identity-secret'), 'identity-secret names a Juju secret, which exists only inside Juju; pass --identity-file <age key file>');
  t.equal(jujuOnlyReason('etcd-endpoints'), undefined);
});

t.test('command summaries are whole sentences', async (t) => {
  for (const summary of [...COMMANDS.map((c) => c.summary), SCHEDULE_SUMMARY, COMPLETION_SUMMARY]) t.match(summary, /^[A-Z][^\n]*[^.\s]\.$/, summary);
});
