/**
 * ODCS v3 → prt: each library metric and operator maps to a prt rule and threshold, or is reported
 * by name and line; a part whose meaning would change is a ContractError located in the document.
 */
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';

import { importOdcsContract, loadContract, parseContract } from '../../../../../lambdas/core/contracts';
import type { QualityRule } from '../../../../../lambdas/core/contracts/output-contract';
import { ContractError } from '../../../../../lambdas/core/errors';

type Json = Record<string, unknown>;

/** An ODCS document with one s3 server and one object whose properties are given. */
function odcs(properties: Json[], extra: { object?: Json; root?: Json } = {}): string {
  return stringify({
    apiVersion: 'v3.1.0',
    kind: 'DataContract',
    id: 'orders',
    version: '1.0.0',
    status: 'active',
    name: 'ingestion',
    domain: 'sales',
    servers: [{ server: 'prod', type: 's3', location: 's3://lake/orders/{run_id}/', format: 'parquet' }],
    schema: [{ name: 'orders', properties, ...extra.object }],
    ...extra.root,
  });
}

/** One string property carrying the given quality checks. */
function withChecks(...quality: Json[]): string {
  return odcs([{ name: 'code', logicalType: 'string', quality }]);
}

function rules(text: string): readonly QualityRule[] {
  return parseContract(text, 'orders.odcs.yaml').quality;
}

function features(text: string): string[] {
  return loadContract(text, 'orders.odcs.yaml').warnings.map((w) => w.feature);
}

function failure(text: string): string {
  try {
    parseContract(text, 'orders.odcs.yaml');
  } catch (error) {
    if (error instanceof ContractError) return error.message;
    throw error;
  }
  throw new Error('expected a ContractError');
}

describe('ODCS library metrics and operators', () => {
  it.each([
    [{ metric: 'nullValues', mustBe: 0 }, 'not_null', 1],
    [{ metric: 'nullValues', mustBe: 0, unit: 'percent' }, 'not_null', 1],
    [{ metric: 'nullValues', mustBeLessOrEqualTo: 0, unit: 'rows' }, 'not_null', 1],
    [{ metric: 'nullValues', mustBeLessThan: 1, unit: 'rows' }, 'not_null', 1],
    [{ metric: 'nullValues', mustBeLessOrEqualTo: 5, unit: 'percent' }, 'not_null', 0.95],
    [{ metric: 'nullValues', mustBeLessOrEqualTo: 250, unit: 'percent' }, 'not_null', 0],
    [{ type: 'library', rule: 'nullValues', mustBe: 0 }, 'not_null', 1],
    [{ metric: 'invalidValues', arguments: { validValues: ['a', 'b', null] }, mustBe: 0 }, 'in_set', 1],
    [
      {
        metric: 'invalidValues',
        arguments: { pattern: '^[A-Z]{2}$' },
        mustBeLessOrEqualTo: 2,
        unit: 'percent',
      },
      'matches',
      0.98,
    ],
    [{ metric: 'duplicateValues', mustBe: 0 }, 'unique', 1],
    [{ metric: 'duplicateValues', mustBeLessOrEqualTo: 0.5, unit: 'percent' }, 'unique', 0.995],
    [{ metric: 'missingValues', arguments: { missingValues: [null] }, mustBe: 0 }, 'not_null', 1],
    [
      { metric: 'missingValues', arguments: { missingValues: [null, '', 'N/A'] }, mustBe: 0 },
      'expression',
      1,
    ],
  ])('%j reads as %s with threshold %d', (check, kind, threshold) => {
    // Arrange
    const text = withChecks(check);

    // Act
    const [rule, ...more] = rules(text);

    // Assess
    expect(more).toEqual([]);
    expect(rule!.condition.kind).toBe(kind);
    expect(rule!.threshold).toBe(threshold);
  });

  it('reads the arguments of invalidValues and missingValues into the rule', () => {
    // Arrange
    const text = withChecks(
      { name: 'code_set', metric: 'invalidValues', arguments: { validValues: ['a', null, 'b'] }, mustBe: 0 },
      { name: 'code_shape', metric: 'invalidValues', arguments: { pattern: '^[a-z]$' }, mustBe: 0 },
      {
        name: 'code_missing',
        metric: 'missingValues',
        arguments: { missingValues: [null, '', "it's"] },
        mustBe: 0,
      },
      {
        name: 'code_both',
        metric: 'invalidValues',
        arguments: { validValues: ['a'], pattern: 'a' },
        mustBe: 0,
      },
    );

    // Act
    const read = rules(text);

    // Assess
    expect(read.map((r) => [r.name, r.condition])).toEqual([
      ['code_set', { kind: 'in_set', values: ['a', 'b'] }],
      ['code_shape', { kind: 'matches', pattern: '^[a-z]$' }],
      [
        'code_missing',
        { kind: 'expression', expression: "not is_null(`code`) and not (`code` in ('', 'it\\'s'))" },
      ],
      ['code_both', { kind: 'in_set', values: ['a'] }],
      ['code_both_matches', { kind: 'matches', pattern: 'a' }],
    ]);
  });

  it('reads a schema-level duplicateValues over properties as a composite key', () => {
    // Arrange
    const text = odcs(
      [
        { name: 'tenant', logicalType: 'string' },
        { name: 'order_id', logicalType: 'string' },
      ],
      {
        object: {
          quality: [
            {
              name: 'key',
              metric: 'duplicateValues',
              mustBe: 0,
              arguments: { properties: ['tenant', 'order_id'] },
            },
          ],
        },
      },
    );

    // Act
    const [rule] = rules(text);

    // Assess
    expect(rule).toMatchObject({
      name: 'key',
      condition: { kind: 'unique', fields: ['tenant', 'order_id'] },
    });
    expect(rule!.field).toBeUndefined();
  });

  it('maps severities: error and warning as they are, info as warn with a warning', () => {
    // Arrange
    const text = withChecks(
      { name: 'a', metric: 'nullValues', mustBe: 0, severity: 'error' },
      { name: 'b', metric: 'nullValues', mustBe: 0, severity: 'warning' },
      { name: 'c', metric: 'nullValues', mustBe: 0, severity: 'info' },
      { name: 'd', metric: 'nullValues', mustBe: 0 },
    );

    // Act
    const read = rules(text);

    // Assess
    expect(read.map((r) => r.severity)).toEqual(['error', 'warn', 'warn', 'error']);
    expect(features(text)).toEqual(['bucket', 'severity info']);
  });

  it.each([
    [{ metric: 'rowCount', mustBeBetween: [100, 120] }, 'rowCount'],
    [{ metric: 'nullValues', mustBeLessThan: 100, unit: 'rows' }, 'mustBeLessThan 100 rows'],
    [{ metric: 'nullValues', mustBeGreaterThan: 5 }, 'mustBeGreaterThan 5 rows'],
    [{ metric: 'nullValues', mustNotBeBetween: [1, 5], unit: 'percent' }, 'mustNotBeBetween'],
    [{ metric: 'nullValues', mustBe: 0, unit: 'bytes' }, 'unit bytes'],
    [{ metric: 'freshness', mustBe: 0 }, 'metric freshness'],
    [{ metric: 'invalidValues', mustBe: 0 }, 'invalidValues'],
    [{ type: 'sql', query: 'SELECT COUNT(*) FROM t', mustBe: 0 }, 'sql'],
    [{ type: 'text', description: 'verified by the system' }, 'text'],
    [{ type: 'custom', engine: 'soda', implementation: 'type: duplicate_percent' }, 'engine soda'],
  ])('reports %j by name instead of reading it', (check, feature) => {
    // Arrange
    const text = withChecks(check);

    // Act
    const read = rules(text);
    const warned = loadContract(text, 'orders.odcs.yaml').warnings;

    // Assess
    expect(read).toEqual([]);
    expect(warned.map((w) => w.feature)).toContain(feature);
    expect(warned.find((w) => w.feature === feature)!.path).toMatch(
      /^schema\[0\]\.properties\[0\]\.quality\[0\]/,
    );
    expect(warned.find((w) => w.feature === feature)!.line).toBeGreaterThan(1);
  });

  it('reads a strict percent bound as inclusive, and says so', () => {
    // Arrange
    const text = withChecks({ metric: 'nullValues', mustBeLessThan: 1, unit: 'percent' });

    // Act
    const [rule] = rules(text);

    // Assess
    expect(rule!.threshold).toBe(0.99);
    expect(features(text)).toContain('mustBeLessThan');
  });

  it('reads a prt custom check, from a mapping or from YAML text, under its property', () => {
    // Arrange
    const text = odcs([
      {
        name: 'amount',
        logicalType: 'number',
        quality: [
          {
            type: 'custom',
            engine: 'prt',
            implementation: { name: 'positive', condition: 'greater_than', value: 0, threshold: 0.9 },
          },
          {
            type: 'custom',
            engine: 'prt',
            implementation: 'name: mean\ncondition: mean_between\nvalue: [1, 5]\nseverity: warn\n',
          },
        ],
      },
    ]);

    // Act
    const read = rules(text);

    // Assess
    expect(read).toEqual([
      {
        name: 'positive',
        type: 'accuracy',
        field: 'amount',
        condition: { kind: 'greater_than', value: 0 },
        threshold: 0.9,
        severity: 'error',
      },
      {
        name: 'mean',
        type: 'distribution',
        field: 'amount',
        condition: { kind: 'mean_between', min: 1, max: 5 },
        threshold: 1,
        severity: 'warn',
      },
    ]);
  });
});

describe('ODCS properties', () => {
  it('reads logical and physical types, required, unique, primary keys and classification', () => {
    // Arrange
    const text = odcs([
      { name: 'id', logicalType: 'integer', physicalType: 'bigint', primaryKey: true },
      {
        name: 'small',
        logicalType: 'integer',
        logicalTypeOptions: { format: 'i16', minimum: 0, maximum: 9 },
      },
      { name: 'plain', logicalType: 'integer' },
      { name: 'ratio', logicalType: 'number', logicalTypeOptions: { format: 'f32' } },
      { name: 'price', logicalType: 'number', physicalType: 'NUMERIC(10, 2)', required: true },
      {
        name: 'code',
        logicalType: 'string',
        physicalType: 'varchar(3)',
        unique: true,
        classification: 'Confidential',
        logicalTypeOptions: { minLength: 3, maxLength: 3 },
      },
      { name: 'day', physicalType: 'date' },
      { name: 'at', logicalType: 'timestamp', logicalTypeOptions: { defaultTimezone: 'Etc/UTC' } },
      { name: 'ok', logicalType: 'boolean' },
    ]);

    // Act
    const { schema } = parseContract(text, 'orders.odcs.yaml');

    // Assess
    expect(schema.map((c) => [c.name, c.type, c.nullable])).toEqual([
      ['id', 'int64', false],
      ['small', 'int32', true],
      ['plain', 'int64', true],
      ['ratio', 'float32', true],
      ['price', 'decimal', false],
      ['code', 'string', true],
      ['day', 'date', true],
      ['at', 'timestamp', true],
      ['ok', 'boolean', true],
    ]);
    expect(schema[0]).toMatchObject({ unique: true });
    expect(schema[1]).toMatchObject({ range: [0, 9] });
    expect(schema[4]).toMatchObject({ precision: 10, scale: 2 });
    expect(schema[5]).toMatchObject({ unique: true, classification: 'confidential', length: [3, 3] });
    expect(schema[7]).toMatchObject({ zone: 'UTC' });
  });

  it('reads a composite primary key as a unique rule over its columns, in key order', () => {
    // Arrange
    const text = odcs([
      { name: 'order_id', logicalType: 'string', primaryKey: true, primaryKeyPosition: 2 },
      { name: 'tenant', logicalType: 'string', primaryKey: true, primaryKeyPosition: 1 },
    ]);

    // Act
    const contract = parseContract(text, 'orders.odcs.yaml');

    // Assess
    expect(contract.schema.map((c) => c.nullable)).toEqual([false, false]);
    expect(contract.quality).toEqual([
      {
        name: 'primary_key',
        type: 'uniqueness',
        condition: { kind: 'unique', fields: ['tenant', 'order_id'] },
        threshold: 1,
        severity: 'error',
      },
    ]);
  });

  it('reads open bounds, exclusive bounds and string formats as rules', () => {
    // Arrange
    const text = odcs([
      { name: 'n', logicalType: 'number', logicalTypeOptions: { minimum: 0, exclusiveMaximum: 10 } },
      { name: 'mail', logicalType: 'string', logicalTypeOptions: { format: 'email', pattern: '@' } },
    ]);

    // Act
    const read = rules(text);

    // Assess
    expect(read.map((r) => [r.name, r.condition])).toEqual([
      ['n_minimum', { kind: 'greater_or_equal', value: 0 }],
      ['n_exclusive_maximum', { kind: 'less_than', value: 10 }],
      ['mail_pattern', { kind: 'matches', pattern: '@' }],
      ['mail_format', { kind: 'format', format: 'email' }],
    ]);
  });

  it('reads a partitioned property as a folder of parts, and names the column', () => {
    // Arrange
    const text = odcs([{ name: 'year', logicalType: 'integer', partitioned: true, partitionKeyPosition: 1 }]);

    // Act
    const { contract, warnings } = loadContract(text, 'orders.odcs.yaml');

    // Assess
    expect(contract.partitioned).toBe(true);
    expect(warnings.find((w) => w.feature === 'partitioned')).toMatchObject({
      path: 'schema[0].properties[0].partitioned',
    });
  });

  it.each([
    [{ name: 'at', logicalType: 'time' }, /properties\[0\]\.logicalType: 'time' has no prt column type/],
    [{ name: 'tags', logicalType: 'array' }, /'array' has no prt column type/],
    [
      { name: 'big', logicalType: 'integer', logicalTypeOptions: { format: 'u128' } },
      /'u128' integers have no prt type/,
    ],
    [
      { name: 'who', logicalType: 'string', classification: 'secret' },
      /classification: 'secret' is not a classification prt masks by/,
    ],
    [
      { name: 'at', logicalType: 'timestamp', logicalTypeOptions: { defaultTimezone: 'Europe/Paris' } },
      /defaultTimezone: 'Europe\/Paris'/,
    ],
    [{ name: 'blob' }, /'blob' has no logicalType/],
  ])('refuses %j, where reading it otherwise would change its meaning', (property, message) => {
    // Arrange
    const text = odcs([property]);

    // Act
    const error = failure(text);

    // Assess
    expect(error).toMatch(/^orders\.odcs\.yaml: line \d+: schema\[0\]\.properties\[0\]/);
    expect(error).toMatch(message);
  });
});

describe('an ODCS document as a whole', () => {
  it('takes the key template from the s3 server, braces written raw or escaped, and its format', () => {
    // Arrange
    const escaped = odcs([{ name: 'id', logicalType: 'string' }]).replace('{run_id}', '%7Brun_id%7D');

    // Act
    const contract = parseContract(escaped, 'orders.odcs.yaml');

    // Assess
    expect(contract).toMatchObject({
      pipeline: 'sales',
      step: 'ingestion',
      output: 'orders',
      path: 'orders/{run_id}/',
      format: 'parquet',
    });
  });

  it('reads a glob in the location as its folder, and says so', () => {
    // Arrange
    const text = odcs([{ name: 'id', logicalType: 'string' }]).replace(
      'orders/{run_id}/',
      'orders/{run_id}/*.parquet',
    );

    // Act
    const { contract, warnings } = loadContract(text, 'orders.odcs.yaml');

    // Assess
    expect(contract.path).toBe('orders/{run_id}/');
    expect(warnings.find((w) => w.feature === 'glob')!.message).toContain("'*.parquet'");
  });

  it('reports the parts of the document prt does not use, with their lines', () => {
    // Arrange
    const text = odcs([{ name: 'id', logicalType: 'string', businessName: 'Identifier', tags: ['uid'] }], {
      root: { slaProperties: [{ property: 'latency', value: 4, unit: 'd' }], tenant: 'acme' },
    });

    // Act
    const { warnings } = loadContract(text, 'orders.odcs.yaml');

    // Assess
    expect(warnings.map((w) => [w.path, w.feature])).toEqual([
      ['servers[0].location', 'bucket'],
      ['schema[0].properties[0].businessName', 'businessName'],
      ['schema[0].properties[0].tags', 'tags'],
      ['slaProperties[0]', 'slaProperties.latency'],
      ['tenant', 'tenant'],
    ]);
    const lines = text.split('\n');
    // A warning points at the key's value: on the key's line, or the line after it for a block list.
    for (const w of warnings) {
      const key = w.path
        .split('.')
        .at(-1)!
        .replace(/\[\d+\]$/, '');
      expect(lines.slice(w.line! - 2, w.line).join('\n')).toContain(key);
    }
  });

  it.each([
    [
      'no s3 server',
      {
        root: {
          servers: [{ server: 'pg', type: 'postgres', host: 'h', port: 5432, database: 'd', schema: 's' }],
        },
      },
      /servers: no server of type s3/,
    ],
    ['no domain', { root: { domain: undefined } }, /prt needs a pipeline name/],
    [
      'a format prt cannot read',
      { root: { servers: [{ server: 's', type: 's3', location: 's3://b/k/', format: 'delta' }] } },
      /'delta' is not a format prt reads/,
    ],
  ])('refuses a document with %s', (_what, extra, message) => {
    // Arrange
    const text = odcs([{ name: 'id', logicalType: 'string' }], extra);

    // Act
    const error = failure(text);

    // Assess
    expect(error).toMatch(message);
  });

  it('locates a problem the loader finds in the result at its line in the ODCS document', () => {
    // Arrange
    const text = withChecks({ name: 'bad', metric: 'invalidValues', arguments: { pattern: '(' }, mustBe: 0 });
    const line = text.split('\n').findIndex((l) => l.includes('name: bad')) + 1;

    // Act
    const error = failure(text);

    // Assess
    expect(error).toMatch(
      new RegExp(
        `^orders\\.odcs\\.yaml: line ${line}: schema\\[0\\]\\.properties\\[0\\]\\.quality\\[0\\] \\(prt quality\\[0\\]\\.value\\): `,
      ),
    );
  });

  it('asks which object to read when there are several, and reads the one chosen', () => {
    // Arrange
    const text = stringify({
      apiVersion: 'v3.0.2',
      kind: 'DataContract',
      id: 'x',
      version: '1',
      status: 'active',
      schema: [
        { name: 'a', properties: [{ name: 'id', logicalType: 'string' }] },
        { name: 'b', properties: [{ name: 'n', logicalType: 'integer' }] },
      ],
    });

    // Act
    const error = failure(text);
    const chosen = importOdcsContract(text, 'x.odcs.yaml', {
      object: 'b',
      pipeline: 'p',
      step: 's',
      path: 'k/',
    });

    // Assess
    expect(error).toMatch(/schema: has 2 objects \(a, b\); a prt contract describes one output/);
    expect(chosen.contract).toMatchObject({ pipeline: 'p', step: 's', output: 'b', path: 'k/' });
    expect(chosen.warnings.map((w) => w.feature)).toEqual(['object a', 'format']);
  });
});
