// The simple params check against ajv itself: for every action the charm and the CLI declare, and schemas with
// required params, integers and enums, every input of a grid gets the same first error (keyword, path, params,
// message) and the same defaults from both; a schema with any other keyword is left to ajv.
import t from 'tap';
import { loadCharmFiles } from '../../src/charm/charm-files.ts';
import { CLI_ACTIONS } from '../../src/cli/cli-actions.ts';
import { simpleParamsCheck } from '../../src/actions/simple-schema.ts';
import { ajvCheck } from '../../src/actions/validate-params.ts';

const { actions } = await loadCharmFiles();

type Schema = { type: string; properties: Record<string, Record<string, unknown>>; required: string[]; additionalProperties: boolean };

const schemaOf = (spec: { params: Record<string, Record<string, unknown>>; required?: string[]; additionalProperties?: boolean }): Schema => ({
  type: 'object',
  properties: spec.params,
  required: spec.required ?? [],
  additionalProperties: spec.additionalProperties ?? false,
});

const SYNTHETIC: Record<string, Schema> = {
  'required, integer, enum': {
    type: 'object',
    properties: {
      name: { type: 'string', description: 'd' },
      count: { type: 'integer', default: 3 },
      ratio: { type: 'number' },
      mode: { type: 'string', enum: ['a', 'b'], default: 'a' },
      flag: { type: 'boolean', default: false },
      any: { enum: [1, 'one', null] },
    },
    required: ['name', 'count'],
    additionalProperties: false,
  },
  'minimum on an integer and a number': {
    type: 'object',
    properties: { revision: { type: 'integer', minimum: 1 }, ratio: { type: 'number', minimum: -1.5 }, loose: { minimum: 0 } },
    required: [],
    additionalProperties: false,
  },
  'additional params allowed': { type: 'object', properties: { x: { type: 'string' } }, required: ['x'], additionalProperties: true },
};

const VALUES: unknown[] = ['x', '', 'a', 'v3', 5, 0, 1.5, -2, Number.NaN, Number.POSITIVE_INFINITY, true, false, null, [], {}, ['a'], 1];

// Inputs for a schema: empty, each param with every value, an unknown param alone and beside bad values, two bad params.
const inputs = (schema: Schema): Record<string, unknown>[] => {
  const names = Object.keys(schema.properties);
  const out: Record<string, unknown>[] = [{}, { bogus: 1 }, { zzz: 'x', bogus: 2 }];
  for (const name of names) {
    for (const value of VALUES) {
      out.push({ [name]: value }, { bogus: 'x', [name]: value }, { [name]: value, bogus: 'x' });
      for (const other of names.filter((n) => n !== name)) out.push({ [name]: value, [other]: 5 }, { [other]: 'x', [name]: value });
    }
  }
  return out;
};

t.test('the same first error and the same defaults as ajv, for every declared action and more', async (t) => {
  const schemas: [string, Schema][] = [
    ...Object.entries(actions).map(([name, spec]) => [name, schemaOf(spec)] as [string, Schema]),
    ...Object.entries(CLI_ACTIONS).map(([name, spec]) => [name, schemaOf(spec)] as [string, Schema]),
    ...Object.entries(SYNTHETIC),
  ];
  let compared = 0;
  for (const [name, schema] of schemas) {
    const simple = simpleParamsCheck(schema);
    if (!simple) {
      t.fail(`${name}: the simple check should cover it`);
      continue;
    }
    const ajv = await ajvCheck(schema);
    for (const input of inputs(schema)) {
      const a = structuredClone(input);
      const b = structuredClone(input);
      const viaAjv = ajv(a);
      const viaSimple = simple(b);
      const pick = (e: typeof viaAjv) => (e ? { keyword: e.keyword, instancePath: e.instancePath, params: e.params, message: e.message } : undefined);
      if (JSON.stringify(pick(viaSimple)) !== JSON.stringify(pick(viaAjv)) || JSON.stringify(a) !== JSON.stringify(b)) {
        t.strictSame({ error: pick(viaSimple), params: b }, { error: pick(viaAjv), params: a }, `${name} ${JSON.stringify(input)}`);
      }
      compared++;
    }
  }
  t.ok(compared > 1000, `${compared} inputs compared`);
});

t.test('a schema with any other keyword is left to ajv', async (t) => {
  const base = { type: 'object', required: [], additionalProperties: false };
  t.equal(simpleParamsCheck({ ...base, properties: { when: { type: 'string', pattern: '^\\d+$' } } }), undefined, 'pattern');
  t.equal(simpleParamsCheck({ ...base, properties: { rev: { type: 'integer', maximum: 9 } } }), undefined, 'maximum');
  t.equal(simpleParamsCheck({ ...base, properties: { rev: { type: 'integer', minimum: '1' } } }), undefined, 'a minimum that is not a number');
  t.equal(simpleParamsCheck({ ...base, properties: { list: { type: 'array' } } }), undefined, 'an array type');
  t.equal(simpleParamsCheck({ ...base, properties: { x: { type: ['string', 'null'] } } }), undefined, 'a list of types');
  t.equal(simpleParamsCheck({ ...base, properties: { x: { enum: [{ a: 1 }] } } }), undefined, 'an enum of objects');
  t.equal(simpleParamsCheck({ ...base, properties: {}, minProperties: 1 } as never), undefined, 'a keyword on the action');
  t.type(simpleParamsCheck({ ...base, properties: { x: { type: 'string', default: '', description: 'd' } } }), 'function', 'type, default, description: covered');
});
