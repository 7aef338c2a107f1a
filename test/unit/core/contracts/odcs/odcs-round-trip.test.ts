/**
 * prt → ODCS → prt: every exported document is valid under the official ODCS v3.1.0 JSON Schema
 * (draft 2019-09, so Ajv2019), and loading it gives back the same contract, every check included.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import Ajv2019 from 'ajv/dist/2019';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';

import {
  exportOdcs,
  loadContract,
  parseContract,
  type OutputContract,
} from '../../../../../lambdas/core/contracts';

const ROOT = join(import.meta.dirname, '../../../../..');
const ODCS_SCHEMA = JSON.parse(
  readFileSync(join(ROOT, 'test/fixtures/odcs/odcs-json-schema-v3.1.0.json'), 'utf8'),
) as object;

const ajv = new Ajv2019({ strict: false, allErrors: true });
addFormats(ajv);
const validOdcs = ajv.compile(ODCS_SCHEMA);

function yamlFilesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** The repository's contracts and the contract fixtures of the tests. */
const CONTRACT_FILES = [
  ...yamlFilesUnder(join(ROOT, 'contracts')),
  ...yamlFilesUnder(join(ROOT, 'test/fixtures/contract-edges')),
];

/** Exports, checks the document against the ODCS schema, and loads it back. */
function roundTrip(contract: OutputContract): { back: OutputContract; features: string[] } {
  const doc = exportOdcs(contract);
  const valid = validOdcs(doc);
  // The schema's own messages name what is wrong when the document is not valid.
  expect(validOdcs.errors ?? []).toEqual([]);
  expect(valid).toBe(true);
  const { contract: back, warnings } = loadContract(stringify(doc), 'exported.odcs.yaml');
  return { back, features: warnings.map((w) => w.feature) };
}

/** Every rule condition and column key prt has, in one contract. */
const EVERYTHING = `
pipeline: sales
step: scoring
output: scores
description: Every key and every condition.
path: pipelines/sales/{run_id}/scoring/{model}/scores.csv
format: csv
compression: gzip
csv: { delimiter: ';', header: false, quote: "'", escape: '\\', lenient_quotes: true }
compatibility: strict
convert_to: parquet
inputs:
  - ingestion/raw_orders
  - output: features/order_features
    columns:
      - { name: order_id, type: string, nullable: false }
      - { name: basket_value, type: 'decimal(12,2)', range: ['0.01', '99999.99'] }
    accepts: convertible
    on_break: warn
job_type: sagemaker
allow_extra_columns: false
history: { versions: 20, min_versions: 5, threshold: 4 }
schema:
  - { name: order_id, type: string, nullable: false, unique: true, pattern: '[A-Z]{2}-[0-9]+', length: [4, 20], description: The order }
  - { name: tenant, type: string, allowed: [eu, us], classification: internal }
  - { name: email, type: string, pii: true, classification: confidential, length: [3, 320] }
  - { name: customer_id, type: int64, nullable: false, range: [1, 100000], generate: { kind: sequence, start: 1 } }
  - { name: items, type: int32, range: [1, 500] }
  - { name: score, type: float32 }
  - { name: amount, type: float64, generate: { distribution: normal, mean: 100, std: 25 } }
  - { name: price, type: 'decimal(10,2)', range: ['0.00', '1000.00'] }
  - { name: flag, type: boolean }
  - { name: day, type: date, range: ['2024-01-01', '2030-12-31'] }
  - { name: scored_at, type: timestamp, unit: ms, zone: '+05:30', nullable: false }
  - { name: ended_at, type: timestamp }
quality:
  - { name: id_present, field: order_id, condition: not_null }
  - { name: tenant_known, field: tenant, condition: in_set, value: [eu, us], threshold: 0.97, severity: warn }
  - { name: email_shape, field: email, condition: matches, value: '@', threshold: 0.9, on_unevaluated: fail }
  - { name: id_unique, field: order_id, condition: unique, threshold: 0.999 }
  - { name: tenant_order_key, fields: [tenant, order_id], condition: unique }
  - { name: customer_order_key, field: customer_id, fields: [customer_id, order_id], condition: unique }
  - { name: amount_positive, field: amount, condition: greater_than, value: 0, threshold: 0.95 }
  - { name: amount_min, field: amount, condition: greater_or_equal, value: 0 }
  - { name: amount_max, field: amount, condition: less_than, value: 1000000 }
  - { name: amount_cap, field: amount, condition: less_or_equal, value: 999999 }
  - { name: items_between, field: items, condition: between, value: [1, 100], threshold: 0.5 }
  - { name: email_conforms, field: email, condition: type_conforms }
  - { name: email_length, field: email, condition: length_between, value: [3, 100] }
  - { name: email_format, field: email, condition: format, value: email, severity: warn }
  - { name: ended_after, condition: expression, expression: 'is_null(ended_at) or ended_at >= scored_at' }
  - { name: fresh, field: scored_at, condition: max_age, value: 24h }
  - { name: amount_mean, field: amount, condition: mean_between, value: [50, 150] }
  - { name: amount_spread, field: amount, condition: stddev_between, value: [1, 50] }
  - { name: amount_p95, field: amount, condition: quantile_between, quantile: 0.95, value: [100, 200] }
  - { name: amount_drift, field: amount, condition: ks_test, reference: s3://bucket/ref.csv, value: 0.2 }
  - { name: customer_known, field: customer_id, condition: exists_in, reference: { output: ingestion/raw_orders, field: customer_id } }
  - { name: items_present, field: items, condition: not_null, threshold: 0.123456, on_unevaluated: warn }
`;

describe('prt → ODCS → prt', () => {
  it.each(CONTRACT_FILES.map((file) => [file.slice(ROOT.length + 1), file]))(
    'keeps every check of %s, in a document valid under ODCS v3.1.0',
    (_name, file) => {
      // Arrange
      const contract = parseContract(readFileSync(file, 'utf8'), file);

      // Act
      const { back, features } = roundTrip(contract);

      // Assess
      expect(back).toEqual(contract);
      expect(features).toEqual(['bucket']);
    },
  );

  it('keeps every rule condition and every column, input and file key', () => {
    // Arrange
    const contract = parseContract(EVERYTHING, 'everything.yaml');

    // Act
    const { back, features } = roundTrip(contract);

    // Assess
    expect(contract.quality).toHaveLength(22);
    expect(back).toEqual(contract);
    expect(features).toEqual(['bucket']);
  });

  it('writes ODCS library metrics where ODCS has them and prt checks as custom ones', () => {
    // Arrange
    const contract = parseContract(EVERYTHING, 'everything.yaml');

    // Act
    const doc = exportOdcs(contract, { bucket: 'my-outputs' }) as {
      servers: { location: string }[];
      schema: {
        properties: { name: string; quality?: Record<string, unknown>[] }[];
        quality: Record<string, unknown>[];
      }[];
    };

    // Assess
    const checks = doc.schema[0]!.properties.flatMap((p) => p.quality ?? []).concat(doc.schema[0]!.quality);
    const byName = new Map(checks.map((q) => [q.name, q]));
    expect(doc.servers[0]!.location).toBe(
      's3://my-outputs/pipelines/sales/%7Brun_id%7D/scoring/%7Bmodel%7D/scores.csv',
    );
    expect(byName.get('id_present')).toMatchObject({
      metric: 'nullValues',
      mustBe: 0,
      unit: 'rows',
      severity: 'error',
    });
    expect(byName.get('tenant_known')).toMatchObject({
      metric: 'invalidValues',
      arguments: { validValues: ['eu', 'us'] },
      mustBeLessOrEqualTo: 3,
      unit: 'percent',
      severity: 'warning',
    });
    expect(byName.get('email_shape')).toMatchObject({ metric: 'invalidValues', arguments: { pattern: '@' } });
    expect(byName.get('id_unique')).toMatchObject({ metric: 'duplicateValues', mustBeLessOrEqualTo: 0.1 });
    expect(byName.get('tenant_order_key')).toMatchObject({
      metric: 'duplicateValues',
      arguments: { properties: ['tenant', 'order_id'] },
    });
    expect(byName.get('tenant_allowed')).toMatchObject({
      metric: 'invalidValues',
      arguments: { validValues: ['eu', 'us'] },
    });
    for (const name of [
      'amount_positive',
      'ended_after',
      'fresh',
      'amount_drift',
      'customer_known',
      'amount_p95',
    ])
      expect(byName.get(name)).toMatchObject({ type: 'custom', engine: 'prt' });
  });

  it('keeps any generated contract: types, nullability, thresholds, severities and rule order', () => {
    const types = [
      'string',
      'int32',
      'int64',
      'float32',
      'float64',
      'boolean',
      'date',
      'timestamp',
      'decimal(9,3)',
    ];
    const column = fc.record({
      type: fc.constantFrom(...types),
      nullable: fc.boolean(),
      unique: fc.option(fc.boolean(), { nil: undefined }),
      classification: fc.option(fc.constantFrom('public', 'internal', 'confidential', 'restricted'), {
        nil: undefined,
      }),
    });
    const rule = fc.record({
      kind: fc.constantFrom('not_null', 'unique', 'in_set', 'type_conforms', 'greater_than'),
      column: fc.nat(),
      // Thresholds as people write them: up to six decimals.
      threshold: fc.integer({ min: 0, max: 1_000_000 }).map((n) => n / 1_000_000),
      severity: fc.constantFrom('error', 'warn'),
    });
    fc.assert(
      fc.property(
        fc.array(column, { minLength: 1, maxLength: 6 }),
        fc.array(rule, { maxLength: 8 }),
        (columns, rules) => {
          // Arrange
          const schema = columns.map((c, i) => ({
            name: `c${i}`,
            type: c.type,
            nullable: c.nullable,
            ...(c.unique !== undefined ? { unique: c.unique } : {}),
            ...(c.classification !== undefined ? { classification: c.classification } : {}),
          }));
          const quality = rules.flatMap((r, k) => {
            const target = schema[r.column % schema.length]!;
            const numeric = /^(int|float|decimal)/.test(target.type);
            if (r.kind === 'greater_than' && !numeric) return [];
            const value =
              r.kind === 'in_set'
                ? {
                    value:
                      target.type === 'boolean'
                        ? [true]
                        : target.type === 'date'
                          ? ['2024-01-01']
                          : target.type === 'timestamp'
                            ? ['2024-01-01T00:00:00Z']
                            : numeric
                              ? [1, 2]
                              : ['a', 'b'],
                  }
                : r.kind === 'greater_than'
                  ? { value: 0 }
                  : {};
            return [
              {
                name: `r${k}`,
                field: target.name,
                condition: r.kind,
                ...value,
                threshold: r.threshold,
                severity: r.severity,
              },
            ];
          });
          const contract = parseContract(
            stringify({ pipeline: 'p', step: 's', output: 'o', path: 'k/{run_id}/', schema, quality }),
            'generated.yaml',
          );

          // Act
          const { back, features } = roundTrip(contract);

          // Assess
          expect(back).toEqual(contract);
          expect(features).toEqual(['bucket']);
        },
      ),
      { numRuns: 60 },
    );
  });
});
