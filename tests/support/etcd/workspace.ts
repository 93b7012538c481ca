import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCerts, type Certs } from '../net/certs.ts';
import { guardDir, releaseDir } from './exit-guard.ts';

// The folder one startEtcd/startCluster call keeps data dirs, logs and certs in, shared by its members.
export interface Workspace {
  dir: string;
  /** Made by the harness under os.tmpdir(): removed when the last member is cleaned up, or at exit. */
  owned: boolean;
  refs: number;
  certs?: Certs;
}

// Opens dir (or a fresh temp dir) as a workspace, with a PKI in certs/ when tls is set.
export const openWorkspace = async (dir: string | undefined, tls: boolean | undefined): Promise<Workspace> => {
  let workspace: Workspace;
  if (dir === undefined) {
    const made = await mkdtemp(join(tmpdir(), 'etcd-harness-'));
    guardDir(made);
    workspace = { dir: made, owned: true, refs: 0 };
  } else {
    await mkdir(dir, { recursive: true });
    workspace = { dir, owned: false, refs: 0 };
  }
  if (tls === true) workspace.certs = await makeCerts(join(workspace.dir, 'certs'));
  return workspace;
};

// Drops count members' hold on the workspace; removes an owned workspace nobody holds any more.
export const releaseWorkspace = async (workspace: Workspace, count = 1): Promise<void> => {
  workspace.refs -= count;
  if (workspace.refs > 0 || !workspace.owned) return;
  await rm(workspace.dir, { recursive: true, force: true });
  releaseDir(workspace.dir);
};
