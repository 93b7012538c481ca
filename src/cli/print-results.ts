import { stringify } from 'yaml';
import { nestResults } from '../juju/result-keys.ts';

// The result document as YAML, shaped like `juju run` prints it.
export const resultsYaml = (results: Record<string, string>): string =>
  Object.keys(results).length === 0 ? '{}\n' : stringify(nestResults(results), { sortMapEntries: true, lineWidth: 0 });
