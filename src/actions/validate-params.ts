import { SHA256_HEX } from '../format/sha256sum.ts';
import { parseSnapshotName } from '../archive/snapshot-name.ts';
import { simpleParamsCheck, type ParamsCheck, type SchemaError } from './simple-schema.ts';
import { UsageError } from '../errors/agent-error.ts';
import type { ActionSpec } from '../charm/charm-files.ts';
import { jujuNaming, type Naming } from '../config/naming.ts';
import { pointTarget } from '../replay/point-target.ts';

// Extra sentences for values that are refused for a reason worth explaining.
export type ParamHints = Record<string, Record<string, string>>;


// Values a JSON Schema type cannot express, checked wherever an action declares the param; an empty value means
// "none" unless the param cannot be empty.
const FORMATS: Record<string, { valid: (value: string) => boolean; rule: string; empty?: 'refused' }> = {
  sha256: { valid: (value) => SHA256_HEX.test(value.trim().toLowerCase()), rule: 'must be 64 hex digits as sha256sum prints them' },
  name: {
    valid: (value) => parseSnapshotName(value) !== undefined,
    rule: "is not the name of one of this charm's archives (etcd-snapshot-YYYY-MM-DD-HH.MM.SS.tar.gz, .tar.zst or .tar, optionally .age; no directory)",
    empty: 'refused',
  },
};

const checkFormats = (spec: ActionSpec, params: Record<string, unknown>, naming: Naming): void => {
  for (const [name, { valid, rule, empty }] of Object.entries(FORMATS)) {
    const value = params[name];
    if (!(name in spec.params) || typeof value !== 'string' || (value.trim() === '' && empty !== 'refused')) continue;
    if (!valid(value)) throw new UsageError(`invalid ${naming.subject('param', name, value)}: ${rule}`);
  }
};

const describe = (error: SchemaError, params: Record<string, unknown>, naming: Naming): string => {
  if (error.keyword === 'additionalProperties') {
    const extra = String((error.params as { additionalProperty: string }).additionalProperty);
    return `unknown param "${naming.name('param', extra)}"`;
  }
  if (error.keyword === 'required') {
    return `missing param "${naming.name('param', String((error.params as { missingProperty: string }).missingProperty))}"`;
  }
  const name = error.instancePath.replace(/^\//, '');
  const subject = naming.subject('param', name, params[name]);
  if (error.keyword === 'enum') {
    const allowed = (error.params as { allowedValues: unknown[] }).allowedValues.map((v) => String(v)).join(', ');
    return `invalid ${subject}: must be one of ${allowed}`;
  }
  return `invalid ${subject}: ${error.message ?? 'not valid'}`;
};

// ajv said no without saying why (it always says).
const NOT_VALID: SchemaError = { keyword: 'false', instancePath: '', params: {}, message: 'params are not valid' };

// ajv's check of a schema the simple check does not cover.
export const ajvCheck = async (schema: object): Promise<ParamsCheck> => {
  const ajv = await import('ajv');
  // ajv is CommonJS: Node names its exports, a bundle may hand them over as the default export.
  const Ajv = ajv.Ajv ?? (ajv.default as unknown as typeof ajv).Ajv;
  // The schemas are the charm's own (actions.yaml): ajv's meta-schema, which takes longer to compile than they do, is left out.
  const validate = new Ajv({ allErrors: false, useDefaults: true, strict: false, meta: false, validateSchema: false }).compile(schema);
  return (params) => (validate(params) ? undefined : (validate.errors?.[0] ?? NOT_VALID));
};

// Checks params against the action's schema in actions.yaml and fills in defaults; every refusal is a UsageError
// naming the param the way the surface does (naming). (ajv loads only when an action runs: hooks never need it.)
export const validateParams = async (
  action: string,
  spec: ActionSpec,
  given: Record<string, unknown>,
  hints: ParamHints = {},
  naming: Naming = jujuNaming,
): Promise<Record<string, unknown>> => {
  for (const [name, byValue] of Object.entries(hints)) {
    const hint = byValue[String(given[name])];
    if (hint !== undefined) throw new UsageError(`invalid ${naming.subject('param', name, given[name])}: ${hint}`);
  }
  const schema = {
    type: 'object',
    properties: spec.params,
    required: spec.required ?? [],
    additionalProperties: spec.additionalProperties ?? false,
  };
  const params = structuredClone(given);
  const check = simpleParamsCheck(schema) ?? (await ajvCheck(schema));
  const first = check(params);
  if (first) throw new UsageError(`${naming.action(action)}: ${first === NOT_VALID ? 'params are not valid' : describe(first, params, naming)}`);
  checkFormats(spec, params, naming);
  // to-time's form, and at most one of to-time and to-revision (restore and verify-snapshot to a point).
  if ('to-time' in spec.params || 'to-revision' in spec.params) pointTarget(params, naming);
  return params;
};
