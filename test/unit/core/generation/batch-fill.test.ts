/**
 * Batch fills (ColumnPlan.fill) against the per-cell path they replace: the same plan written with
 * its fills and with them taken away gives the same bytes, in every format, for fixed schemas and
 * for seeded random ones over every column type and generator kind, nulls, uniqueness, violations
 * and row counts around the batch size.
 */
import { describe, expect, it } from 'vitest';
import type {
  CsvOptions,
  DataFormat,
  OutputContract,
} from '../../../../lambdas/core/contracts/output-contract';
import { BufferSink } from '../../../../lambdas/core/formats/byte-io';
import { planTable, type PlanOptions, type TablePlan } from '../../../../lambdas/core/generation/table-plan';
import { writeGeneratedTable } from '../../../../lambdas/core/generation/write-generated-table';
import { contractOf } from '../../../fixtures/generation-fixtures';
import { seededRandom } from '../../../fixtures/seeded-random';

/** The plan without its fills: every column through its cell function (the reference path). */
function perCell(plan: TablePlan): TablePlan {
  return { ...plan, columns: plan.columns.map(({ fill: _fill, ...column }) => column) };
}

async function written(plan: TablePlan, format: DataFormat, csv?: CsvOptions): Promise<Uint8Array> {
  const sink = new BufferSink('generated');
  await writeGeneratedTable(plan, sink, { format, ...(csv ? { csv } : {}) });
  return sink.bytes();
}

/** '' when the plan's fills and its cell functions write the same bytes, else what differed. */
async function mismatch(
  contract: OutputContract,
  options: PlanOptions,
  format: DataFormat,
  csv?: CsvOptions,
): Promise<string> {
  const plan = planTable(contract, options);
  const filled = Buffer.from(await written(plan, format, csv));
  const reference = Buffer.from(await written(perCell(plan), format, csv));
  if (filled.equals(reference)) return '';
  return `${format} ${JSON.stringify(options)}: ${filled.length} bytes against ${reference.length}`;
}

const ORDERS = contractOf(`schema:
  - { name: id, type: int64, nullable: false, unique: true }
  - { name: customer_id, type: int64, nullable: false, range: [1, 100000] }
  - { name: amount, type: 'decimal(10,2)', nullable: false, range: ['1.00', '5000.00'], generate: { distribution: lognormal, mu: 4, sigma: 0.8 } }
  - { name: ordered_at, type: timestamp, unit: us, nullable: false, range: ['2024-01-01T00:00:00Z', '2024-12-31T23:59:59Z'] }
  - { name: email, type: string, nullable: false, generate: { kind: email } }
  - { name: category, type: string, nullable: false, allowed: [books, games, garden, food, toys], generate: { weights: [5, 3, 1, 8, 2] } }
`);

/** Column templates: every column type and generator kind, with and without a fill. */
const COLUMNS: readonly ((name: string) => string)[] = [
  (n) => `{ name: ${n}, type: int64, nullable: false, unique: true }`,
  (n) => `{ name: ${n}, type: int64, nullable: false, range: [1, 100000] }`,
  (n) => `{ name: ${n}, type: int64, nullable: false, range: [-9007199254740000, 9007199254740000] }`,
  (n) =>
    `{ name: ${n}, type: int64, nullable: false, range: [0, 1000], generate: { distribution: exponential, mean: 50 } }`,
  (n) => `{ name: ${n}, type: int64, nullable: false, generate: { kind: sequence, start: 100, step: 3 } }`,
  (n) => `{ name: ${n}, type: int32, nullable: false, range: [-50, 50] }`,
  (n) => `{ name: ${n}, type: int32, nullable: false, range: [0, 1000000], unique: true }`,
  (n) =>
    `{ name: ${n}, type: int32, nullable: false, range: [0, 40], generate: { distribution: poisson, mean: 4 } }`,
  (n) =>
    `{ name: ${n}, type: 'decimal(10,2)', nullable: false, range: ['1.00', '5000.00'], generate: { distribution: lognormal, mu: 4, sigma: 0.8 } }`,
  (n) =>
    `{ name: ${n}, type: 'decimal(12,3)', nullable: false, range: ['-1', '1'], generate: { distribution: normal, mean: 0, std: 0.2 } }`,
  (n) =>
    `{ name: ${n}, type: 'decimal(12,3)', nullable: false, range: ['0', '1'], generate: { distribution: normal, mean: 50, std: 1 } }`,
  (n) => `{ name: ${n}, type: 'decimal(38,4)', nullable: false, range: ['-5', '5'] }`,
  (n) => `{ name: ${n}, type: 'decimal(38,0)', nullable: false }`,
  (n) => `{ name: ${n}, type: 'decimal(18,2)', nullable: false, range: ['0', '1000'], unique: true }`,
  (n) =>
    `{ name: ${n}, type: timestamp, unit: us, nullable: false, range: ['2024-01-01T00:00:00Z', '2024-12-31T23:59:59Z'] }`,
  (n) =>
    `{ name: ${n}, type: timestamp, unit: ms, nullable: false, range: ['1970-01-01T00:00:00Z', '1970-01-01T00:00:00.500Z'] }`,
  (n) =>
    `{ name: ${n}, type: timestamp, unit: ns, nullable: false, range: ['2024-01-01T00:00:00Z', '2024-01-01T00:00:00.000001Z'] }`,
  (n) =>
    `{ name: ${n}, type: timestamp, unit: ns, nullable: false, range: ['2024-01-01T00:00:00Z', '2024-03-01T00:00:00Z'], unique: true }`,
  (n) =>
    `{ name: ${n}, type: timestamp, nullable: false, generate: { kind: sequence, start: '2024-01-01T00:00:00Z', step: 60 } }`,
  (n) => `{ name: ${n}, type: date, nullable: false, range: ['2024-01-01', '2024-12-31'] }`,
  (n) => `{ name: ${n}, type: float64, nullable: false, range: [0, 1] }`,
  (n) =>
    `{ name: ${n}, type: float64, nullable: false, generate: { distribution: normal, mean: 10, std: 3 } }`,
  (n) => `{ name: ${n}, type: float32, nullable: false, range: [0, 1000], unique: true }`,
  (n) => `{ name: ${n}, type: float32, nullable: false, range: [-1, 1], generate: { decimals: 3 } }`,
  (n) => `{ name: ${n}, type: boolean, nullable: false }`,
  (n) =>
    `{ name: ${n}, type: string, nullable: false, allowed: [books, games, garden, food, toys], generate: { weights: [5, 3, 0, 8, 2] } }`,
  (n) => `{ name: ${n}, type: string, nullable: false, allowed: ['a,b', 'say "hi"', ' x', 'ü', ''] }`,
  (n) => `{ name: ${n}, type: string, nullable: false, generate: { kind: email } }`,
  (n) => `{ name: ${n}, type: string, nullable: false, generate: { kind: city } }`,
  (n) => `{ name: ${n}, type: string, nullable: false, unique: true, generate: { kind: email } }`,
  (n) => `{ name: ${n}, type: string, nullable: false, pattern: '[A-Z]{2}-[0-9]{3}' }`,
  (n) => `{ name: ${n}, type: string, nullable: false, length: [2, 6] }`,
  (n) => `{ name: ${n}, type: int64, nullable: true, range: [1, 100], generate: { null_rate: 0.3 } }`,
  (n) => `{ name: ${n}, type: string, nullable: true, generate: { kind: email, null_rate: 0.2 } }`,
  (n) => `{ name: ${n}, type: float64, nullable: true, range: [0, 1] }`,
];

const FORMATS: readonly DataFormat[] = ['csv', 'parquet', 'jsonl', 'json', 'arrow'];

describe('batch fills', () => {
  it('fill every column of the orders schema', () => {
    // Act
    const plan = planTable(ORDERS, { rows: 10, seed: 42 });
    // Assert: the comparisons below test the fills, not a plan that has none.
    expect(plan.columns.map((c) => c.fill?.kind)).toEqual([
      'numbers',
      'numbers',
      'numbers',
      'numbers',
      'indices',
      'indices',
    ]);
  });

  it.each(FORMATS)(
    'write the orders schema as the cells do, in %s, around the batch size',
    async (format) => {
      // Act
      const differ: string[] = [];
      for (const rows of [0, 1, 8191, 8192, 8193, 20000])
        differ.push(await mismatch(ORDERS, { rows, seed: 42 }, format));
      // Assert
      expect(differ.filter(Boolean)).toEqual([]);
    },
  );

  it.each<[string, CsvOptions]>([
    ['semicolon', { delimiter: ';', header: true }],
    ['tab, no header', { delimiter: '\t', header: false }],
    ['a letter the texts hold', { delimiter: 'e', header: true }],
    ["a digit and a quote of '", { delimiter: '0', header: true, quote: "'" }],
  ])('write the orders schema as the cells do under a CSV dialect: %s', async (_name, csv) => {
    // Act
    const differ = await mismatch(ORDERS, { rows: 9000, seed: 7 }, 'csv', csv);
    // Assert
    expect(differ).toBe('');
  });

  it('fill columns with a null layer, and write them as the cells do in every format', async () => {
    // Arrange: every fill kind with nulls, one of them read by a rule (its first row is never null).
    const contract = contractOf(`schema:
  - { name: a, type: int64, nullable: true, range: [1, 1000], generate: { null_rate: 0.3 } }
  - { name: b, type: int32, nullable: true, range: [-5, 5], generate: { null_rate: 0.5 } }
  - { name: c, type: 'decimal(10,2)', nullable: true, range: ['1', '500'], generate: { distribution: lognormal, mu: 3, sigma: 1, null_rate: 0.1 } }
  - { name: d, type: timestamp, unit: us, nullable: true, range: ['2024-01-01T00:00:00Z', '2024-02-01T00:00:00Z'], generate: { null_rate: 0.9 } }
  - { name: e, type: float32, nullable: true, range: [0, 1], generate: { null_rate: 0.2 } }
  - { name: f, type: string, nullable: true, allowed: [x, y, z], generate: { null_rate: 0.4 } }
  - { name: g, type: string, nullable: true, generate: { kind: email, null_rate: 0.05 } }
  - { name: h, type: int64, nullable: true, unique: true, generate: { null_rate: 0.2 } }
quality:
  - { name: a_small, field: a, condition: less_than, value: 2000, threshold: 1 }
`);
    const options = { rows: 20000, seed: 5 };
    // Act
    const plan = planTable(contract, options);
    const differ: string[] = [];
    for (const format of FORMATS) differ.push(await mismatch(contract, options, format));
    // Assert
    expect(plan.columns.map((c) => c.fill?.isNull !== undefined)).toEqual(Array(8).fill(true));
    expect(differ.filter(Boolean)).toEqual([]);
  });

  it('leave the cell path to columns with violations, and write them the same', async () => {
    // Arrange
    const contract = contractOf(`schema:
  - { name: id, type: int64, nullable: false, unique: true }
  - { name: n, type: int64, nullable: false, range: [1, 1000] }
  - { name: amount, type: 'decimal(10,2)', nullable: true, range: ['1.00', '5000.00'] }
  - { name: kind, type: string, nullable: false, allowed: [a, b, c] }
`);
    const options = {
      rows: 9000,
      seed: 3,
      violations: [
        { target: 'n.range', rate: 0.1 },
        { target: 'id.unique', rate: 0.05 },
        { target: 'kind.allowed', rate: 0.2 },
        { target: 'amount.not_null', rate: 0.1 },
      ],
    };
    // Act
    const plan = planTable(contract, options);
    // Assert
    expect(plan.columns.map((c) => c.fill?.kind)).toEqual([undefined, undefined, undefined, undefined]);
    const differ: string[] = [];
    for (const format of FORMATS) differ.push(await mismatch(contract, options, format));
    expect(differ.filter(Boolean)).toEqual([]);
  });

  it('write seeded random schemas as the cells do (every column kind, nulls, violations, row counts)', async () => {
    const random = seededRandom(20261207);
    let filledColumns = 0;
    const differ: string[] = [];
    for (let trial = 0; trial < 40; trial++) {
      // Arrange
      const width = 1 + Math.floor(random() * 6);
      const picked = Array.from({ length: width }, () => Math.floor(random() * COLUMNS.length));
      const lines = picked.map((k, i) => `  - ${COLUMNS[k]!(`c${i}`)}`);
      const contract = contractOf(`schema:\n${lines.join('\n')}\n`);
      const draw = random();
      const rows = draw < 0.1 ? 0 : draw < 0.2 ? 1 : 2 + Math.floor(random() * 18000);
      const victim = Math.floor(random() * width);
      const format = FORMATS[trial % FORMATS.length]!;
      // Arrow refuses a null in a non-nullable column, so it takes no not_null violation.
      const violations =
        rows > 10 && random() < 0.3 && (format !== 'arrow' || picked[victim] === 0)
          ? [{ target: `c${victim}.${picked[victim] === 0 ? 'unique' : 'not_null'}`, rate: 0.1 }]
          : [];
      const options = { rows, seed: Math.floor(random() * 1000), violations };
      // Act
      const plan = planTable(contract, options);
      filledColumns += plan.columns.filter((c) => c.fill !== undefined).length;
      differ.push(await mismatch(contract, options, format));
    }
    // Assert
    expect(differ.filter(Boolean)).toEqual([]);
    expect(filledColumns).toBeGreaterThan(40);
  });
});
