import { chmod, readFile, writeFile } from 'node:fs/promises';
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
  const log = join(dir, 'execs.log');
  return {
    async wrap(real) {
      const name = real.split('/').at(-1) as string;
      const wrapper = join(dir, name);
      // Records argv and environ NUL-separated, one exec per line as base64 of the pair, then execs the real program.
      await writeFile(
        wrapper,
        `#!/bin/sh\n{ printf '%s\\n' "${name}"; printf '%s\\0' "$@" | base64 -w0; printf '\\n'; base64 -w0 < /proc/$$/environ; printf '\\n'; } >> ${log}\nexec ${real} "$@"\n`,
      );
      await chmod(wrapper, 0o755);
      return wrapper;
    },
    async execs() {
      const lines = (await readFile(log, 'utf8').catch(() => '')).split('\n');
      const split = (b64: string): string[] => Buffer.from(b64, 'base64').toString('utf8').split('\0').filter((s) => s.length > 0);
      const out: RecordedExec[] = [];
      for (let i = 0; i + 2 < lines.length; i += 3) out.push({ program: lines[i] as string, argv: split(lines[i + 1] ?? ''), environ: split(lines[i + 2] ?? '') });
      return out;
    },
  };
};
