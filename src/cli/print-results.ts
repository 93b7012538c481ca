import { loadYaml } from '../format/yaml.ts';
import { nestResults } from '../juju/result-keys.ts';

// The result document as YAML, shaped like `juju run` prints it (the YAML library loads only to print one).
export const resultsYaml = async (results: Record<string, string>): Promise<string> => {
  if (Object.keys(results).length === 0) return '{}\n';
  const { stringify } = await loadYaml();
  return stringify(nestResults(results), { sortMapEntries: true, lineWidth: 0 });
};
