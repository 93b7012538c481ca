import type * as Yaml from 'yaml';

// The YAML library, loaded on first use (most starts never need it). It is CommonJS under Node: a bundle may
// hand its exports over as the default export.
export const loadYaml = async (): Promise<typeof Yaml> => {
  const yaml = await import('yaml');
  return typeof yaml.stringify === 'function' ? yaml : (yaml.default as unknown as typeof Yaml);
};
