import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ZipEntry } from './write-zip.ts';
import { ENCODED_DASHBOARDS, encodeDashboards } from './encode-dashboards.ts';

// Where the charm keeps what COS reads: alert rules (prometheus_scrape and cos_agent look in
// src/prometheus_alert_rules) and Grafana dashboards.
export const OBSERVABILITY_DIRS = ['src/prometheus_alert_rules', 'src/grafana_dashboards'];

// The alert rule and dashboard files the charm ships, under the same paths as in the project, and the dashboards
// encoded for cos_agent.
export const observabilityEntries = async (root: string): Promise<ZipEntry[]> => {
  const entries: ZipEntry[] = [];
  for (const dir of OBSERVABILITY_DIRS) {
    for (const name of (await readdir(join(root, dir))).sort()) entries.push({ name: `${dir}/${name}`, source: join(root, dir, name), mode: 0o644 });
  }
  entries.push({ name: ENCODED_DASHBOARDS, source: Buffer.from(`${JSON.stringify(await encodeDashboards(root))}\n`), mode: 0o644 });
  return entries;
};
