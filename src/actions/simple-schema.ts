import type { ErrorObject } from 'ajv';

// The one error a schema check reports (the first, as ajv with allErrors off does), in ajv's shape.
export type SchemaError = Pick<ErrorObject, 'keyword' | 'instancePath' | 'params' | 'message'>;

// A check of an action's params: fills in defaults (in place) and returns the first error, if any.
export type ParamsCheck = (params: Record<string, unknown>) => SchemaError | undefined;

// The param schemas actions.yaml declares today: a type, an enum, a default, a numeric minimum. Anything else (a
// pattern, an array...) is ajv's to check, so a new keyword in actions.yaml can never be skipped.
const PARAM_KEYWORDS = new Set(['type', 'enum', 'default', 'description', 'minimum']);
const ACTION_KEYWORDS = new Set(['type', 'properties', 'required', 'additionalProperties']);
const TYPES: Record<string, (value: unknown) => boolean> = {
  string: (v) => typeof v === 'string',
  boolean: (v) => typeof v === 'boolean',
  // As ajv checks them (without strictNumbers): NaN is a number, and Infinity an integer.
  integer: (v) => typeof v === 'number' && !(v % 1) && !Number.isNaN(v),
  number: (v) => typeof v === 'number',
};

const simpleParam = (schema: unknown): schema is { type?: string; enum?: unknown[]; default?: unknown; minimum?: number } => {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return false;
  const s = schema as Record<string, unknown>;
  if (!Object.keys(s).every((k) => PARAM_KEYWORDS.has(k))) return false;
  if (s.type !== undefined && !(typeof s.type === 'string' && s.type in TYPES)) return false;
  if (s.enum !== undefined && !(Array.isArray(s.enum) && s.enum.every((v) => v === null || typeof v !== 'object'))) return false;
  if (s.minimum !== undefined && !(typeof s.minimum === 'number' && Number.isFinite(s.minimum))) return false;
  return true;
};

// The same checks, in the same order and with the same first error, as ajv's for such a schema (useDefaults,
// allErrors off): defaults, then required, then unknown params, then each param's type and enum. Undefined when the
// schema uses more than that: ajv then checks it. (ajv and its code generation are a tenth of a short command's start.)
export const simpleParamsCheck = (schema: { type: string; properties: Record<string, unknown>; required: string[]; additionalProperties: boolean }): ParamsCheck | undefined => {
  if (schema.type !== 'object' || !Object.keys(schema).every((k) => ACTION_KEYWORDS.has(k))) return undefined;
  const properties = Object.entries(schema.properties);
  if (!properties.every(([, s]) => simpleParam(s))) return undefined;
  const params = properties as [string, { type?: string; enum?: unknown[]; default?: unknown; minimum?: number }][];
  return (data) => {
    for (const [name, s] of params) if (s.default !== undefined && data[name] === undefined) data[name] = structuredClone(s.default);
    for (const name of schema.required) {
      if (data[name] === undefined) return { keyword: 'required', instancePath: '', params: { missingProperty: name }, message: `must have required property '${name}'` };
    }
    if (!schema.additionalProperties) {
      const extra = Object.keys(data).find((key) => !Object.hasOwn(schema.properties, key));
      if (extra !== undefined) return { keyword: 'additionalProperties', instancePath: '', params: { additionalProperty: extra }, message: 'must NOT have additional properties' };
    }
    for (const [name, s] of params) {
      const value = data[name];
      if (value === undefined) continue;
      if (s.type !== undefined && !TYPES[s.type]!(value)) return { keyword: 'type', instancePath: `/${name}`, params: { type: s.type }, message: `must be ${s.type}` };
      // As ajv: minimum applies to numbers only, after the type.
      if (s.minimum !== undefined && typeof value === 'number' && !(value >= s.minimum)) return { keyword: 'minimum', instancePath: `/${name}`, params: { comparison: '>=', limit: s.minimum }, message: `must be >= ${s.minimum}` };
      if (s.enum !== undefined && !s.enum.includes(value)) return { keyword: 'enum', instancePath: `/${name}`, params: { allowedValues: s.enum }, message: 'must be equal to one of the allowed values' };
    }
    return undefined;
  };
};
