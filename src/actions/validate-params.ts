import { SHA256_HEX } from '../format/sha256sum.ts';
import type { ErrorObject } from 'ajv';
import { UsageError } from '../errors/agent-error.ts';
import type { ActionSpec } from '../charm/charm-files.ts';

// Extra sentences for values that are refused for a reason worth explaining.
export type ParamHints = Record<string, Record<string, string>>;


// Values a JSON Schema type cannot express, checked wherever an action declares the param; an empty value means "none".
const FORMATS: Record<string, { valid: (value: string) => boolean; rule: string }> = {
  sha256: { valid: (value) => SHA256_HEX.test(value.trim().toLowerCase()), rule: 'must be 64 hex digits as sha256sum prints them' },
};

const checkFormats = (spec: ActionSpec, params: Record<string, unknown>): void => {
  for (const [name, { valid, rule }] of Object.entries(FORMATS)) {
    const value = params[name];
    if (!(name in spec.params) || typeof value !== 'string' || value.trim() === '') continue;
    if (!valid(value)) throw new UsageError(`invalid param ${name}=${JSON.stringify(value)}: ${rule}`);
  }
};

const describe = (error: ErrorObject, params: Record<string, unknown>): string => {
  if (error.keyword === 'additionalProperties') {
    const extra = String((error.params as { additionalProperty: string }).additionalProperty);
    return `unknown param "${extra}"`;
  }
  if (error.keyword === 'required') {
    return `missing param "${String((error.params as { missingProperty: string }).missingProperty)}"`;
  }
  const name = error.instancePath.replace(/^\//, '');
  const got = JSON.stringify(params[name]);
  if (error.keyword === 'enum') {
    const allowed = (error.params as { allowedValues: unknown[] }).allowedValues.map((v) => String(v)).join(', ');
    return `invalid param ${name}=${got}: must be one of ${allowed}`;
  }
  return `invalid param ${name}=${got}: ${error.message ?? 'not valid'}`;
};

// Checks params against the action's schema in actions.yaml and fills in defaults; every refusal is a UsageError.
// (ajv loads only when an action runs: hooks never need it.)
export const validateParams = async (
  action: string,
  spec: ActionSpec,
  given: Record<string, unknown>,
  hints: ParamHints = {},
): Promise<Record<string, unknown>> => {
  for (const [name, byValue] of Object.entries(hints)) {
    const hint = byValue[String(given[name])];
    if (hint !== undefined) throw new UsageError(`invalid param ${name}=${JSON.stringify(given[name])}: ${hint}`);
  }
  const schema = {
    type: 'object',
    properties: spec.params,
    required: spec.required ?? [],
    additionalProperties: spec.additionalProperties ?? false,
  };
  const params = structuredClone(given);
  const ajv = await import('ajv');
  // ajv is CommonJS: Node names its exports, a bundle may hand them over as the default export.
  const Ajv = ajv.Ajv ?? (ajv.default as unknown as typeof ajv).Ajv;
  // The schemas are the charm's own (actions.yaml): ajv's meta-schema, which takes longer to compile than they do, is left out.
  const validate = new Ajv({ allErrors: false, useDefaults: true, strict: false, meta: false, validateSchema: false }).compile(schema);
  if (!validate(params)) {
    const first = validate.errors?.[0];
    throw new UsageError(`${action}: ${first ? describe(first, params) : 'params are not valid'}`);
  }
  checkFormats(spec, params);
  return params;
};
