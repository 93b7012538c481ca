import type { AgentConfig } from './agent-config.ts';

// The etcd member name of this unit: etcd-name, else the unit name without its slash (etcd/0 -> etcd0).
export const memberName = (config: Pick<AgentConfig, 'etcdName'>, unit: string): string => config.etcdName || unit.replace(/\//g, '');
