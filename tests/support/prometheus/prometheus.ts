import { execa, type ResultPromise } from 'execa';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../net/ports.ts';
import { waitFor } from '../juju/agent-process.ts';

// A real Prometheus (Debian's prometheus package) on loopback, its storage in a test's temp dir.
export interface PrometheusServer {
  url: string;
  // The value of an instant PromQL query with one result, or undefined while it has none.
  queryOne(expression: string): Promise<number | undefined>;
  stop(): Promise<void>;
}

// Starts Prometheus scraping each target's /metrics every second; resolves once it answers /-/ready.
export const startPrometheus = async (dir: string, targets: string[]): Promise<PrometheusServer> => {
  const port = await freePort();
  const config = join(dir, 'prometheus.yml');
  await writeFile(config, `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: etcd-agent\n    static_configs:\n      - targets: [${targets.map((t) => JSON.stringify(t)).join(', ')}]\n`);
  const child: ResultPromise<{ reject: false; all: true }> = execa(
    'prometheus',
    [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { reject: false, all: true },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor('prometheus ready', async () => ((await fetch(`${url}/-/ready`)).ok ? true : undefined), 20_000);
  return {
    url,
    queryOne: async (expression) => {
      const body = (await (await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expression)}`)).json()) as { data: { result: { value: [number, string] }[] } };
      const [first] = body.data.result;
      return first ? Number(first.value[1]) : undefined;
    },
    stop: async () => {
      child.kill('SIGTERM');
      await child;
    },
  };
};
