/**
 * Fuzzing the contract loader (parseContract): random text, the sample contracts with byte-level
 * mutations, and generated near-valid contracts: a valid contract with random edits (wrong types,
 * unknown keys, unknown rules and column types, missing keys, bad numbers and patterns) written as
 * YAML (block or flow) or JSON, and YAML's own hazards (anchors and aliases, merge keys, tags,
 * alias bombs, deep nesting, duplicate keys, several documents). Every case must load or end in a
 * ContractError.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import fc from 'fast-check';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parse, stringify } from 'yaml';

import { parseContract } from '../../../lambdas/core/contracts/parse-contract';
import { recordFigures } from '../../fixtures/reliability-report';
import { FUZZ_TEST_TIMEOUT_MS, fuzz, fuzzPreamble, tallyTable, type FuzzCase } from './fuzz-harness';
import { INVALID_UTF8 } from './fuzz-seeds';
import { bytesOf, mutatedSeed, mutate } from './mutations';

interface ContractCase extends FuzzCase {
  readonly text: string;
}

const CONTRACTS_DIR = join(import.meta.dirname, '../../../contracts');
const SAMPLES = readdirSync(CONTRACTS_DIR)
  .filter((f) => /\.ya?ml$/.test(f))
  .map((f) => readFileSync(join(CONTRACTS_DIR, f), 'utf8'));

/** Every rule condition and column type with the keys it takes, so edits start from a rich contract. */
const RICH = {
  pipeline: 'sales',
  step: 'features',
  output: 'order_features',
  path: 'pipelines/sales/{run_id}/features/{date}/',
  format: 'csv',
  csv: { delimiter: ';', header: false },
  convert_to: 'parquet',
  inputs: ['preprocessing/training_data', 'other/step/output'],
  schema: [
    { name: 'id', type: 'int64', nullable: false, range: [1, 1000], unique: true },
    { name: 'name', type: 'string', pattern: '^[a-z]+$', length: [1, 20], allowed: ['a', 'b'] },
    { name: 'amount', type: 'decimal(10,2)', range: ['0.00', '99.99'] },
    { name: 'ratio', type: 'float64' },
    { name: 'day', type: 'date', range: ['2020-01-01', '2030-12-31'] },
    { name: 'at', type: 'timestamp', unit: 'ms', zone: '+05:30' },
    { name: 'flag', type: 'boolean' },
  ],
  quality: [
    { name: 'r1', field: 'id', condition: 'not_null' },
    { name: 'r2', field: 'ratio', condition: 'between', value: [0, 1], threshold: 0.9 },
    { name: 'r3', field: 'name', condition: 'matches', value: '^a' },
    { name: 'r4', field: 'name', condition: 'in_set', value: ['a', 'b'] },
    { name: 'r5', fields: ['id', 'name'], condition: 'unique' },
    { name: 'r6', condition: 'expression', expression: 'ratio >= 0 and id > 0' },
    { name: 'r7', field: 'at', condition: 'max_age', value: '24h' },
    { name: 'r8', field: 'ratio', condition: 'quantile_between', quantile: 0.95, value: [0, 1] },
    { name: 'r9', field: 'ratio', condition: 'ks_test', reference: 's3://b/ref.csv', value: 0.2 },
    {
      name: 'r10',
      field: 'id',
      condition: 'exists_in',
      reference: { output: 'ingestion/raw_orders', field: 'customer_id' },
    },
    { name: 'r11', field: 'name', condition: 'format', value: 'email', severity: 'warn' },
    { name: 'r12', field: 'name', condition: 'length_between', value: [1, 3] },
  ],
};

const BASES: readonly unknown[] = [RICH, ...SAMPLES.map((s) => parse(s) as unknown)];

/** Values that are wrong somewhere: other types, unknown names, edge numbers, broken patterns. */
const WRONG_VALUES = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom<unknown>(
    null,
    '',
    -1,
    0,
    1.5,
    1e308,
    -0,
    2 ** 53 + 1,
    'integer',
    'decimal(0,5)',
    'decimal(39,2)',
    'decimal(5,9)',
    'decimal( 10 , 2 )',
    'not_a_rule',
    'between',
    'exists_in',
    'expression',
    '(((',
    '[a-',
    '(?<n>a)\\k<m>',
    '{run_id',
    '{}',
    '/abs/path',
    'P1DT12H',
    '1x',
    'a >= ',
    'id >= name',
    '__proto__',
    'constructor',
    ['x'],
    [1, 0],
    [0, 1, 2],
    { output: 'a', field: 'b' },
    { output: 'no-slash', field: 'b' },
    {},
    [],
  ),
);

type Step = string | number;

/** Every path in a JSON-like value. */
function pathsOf(value: unknown, prefix: Step[] = [], out: Step[][] = []): Step[][] {
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((v, k) => pathsOf(v, [...prefix, k], out));
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) pathsOf(v, [...prefix, k], out);
  return out;
}

type Edit =
  | { readonly op: 'set'; readonly at: number; readonly value: unknown }
  | { readonly op: 'delete'; readonly at: number }
  | { readonly op: 'add'; readonly at: number; readonly key: string; readonly value: unknown }
  | { readonly op: 'copy'; readonly at: number; readonly to: number };

const editArbitrary: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: WRONG_VALUES }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({
    op: fc.constant('add' as const),
    at: fc.nat(),
    key: fc.oneof(
      fc.constantFrom('unknown', 'type', 'value', 'nullable', '__proto__', 'schema'),
      fc.string(),
    ),
    value: WRONG_VALUES,
  }),
  fc.record({ op: fc.constant('copy' as const), at: fc.nat(), to: fc.nat() }),
);

/** Applies edits to a copy; values are copied too (constants are shared between cases). */
function applyEdits(base: unknown, edits: readonly Edit[]): unknown {
  let doc = structuredClone(base);
  for (const edit of edits) {
    const paths = pathsOf(doc);
    const path = paths[edit.at % paths.length]!;
    const parentPath = path.slice(0, -1);
    const key = path.at(-1);
    const parent = parentPath.reduce<unknown>((v, k) => (v as Record<Step, unknown>)[k], doc) as
      Record<Step, unknown> | undefined;
    const target = path.reduce<unknown>((v, k) => (v as Record<Step, unknown>)[k], doc);
    switch (edit.op) {
      case 'set':
        if (key === undefined) doc = structuredClone(edit.value);
        else parent![key] = structuredClone(edit.value);
        break;
      case 'delete':
        if (key === undefined) doc = undefined;
        else if (Array.isArray(parent)) parent.splice(Number(key), 1);
        else delete parent![key];
        break;
      case 'add':
        if (target && typeof target === 'object' && !Array.isArray(target))
          Object.defineProperty(target, edit.key, {
            value: structuredClone(edit.value),
            enumerable: true,
            writable: true,
            configurable: true,
          });
        else if (Array.isArray(target)) target.push(structuredClone(edit.value));
        break;
      case 'copy': {
        const to = paths[edit.to % paths.length]!;
        const destination = to.reduce<unknown>((v, k) => (v as Record<Step, unknown>)[k], doc);
        if (Array.isArray(destination)) destination.push(structuredClone(target));
        break;
      }
    }
  }
  return doc;
}

/** YAML text; yaml's stringify returns undefined for undefined (a deleted root): an empty document then. */
function yamlText(doc: unknown, flow: boolean): string {
  const text: string | undefined = stringify(doc, flow ? { collectionStyle: 'flow' } : {});
  return text ?? '';
}

const render = fc.constantFrom<(doc: unknown) => string>(
  (doc) => yamlText(doc, false),
  (doc) => yamlText(doc, true),
  (doc) => JSON.stringify(doc, null, 2) ?? 'null',
  (doc) => JSON.stringify(doc) ?? 'null',
);

const editedContract = fc
  .tuple(fc.nat({ max: BASES.length - 1 }), fc.array(editArbitrary, { minLength: 0, maxLength: 4 }), render)
  .map(([base, edits, write]) => write(applyEdits(BASES[base], edits)));

/** Nesting depth: mostly shallow, sometimes past the parser's stack (a deep case takes ~50 ms). */
const depth = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 200 }) },
  { weight: 1, arbitrary: fc.integer({ min: 200, max: 6_000 }) },
);

/** YAML's hazards, around a valid contract. */
const yamlHazard: fc.Arbitrary<string> = fc.oneof(
  // Alias bombs: each level doubles the expansion.
  fc.integer({ min: 1, max: 30 }).map((levels) => {
    const lines = ['a0: &a0 [x, x]'];
    for (let k = 1; k < levels; k++) lines.push(`a${k}: &a${k} [*a${k - 1}, *a${k - 1}]`);
    return `${SAMPLES[0]}\nbomb: *a${levels - 1}\n${lines.join('\n')}\n`;
  }),
  fc.integer({ min: 1, max: 30 }).map((levels) => {
    const lines = ['x0: &a0 [x, x]'];
    for (let k = 1; k < levels; k++) lines.push(`x${k}: &a${k} [*a${k - 1}, *a${k - 1}]`);
    return `${lines.join('\n')}\n${SAMPLES[0]!.replace('pipeline: sales', `pipeline: *a${levels - 1}`)}`;
  }),
  depth.map((n) => `pipeline: ${'['.repeat(n)}${']'.repeat(n)}\n`),
  depth.map((n) => `${'{a: '.repeat(n)}1${'}'.repeat(n)}`),
  // Block nesting costs n² characters of indentation: kept shallower.
  fc
    .integer({ min: 1, max: 1_500 })
    .map((n) => Array.from({ length: n }, (_, k) => `${' '.repeat(k)}- `).join('\n')),
  fc.constantFrom(
    'schema: &s\n  - { name: a, type: string }\nquality: *s\n',
    'base: &b { name: a, type: string }\nschema:\n  - <<: *b\n    nullable: false\n',
    'schema: *undefined_anchor\n',
    'pipeline: !!binary aGVsbG8=\n',
    'pipeline: !custom sales\n',
    'pipeline: !!int 12\n',
    '%YAML 1.2\n---\npipeline: sales\n...\n---\npipeline: other\n',
    'pipeline: sales\npipeline: again\n',
    '? [complex, key]\n: value\n',
    'pipeline: "unterminated\n',
    "pipeline: 'unterminated\n",
    'pipeline: sales\n\tstep: tab\n',
    '- just\n- a\n- list\n',
    'just a scalar',
    '',
    '\uFEFF',
    'null',
    '{"pipeline": "sales", "pipeline": "twice"}',
    '{"a": 1e999999, "b": 123456789012345678901234567890}',
    'pipeline: &x sales\nstep: *x\noutput: *x\n',
    'a: &a\n  b: *a\n',
  ),
);

/** The sample contracts with byte-level mutations (decoded back to text, invalid UTF-8 replaced). */
const SAMPLE_BYTES = SAMPLES.map(bytesOf);
const YAML_TOKENS = [
  ...[
    '&a ',
    '*a',
    '<<: *a\n',
    ': ',
    '- ',
    '{',
    '}',
    '[',
    ']',
    '"',
    "'",
    '\t',
    '!!binary ',
    '!tag ',
    '#',
    '|',
    '>',
  ],
  ...['\n  ', '\n---\n', '\n...\n', '%YAML 1.2\n', '? ', ',', '\uFEFF', '\u0000', '\u2028', '\\'],
].map(bytesOf);
const mutatedSample = mutatedSeed(SAMPLE_BYTES, [...YAML_TOKENS, ...INVALID_UTF8]).map(
  ({ seed, mutations }) => Buffer.from(mutate(SAMPLE_BYTES[seed]!, mutations, SAMPLE_BYTES)).toString('utf8'),
);

const YAML_CHARS = [...'{}[]:,-&*!|>\'"#%@`?<=\n \t', 'a', 'b', '1', '0', 'pipeline', 'schema', 'name'];
const randomText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: fc.constantFrom(...YAML_CHARS), maxLength: 120 }),
);

const contractCases: fc.Arbitrary<ContractCase> = fc.oneof(
  { weight: 2, arbitrary: randomText.map((text) => ({ family: 'random bytes' as const, text })) },
  { weight: 3, arbitrary: mutatedSample.map((text) => ({ family: 'mutated valid file' as const, text })) },
  {
    weight: 4,
    arbitrary: fc
      .oneof({ weight: 5, arbitrary: editedContract }, { weight: 1, arbitrary: yamlHazard })
      .map((text) => ({ family: 'generated near-valid' as const, text })),
  },
);

describe('fuzzing the contract loader', () => {
  it(
    'loads every document or rejects it with a ContractError',
    { timeout: FUZZ_TEST_TIMEOUT_MS },
    async () => {
      // Prepare: the yaml library prints a process warning for a collection used as a map key (the
      // loader then sees the key as text); counted for the figures instead of flooding the output.
      const emitWarning = process.emitWarning.bind(process);
      let yamlWarnings = 0;
      process.emitWarning = (warning: string | Error, ...rest: unknown[]) => {
        if (/Keys with collection values will be stringified/.test(String(warning))) yamlWarnings++;
        else Reflect.apply(emitWarning, process, [warning, ...rest]);
      };
      onTestFinished(() => {
        process.emitWarning = emitWarning;
      });

      // Act
      const tally = await fuzz({
        reader: 'contract loader (parseContract)',
        arbitrary: contractCases,
        run: (c) => {
          parseContract(c.text, 'contracts/fuzz.yaml');
          return Promise.resolve();
        },
        bytesOf: (c) => bytesOf(c.text),
        show: (c) => JSON.stringify(c.text.length > 4096 ? `${c.text.slice(0, 4096)}…` : c.text),
      });

      // Assess
      expect(tally.unhandled).toBe(0);
      expect(tally.cases).toBeGreaterThanOrEqual(10_000);
      expect(tally.ok).toBeGreaterThan(0);
      expect([...tally.typed.keys()]).toEqual(['ContractError']);
      recordFigures({
        id: 'fuzzing-contracts',
        title: 'Fuzzing: contract loader',
        body: `${fuzzPreamble('Random text, the sample contracts with random byte-level mutations, and generated near-valid contracts (a valid contract with random edits: wrong types, unknown keys, unknown rules and column types, missing keys; written as block YAML, flow YAML or JSON) and YAML hazards (alias bombs, merge keys, tags, deep nesting, duplicate keys, several documents);')}\n\n${tallyTable([tally])}\n\n${yamlWarnings} calls printed the yaml library's warning for a collection used as a map key (the key is read as text, and the contract is then accepted or rejected on its merits).`,
      });
    },
  );
});
