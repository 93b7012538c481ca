import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { AgentConfig } from '../config/agent-config.ts';
import { memberName } from '../config/member-name.ts';
import { waitHealthy } from '../engine/wait-healthy.ts';
import { resolveEtcdServer } from '../etcd/etcd-binaries.ts';
import { AgentError, oneLine } from '../errors/agent-error.ts';
import { writeTextAtomically } from '../fs/atomic-file.ts';
import { aptInstall } from '../system/apt-packages.ts';
import { etcdUnitFile, renderEtcdUnit } from './etcd-unit.ts';
import { findEtcd } from './find-etcd.ts';
import type { HookContext } from './hook-context.ts';

// What etcd-install did: nothing to report, a note for the unit's status, or a refusal that blocks the unit.
export type InstallOutcome = { kind: 'done' } | { kind: 'note'; note: string } | { kind: 'blocked'; message: string };

const PACKAGES = ['etcd-server', 'etcd-client'] as const;
// The unit Debian's etcd-server starts its own member under as it is installed.
const PACKAGE_UNIT = 'etcd';

// The record that this charm installed the unit's etcd (its state dir): from then on the member is its own, and a
// later hook never mistakes it for a managed etcd. "installing" until the member first answered.
interface InstallRecord {
  state: 'installing' | 'installed';
  service: string;
  unitFile: string;
  at: string;
}

const recordPath = (context: Pick<HookContext, 'paths' | 'unit'>): string => join(context.paths.stateDir, context.unit.replace(/\//g, '-'), 'etcd-install.json');

const readRecord = async (context: Pick<HookContext, 'paths' | 'unit'>): Promise<InstallRecord | undefined> => {
  const text = await readFile(recordPath(context), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : (JSON.parse(text) as InstallRecord);
};

const writeRecord = async (context: HookContext, record: Omit<InstallRecord, 'at'>): Promise<void> => {
  await mkdir(dirname(recordPath(context)), { recursive: true, mode: 0o700 });
  await writeTextAtomically(recordPath(context), `${JSON.stringify({ ...record, at: context.clock.now().toISOString() })}\n`, 0o600);
};

const blocked = (why: string): InstallOutcome => ({ kind: 'blocked', message: `etcd-install=true: ${why}` });

// Only plain http: without a CA relation there is nothing to sign the member's certificates.
const tlsProblem = (config: AgentConfig): string | undefined => {
  const https = config.etcdEndpoints.find((url) => !url.startsWith('http://'));
  if (https) return `the installed member serves plain http only (no CA relation signs certificates), but etcd-endpoints has ${https}; set etcd-endpoints=http://127.0.0.1:2379 or leave it unset`;
  if (!config.etcdPeerUrl.startsWith('http://')) return `the installed member serves plain http only, but etcd-peer-url is ${JSON.stringify(config.etcdPeerUrl)}; set etcd-peer-url=http://127.0.0.1:2380 or leave it unset`;
  return undefined;
};

// install and config-changed with etcd-install=true: when no etcd is on the unit (see findEtcd), installs etcd-server
// and etcd-client with apt-get and runs one member under etcd-service, waiting until it answers. An etcd already on
// the unit is left alone; a member this charm installed is left as it is.
export const installEtcd = async (context: HookContext, config: AgentConfig): Promise<InstallOutcome> => {
  if (!config.etcdInstall) return { kind: 'done' };
  if (context.charm.identity.subordinate) {
    return blocked('this subordinate charm backs up the etcd of the principal it is related to and never installs one; set etcd-install=false');
  }
  const record = await readRecord(context);
  if (record?.state === 'installed') {
    context.log.debug(`etcd-install: the member under ${record.service} was installed by this charm at ${record.at}; leaving it as it is`);
    return { kind: 'done' };
  }
  if (record === undefined) {
    const found = await findEtcd(context, config);
    if (found !== undefined) {
      context.log.warn(`etcd-install=true, but etcd is already on this unit (${found}): a managed etcd is left alone; set etcd-install=false`);
      return { kind: 'note', note: `etcd-install=true left the etcd already on this unit alone (${found})` };
    }
  }
  const tls = tlsProblem(config);
  if (tls) return blocked(tls);
  const service = config.etcdService;
  const unitFile = etcdUnitFile(context, config);
  await writeRecord(context, { state: 'installing', service, unitFile });
  await context.tools.statusSet('maintenance', `installing ${PACKAGES.join(' and ')} with apt-get (etcd-install=true)`);
  const app = context.unit.split('/')[0] ?? 'etcd';
  try {
    await aptInstall(context.runner, PACKAGES, (m) => context.log.warn(m));
  } catch (error) {
    if (!(error instanceof AgentError)) throw error;
    return blocked(
      `${error.message}; see why with juju ssh ${context.unit} sudo apt-get install -y ${PACKAGES.join(' ')}, fix the unit's package sources, then retry with juju config ${app} etcd-install=false followed by juju config ${app} etcd-install=true`,
    );
  }
  const name = memberName(config, context.unit);
  let binary;
  try {
    binary = resolveEtcdServer(config, context.searchPath);
  } catch (error) {
    if (!(error instanceof AgentError)) throw error;
    return blocked(`apt-get installed ${PACKAGES.join(' ')}, but ${error.message}`);
  }
  await mkdir(dirname(config.etcdDataDir), { recursive: true, mode: 0o700 });
  await mkdir(context.paths.unitDir, { recursive: true });
  await writeTextAtomically(unitFile, renderEtcdUnit(context, config, { binary, name, token: `etcd-agent-${context.unit.replace(/\//g, '-')}` }), 0o644);
  if (service !== PACKAGE_UNIT && (await context.service.isKnown(PACKAGE_UNIT))) {
    context.log.info(`stopping and disabling ${PACKAGE_UNIT}.service, the member the etcd-server package started as it was installed (the charm's member runs as ${service})`);
    await context.service.disable(PACKAGE_UNIT);
  }
  await context.service.daemonReload();
  await context.tools.statusSet('maintenance', `starting etcd member ${name} (${service})`);
  // The package's postinst may have started its own member under this very name; restart puts ours in its place.
  const wasActive = await context.service.isActive(service);
  await context.service.enable(service);
  if (wasActive) await context.service.restart(service);
  try {
    await waitHealthy(context.makeEtcd(config), context.clock, config.restoreHealthTimeoutMs);
  } catch (error) {
    return blocked(`the etcd member ${name} did not become healthy: ${oneLine(error)}; see journalctl -u ${service} on the unit`);
  }
  await writeRecord(context, { state: 'installed', service, unitFile });
  context.log.info(`etcd-install: installed ${PACKAGES.join(' ')} and started member ${name} as ${service}: data in ${config.etcdDataDir}, clients on ${config.etcdEndpoints.join(',')}, peers on ${config.etcdPeerUrl}`);
  return { kind: 'done' };
};
