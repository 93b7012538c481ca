// `etcd-agent completion`: the script bash (or zsh) sources, and what it completes, run in a real bash.
import t, { type Test } from 'tap';
import { execa } from 'execa';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { BIN, runAgent } from '../support/cli/run-agent.ts';
import { tempDir } from '../support/files/dirs.ts';

t.test('completion prints a bash script, or a zsh one when SHELL is zsh', async (t) => {
  const bash = await runAgent(['completion'], { SHELL: '/bin/bash' });
  t.equal(bash.exitCode, 0);
  t.match(bash.stdout, /^###-begin-etcd-agent-completions-###$/m);
  t.match(bash.stdout, /^complete -o bashdefault -o default -F _etcd-agent_yargs_completions etcd-agent$/m);
  const zsh = await runAgent(['completion'], { SHELL: '/usr/bin/zsh' });
  t.equal(zsh.exitCode, 0);
  t.equal(zsh.stdout.split('\n')[0], '#compdef etcd-agent');
});

// What bash offers for the words typed so far, with the printed script sourced and bin/ on PATH.
const complete = async (t: Test, words: string[]): Promise<string[]> => {
  const dir = await tempDir(t, 'cli-completion');
  const script = join(dir, 'etcd-agent.bash');
  await writeFile(script, (await runAgent(['completion'], { SHELL: '/bin/bash' })).stdout);
  const run = await execa('bash', ['-c', `source ${script}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _etcd-agent_yargs_completions; printf '%s\\n' "\${COMPREPLY[@]}"`], {
    env: { PATH: `${dirname(BIN)}:${process.env.PATH ?? ''}`, NODE_OPTIONS: '', SHELL: '/bin/bash' },
    extendEnv: false,
  });
  return run.stdout.split('\n').filter(Boolean);
};

t.test('etcd-agent sn<TAB> offers snapshot; a command completes its flags', async (t) => {
  t.strictSame(await complete(t, ['etcd-agent', 'sn']), ['snapshot']);
  t.strictSame(await complete(t, ['etcd-agent', 'snapshot', '--etcd-endpo']), ['--etcd-endpoints']);
  t.strictSame(await complete(t, ['etcd-agent', 'de']), ['delete']);
});
