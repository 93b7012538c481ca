import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

// One exec of a recorded program: what it was, its argv and its whole environment as the kernel gave it.
export interface RecordedExec {
  program: string;
  argv: string[];
  environ: string[];
}

// Wrappers that record every exec of the programs the agent starts (etcdctl, etcdutl, etcd) into a log, then exec the
// real one. The wrapper reads its own /proc/<pid>/environ, so what is recorded is exactly what the agent passed.
export interface ExecRecorder {
  // The wrapper for a real program, to pass as etcdctl-path, etcd-path ...
  wrap(real: string): Promise<string>;
  // Every exec so far.
  execs(): Promise<RecordedExec[]>;
}

// An exec recorder writing into dir.
export const execRecorder = (dir: string): ExecRecorder => {
  // One file per exec (named by pid): programs started at the same time never interleave their records.
  const logs = join(dir, 'execs');
  return {
    async wrap(real) {
      const name = real.split('/').at(-1) as string;
      const wrapper = join(dir, name);
      // Records argv and environ NUL-separated, as three lines (name, base64 argv, base64 environ) in a file of its
      // own, then execs the real program.
      await mkdir(logs, { recursive: true });
      await writeFile(
        wrapper,
        `#!/bin/sh\n{ printf '%s\\n' "${name}"; printf '%s\\0' "$@" | base64 -w0; printf '\\n'; base64 -w0 < /proc/$$/environ; printf '\\n'; } > ${logs}/$(date +%s%N)-$$\nexec ${real} "$@"\n`,
      );
      await chmod(wrapper, 0o755);
      return wrapper;
    },
    async execs() {
      const split = (b64: string): string[] => Buffer.from(b64, 'base64').toString('utf8').split('\0').filter((s) => s.length > 0);
      const out: RecordedExec[] = [];
      for (const file of (await readdir(logs).catch(() => [] as string[])).sort()) {
        const lines = (await readFile(join(logs, file), 'utf8')).split('\n');
        out.push({ program: lines[0] as string, argv: split(lines[1] ?? ''), environ: split(lines[2] ?? '') });
      }
      return out;
    },
  };
};
