import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

// Samples every process's command line (ps) until stopped, to prove no secret ever reaches argv.
export const sampleProcesses = (everyMs = 50): { stop(): Promise<string[]> } => {
  const seen = new Set<string>();
  let running = true;
  const loop = (async () => {
    while (running) {
      const { stdout } = await run('ps', ['-eo', 'args', '--no-headers']).catch(() => ({ stdout: '' }));
      for (const line of stdout.split('\n')) if (line) seen.add(line);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return [...seen];
    },
  };
};
