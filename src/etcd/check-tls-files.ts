import { access, constants } from 'node:fs/promises';
import { AgentError } from '../errors/agent-error.ts';
import type { TlsFiles } from '../config/agent-config.ts';

// Refuses early, naming the option and the file, when a TLS file cannot be read.
export const checkTlsFiles = async (tls: TlsFiles | undefined): Promise<void> => {
  if (!tls) return;
  const files: [string, string][] = [['etcd-ca', tls.ca], ['etcd-cert', tls.cert], ['etcd-key', tls.key]];
  for (const [option, path] of files) {
    if (!path) continue;
    try {
      await access(path, constants.R_OK);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not readable by this user' : `cannot be read (${code})`;
      throw new AgentError(`${option} file ${path} ${why}; set ${option} to the right file or fix its permissions`);
    }
  }
  if (Boolean(tls.cert) !== Boolean(tls.key)) {
    throw new AgentError('etcd-cert and etcd-key go together: set both or neither');
  }
};
