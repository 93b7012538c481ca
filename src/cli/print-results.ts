import { UsageError } from '../errors/agent-error.ts';
import { loadYaml } from '../format/yaml.ts';
import { nestResults } from '../juju/result-keys.ts';
import { keyValueTable, snapshotTable } from './results-table.ts';

// The result formats of -o/--output.
export const OUTPUT_FORMATS = ['yaml', 'json', 'table'] as const;

// One of OUTPUT_FORMATS.
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

// Checks an -o value, naming it as given.
export const outputFormat = (value: unknown, from = '-o/--output'): OutputFormat => {
  const format = value === undefined ? 'yaml' : String(value);
  if ((OUTPUT_FORMATS as readonly string[]).includes(format)) return format as OutputFormat;
  throw new UsageError(`invalid ${from} ${JSON.stringify(format)}: use yaml, json or table`);
};

// Sorts a nested document's keys, as the YAML is printed.
const sorted = (value: unknown): unknown =>
  typeof value === 'object' && value !== null
    ? Object.fromEntries(Object.keys(value).sort().map((k) => [k, sorted((value as Record<string, unknown>)[k])]))
    : value;

// The result document as YAML, shaped like `juju run` prints it (the YAML library loads only to print one).
export const resultsYaml = async (results: Record<string, string>): Promise<string> => {
  if (Object.keys(results).length === 0) return '{}\n';
  const { stringify } = await loadYaml();
  return stringify(nestResults(results), { sortMapEntries: true, lineWidth: 0 });
};

// The results in a format: YAML, the same nested document as JSON, or a table (list: one row per snapshot).
export const formatResults = async (results: Record<string, string>, format: OutputFormat, command: string): Promise<string> => {
  if (format === 'json') return `${JSON.stringify(sorted(nestResults(results)), null, 2)}\n`;
  if (format === 'table') return command === 'list' ? snapshotTable(results) : keyValueTable(results);
  return resultsYaml(results);
};
