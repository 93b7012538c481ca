// Stand-ins for the Juju hook tools that do nothing but answer, as fast as Juju's own (jujuc) do, so a cold-start
// measurement of a hook counts the agent and not the test simulator (whose tools are Node programs).
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

// Writes the tools into dir: config-get prints config as JSON, is-leader True, every other tool succeeds silently;
// systemctl says every unit is active.
export const writeFastHookTools = async (dir: string, config: Record<string, unknown>): Promise<void> => {
  await mkdir(dir, { recursive: true });
  const script = async (name: string, body: string): Promise<void> => {
    await writeFile(join(dir, name), `#!/bin/sh\n${body}\n`);
    await chmod(join(dir, name), 0o755);
  };
  await writeFile(join(dir, 'config.json'), JSON.stringify(config));
  await script('config-get', `cat "${join(dir, 'config.json')}"`);
  await script('is-leader', 'echo true');
  for (const name of ['status-set', 'juju-log', 'application-version-set', 'action-log', 'action-set', 'status-get']) await script(name, 'exit 0');
  await script('systemctl', 'case "$1" in is-active) echo active;; esac; exit 0');
};
