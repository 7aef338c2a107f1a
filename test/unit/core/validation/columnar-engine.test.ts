/**
 * The columnar engine (ValidationState.addColumns) against the row engine it replaces (addRows),
 * side by side over the same batches: the merged state, the report and every failed row must be
 * the same. Cells are drawn from pools of the shapes that take each fast path and of those that
 * must fall back to the codec (signs, spaces, exponents, long digit runs, zones, bad dates).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import fc from 'fast-check';
import type { SchemaElement } from 'hyparquet';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';

import type {
  ColumnSpec,
  OutputContract,
  QualityRule,
} from '../../../../lambdas/core/contracts/output-contract';
import { readCsvColumns } from '../../../../lambdas/core/formats/csv-column-reader';
import { readCsv } from '../../../../lambdas/core/formats/csv-reader';
import type { RecordBatch } from '../../../../lambdas/core/formats/record-batch';
import { readParquetColumns } from '../../../../lambdas/core/formats/parquet-column-reader';
import { parquetSchemaOf, readParquet } from '../../../../lambdas/core/formats/parquet-reader';
import { createParquetWriter } from '../../../../lambdas/core/formats/parquet-writer';
import { EDGE_ROWS, EVERY_TYPE, sourceOf, writeTable } from '../../../fixtures/parquet-arrow-tables';
import { textColumnBatchOf } from '../../../fixtures/text-column-batches';
import { seededRandom } from '../../../fixtures/seeded-random';
import { ValidationState } from '../../../../lambdas/core/validation/validate-records';
import { numberBounds } from '../../../../lambdas/core/validation/row-checks';
import type { FailedRow } from '../../../../lambdas/core/validation/validation-report';

const FIXTURES = path.resolve(import.meta.dirname, '../../../fixtures/parquet');
const DUCKDB_FILES = readdirSync(FIXTURES).filter((f) => f.endsWith('.parquet'));

const INTEGERS = [
  '0',
  '-0',
  '+7',
  '12',
  '007',
  '-42',
  '999999999999999',
  '1234567890123456',
  '9007199254740993',
  '-9223372036854775808',
  '9223372036854775808',
  '2147483647',
  '2147483648',
  '-2147483649',
  ' 5',
  '5 ',
  '1.0',
  '1e3',
  'x',
  '',
  '٣',
];
const FLOATS = [
  '0',
  '-0',
  '0.0',
  '-0.0',
  '1.5',
  '12.50',
  '00012.50',
  '0.1',
  '0.30000000000000004',
  '123456789012345',
  '1234567890123456',
  '1.7976931348623157e308',
  '1e400',
  '.5',
  '5.',
  '-.5',
  'NaN',
  'inf',
  '-Infinity',
  ' 2.5',
  '3.4028235677973366e38',
  '1e-7',
  '9999.99',
  '10000',
  'abc',
  '',
  '1.2.3',
  '-',
];
const TIMESTAMPS = [
  '2024-01-02T03:04:05Z',
  '2024-01-02T03:04:05',
  '2024-01-02 03:04:05.123456Z',
  '2024-01-02T03:04:05.123456789Z',
  '2024-01-02T03:04:05.1234567891Z',
  '2024-02-29T00:00:00Z',
  '2023-02-29T00:00:00Z',
  '0001-01-01T00:00:00Z',
  '9999-12-31T23:59:59.999999Z',
  '2024-01-02T03:04:05+02:00',
  '2024-01-02T03:04:05z',
  '2024-01-02',
  '2024-01-02T24:00:00Z',
  '2024-01-02T03:04:05,5Z',
  'yesterday',
  '',
  ' 2024-01-02T03:04:05Z',
];
const STRINGS = [
  'a',
  'alice@example.com',
  'bob@example',
  '',
  'Ünïcödé',
  '😀 emoji',
  'x'.repeat(70),
  'ab"c',
  '12',
  'A-1',
  'a,b',
  'line\nbreak',
];
const DATES = ['2024-01-02', '2024-02-30', '0001-01-01', ' 2024-01-02', 'x', ''];
const BOOLEANS = ['true', 'FALSE', '1', '0', 'yes', ' true', ''];
const DECIMALS = ['1.00', '12.5', '-0.01', '123456789.12', '1e2', '0.001', 'x', ''];

const COLUMN_KINDS: readonly { spec: Omit<ColumnSpec, 'name' | 'nullable'>; pool: readonly string[] }[] = [
  { spec: { type: 'int64' }, pool: INTEGERS },
  { spec: { type: 'int32' }, pool: INTEGERS },
  { spec: { type: 'int32', physical: 'int8' }, pool: [...INTEGERS, '127', '128', '-129'] },
  { spec: { type: 'float64' }, pool: FLOATS },
  { spec: { type: 'float32' }, pool: FLOATS },
  { spec: { type: 'timestamp', unit: 'us' }, pool: TIMESTAMPS },
  { spec: { type: 'timestamp', unit: 'ns' }, pool: TIMESTAMPS },
  { spec: { type: 'timestamp', unit: 'ms', zone: 'naive' }, pool: TIMESTAMPS },
  { spec: { type: 'timestamp', unit: 'ms', zone: '+05:30' }, pool: TIMESTAMPS },
  { spec: { type: 'string' }, pool: STRINGS },
  { spec: { type: 'date' }, pool: DATES },
  { spec: { type: 'boolean' }, pool: BOOLEANS },
  { spec: { type: 'decimal', precision: 10, scale: 2 }, pool: DECIMALS },
];

function rulesFor(
  name: string,
  spec: Omit<ColumnSpec, 'name' | 'nullable'>,
  k: number,
  valueRules: boolean,
): QualityRule[] {
  const rule = (
    suffix: string,
    condition: QualityRule['condition'],
    severity: 'error' | 'warn' = 'error',
  ): QualityRule => ({
    name: `${name}_${suffix}`,
    type: 'validity',
    field: name,
    condition,
    threshold: 0.5,
    severity,
  });
  const rules = [
    rule('present', { kind: 'not_null' }, k % 2 ? 'warn' : 'error'),
    rule('typed', { kind: 'type_conforms' }),
  ];
  if (!valueRules) return rules;
  if (['int64', 'int32', 'float64', 'float32', 'decimal'].includes(spec.type)) {
    rules.push(
      rule('positive', { kind: 'greater_than', value: 0 }),
      rule('band', { kind: 'between', min: -1, max: 100 }),
    );
    rules.push(rule('some', { kind: 'in_set', values: [0, 12, 1.5] }, 'warn'));
  }
  if (spec.type === 'string') {
    rules.push(
      rule('email', { kind: 'format', format: 'email' }),
      rule('short', { kind: 'length_between', min: 1, max: 5 }),
    );
    rules.push(rule('shape', { kind: 'matches', pattern: '^[a-z]+$' }, 'warn'));
  }
  rules.push(rule('unique', { kind: 'unique', fields: [name] }));
  return rules;
}

const columnArb = fc.record({
  kind: fc.nat({ max: COLUMN_KINDS.length - 1 }),
  nullable: fc.boolean(),
  unique: fc.boolean(),
  range: fc.boolean(),
});

const caseArb = fc.array(columnArb, { minLength: 1, maxLength: 4 }).chain((columns) =>
  fc.record({
    columns: fc.constant(columns),
    rows: fc.array(
      fc.tuple(
        ...columns.map((c) => fc.oneof(fc.constant(null), fc.constantFrom(...COLUMN_KINDS[c.kind]!.pool))),
      ),
      { maxLength: 40 },
    ),
    batchSize: fc.integer({ min: 1, max: 17 }),
    extra: fc.boolean(),
    // Without value rules, text is measured from its bytes; small bounds switch to HyperLogLog.
    valueRules: fc.boolean(),
    exactDistinctBound: fc.constantFrom(2, 5, 10_000),
  }),
);

function contractOf(
  columns: readonly { kind: number; nullable: boolean; unique: boolean; range: boolean }[],
  valueRules = true,
): OutputContract {
  const schema: ColumnSpec[] = columns.map((c, i) => {
    const spec = COLUMN_KINDS[c.kind]!.spec;
    const numeric = ['int64', 'int32', 'float64', 'float32'].includes(spec.type);
    return {
      name: `c${i}`,
      ...spec,
      nullable: c.nullable,
      ...(c.unique ? { unique: true } : {}),
      ...(c.range && numeric ? { range: [0, 1000] as const } : {}),
      ...(c.range && spec.type === 'string' ? { length: [1, 8] as const, pattern: '[a-z@.]+' } : {}),
    };
  });
  const multi: QualityRule[] =
    columns.length > 1 && valueRules
      ? [
          {
            name: 'pair_unique',
            type: 'uniqueness',
            condition: { kind: 'unique', fields: ['c0', 'c1'] },
            threshold: 0.5,
            severity: 'error',
          },
        ]
      : [];
  return {
    pipeline: 'p',
    step: 's',
    output: 'o',
    path: 'p/{run_id}/s/o/',
    format: 'csv',
    csv: { delimiter: ',', header: true },
    compatibility: 'compatible',
    inputs: [],
    allowExtraColumns: false,
    schema,
    quality: [
      ...schema.flatMap((c, i) => rulesFor(c.name, COLUMN_KINDS[columns[i]!.kind]!.spec, i, valueRules)),
      ...multi,
    ],
  };
}

async function runBoth(
  contract: OutputContract,
  batches: readonly RecordBatch[],
  exactDistinctBound = 10_000,
) {
  const failedRows: FailedRow[] = [];
  const failedColumns: FailedRow[] = [];
  const rows = new ValidationState(contract, {
    onFailedRow: (row) => void failedRows.push(row),
    now: () => new Date(0),
    exactDistinctBound,
  });
  const columns = new ValidationState(contract, {
    onFailedRow: (row) => void failedColumns.push(row),
    now: () => new Date(0),
    exactDistinctBound,
  });
  for (const batch of batches) {
    await rows.addRows(batch);
    await columns.addColumns(textColumnBatchOf(batch));
  }
  return { rows, columns, failedRows, failedColumns };
}

describe('the columnar engine', () => {
  it('builds the state, report and failed rows of the row engine, whatever the cells', async () => {
    await fc.assert(
      fc.asyncProperty(
        caseArb,
        async ({ columns, rows, batchSize, extra, valueRules, exactDistinctBound }) => {
          const contract = contractOf(columns, valueRules);
          const names = [...contract.schema.map((c) => c.name), ...(extra ? ['extra'] : [])];
          const cells = rows.map((row) => [...row, ...(extra ? ['x'] : [])]);
          const batches: RecordBatch[] = [];
          for (let i = 0; i < Math.max(1, cells.length); i += batchSize)
            batches.push({ columns: names, rows: cells.slice(i, i + batchSize), firstRow: i + 1 });
          const {
            rows: a,
            columns: b,
            failedRows,
            failedColumns,
          } = await runBoth(contract, batches, exactDistinctBound);
          expect(JSON.stringify(b.toJSON())).toBe(JSON.stringify(a.toJSON()));
          expect(b.finish()).toEqual(a.finish());
          expect(failedColumns).toEqual(failedRows);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('builds the row engine’s state, report and failed rows over batches that shrink and grow', async () => {
    await fc.assert(
      fc.asyncProperty(
        caseArb,
        fc.array(fc.integer({ min: 1, max: 17 }), { minLength: 2, maxLength: 4 }),
        async ({ columns, rows, extra, valueRules, exactDistinctBound }, sizes) => {
          // Arrange: batch lengths cycle through `sizes`, so a batch is often shorter than the one
          // before it (its typed values go into the longer arrays kept from that one)
          const contract = contractOf(columns, valueRules);
          const names = [...contract.schema.map((c) => c.name), ...(extra ? ['extra'] : [])];
          const cells = rows.map((row) => [...row, ...(extra ? ['x'] : [])]);
          const batches: RecordBatch[] = [];
          for (let i = 0, k = 0; i < Math.max(1, cells.length); i += sizes[k++ % sizes.length]!) {
            const size = sizes[k % sizes.length]!;
            batches.push({ columns: names, rows: cells.slice(i, i + size), firstRow: i + 1 });
          }

          // Act
          const {
            rows: a,
            columns: b,
            failedRows,
            failedColumns,
          } = await runBoth(contract, batches, exactDistinctBound);

          // Assert
          expect(JSON.stringify(b.toJSON())).toBe(JSON.stringify(a.toJSON()));
          expect(b.finish()).toEqual(a.finish());
          expect(failedColumns).toEqual(failedRows);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('judges a short batch after a longer failing one by its own cells only', async () => {
    // Arrange: the first batch fails every check on every row (a null and a bad cell in the
    // non-nullable int64 column, values outside the rules, a duplicate); in the shorter batch after
    // it row 5 passes them all and row 6 fails only the float column's not_null and c0's
    // uniqueness (its null is not judged by the value rules), so any finding or outcome left from
    // the first batch would add to what they broke
    const contract = contractOf([
      { kind: 0, nullable: false, unique: true, range: true },
      { kind: 3, nullable: true, unique: false, range: true },
    ]);
    const batches: RecordBatch[] = [
      {
        columns: ['c0', 'c1'],
        rows: [
          [null, '-5'],
          ['x', 'NaN'],
          ['9007199254740993', '-Infinity'],
          ['9007199254740993', '1e9'],
        ],
        firstRow: 1,
      },
      {
        columns: ['c0', 'c1'],
        rows: [
          ['12', '1.5'],
          ['12', null],
        ],
        firstRow: 5,
      },
    ];

    // Act
    const { rows: a, columns: b, failedRows, failedColumns } = await runBoth(contract, batches);

    // Assert
    expect(JSON.stringify(b.toJSON())).toBe(JSON.stringify(a.toJSON()));
    expect(b.finish()).toEqual(a.finish());
    expect(failedColumns).toEqual(failedRows);
    expect(failedColumns.map((r) => [r.row, r.broke])).toEqual([
      ...failedRows.slice(0, 4).map((r) => [r.row, r.broke]),
      [6, ['c0.unique', 'c0_unique', 'c1_present']],
    ]);
  });

  it('gives the row engine’s result over batch lengths drawn from a seed (property)', async () => {
    // Arrange: a fixed seed, so every run draws the same cases; lengths include empty batches and
    // fall and rise, so the engine's findings and outcomes are kept from longer batches
    const random = seededRandom(20261207);
    const draw = (k: number): number => Math.floor(random() * k);
    for (let run = 0; run < 150; run++) {
      const columns = Array.from({ length: 1 + draw(4) }, () => ({
        kind: draw(COLUMN_KINDS.length),
        nullable: random() < 0.5,
        unique: random() < 0.5,
        range: random() < 0.5,
      }));
      const contract = contractOf(columns, random() < 0.8);
      const names = contract.schema.map((c) => c.name);
      const cells = Array.from({ length: draw(60) }, () =>
        columns.map((c) => {
          const pool = COLUMN_KINDS[c.kind]!.pool;
          return random() < 0.15 ? null : pool[draw(pool.length)]!;
        }),
      );
      const batches: RecordBatch[] = [];
      let at = 0;
      do {
        const size = draw(18);
        batches.push({ columns: names, rows: cells.slice(at, at + size), firstRow: at + 1 });
        at += size;
      } while (at < cells.length);

      // Act
      const { rows: a, columns: b, failedRows, failedColumns } = await runBoth(contract, batches);

      // Assert
      expect(JSON.stringify(b.toJSON())).toBe(JSON.stringify(a.toJSON()));
      expect(b.finish()).toEqual(a.finish());
      expect(failedColumns).toEqual(failedRows);
    }
  });

  it('treats a column missing from one batch as nulls, as the row engine does', async () => {
    const contract = contractOf([
      { kind: 0, nullable: false, unique: true, range: true },
      { kind: 9, nullable: true, unique: false, range: false },
    ]);
    const batches: RecordBatch[] = [
      {
        columns: ['c0', 'c1'],
        rows: [
          ['1', 'a'],
          ['2', null],
        ],
        firstRow: 1,
      },
      { columns: ['c1'], rows: [['b'], ['c']], firstRow: 3 },
    ];
    const { rows: a, columns: b, failedRows, failedColumns } = await runBoth(contract, batches);
    expect(b.toJSON()).toEqual(a.toJSON());
    expect(failedColumns).toEqual(failedRows);
    expect(
      failedColumns.filter((r) => r.broke.includes('c0: null in a non-nullable column')).map((r) => r.row),
    ).toEqual([3, 4]);
  });

  it('keeps raw cells of typed readers (numbers, bigints, booleans) on the codec path', async () => {
    const contract = contractOf([
      { kind: 0, nullable: true, unique: false, range: true },
      { kind: 3, nullable: true, unique: false, range: true },
      { kind: 11, nullable: true, unique: false, range: false },
      { kind: 9, nullable: false, unique: true, range: true },
    ]);
    const batches: RecordBatch[] = [
      {
        columns: ['c0', 'c1', 'c2', 'c3'],
        rows: [
          [1, 1.5, true, 'abc'],
          [9007199254740993n, -0, false, 7],
          [2.5, Number.NaN, 'true', 'Zoë 😀'],
          [null, null, null, null],
          [3, 2, true, 'abc'],
          [4, 3, false, false],
        ],
        firstRow: 1,
      },
    ];
    const { rows: a, columns: b, failedRows, failedColumns } = await runBoth(contract, batches);
    expect(b.toJSON()).toEqual(a.toJSON());
    expect(b.finish()).toEqual(a.finish());
    expect(failedColumns).toEqual(failedRows);
    expect(failedColumns.length).toBeGreaterThan(0);
  });
});

describe('the columnar engine’s comparison rules on number columns', () => {
  const BOUNDS = [
    0,
    -0,
    0.1,
    0.5,
    -1,
    12,
    1.5,
    2 ** 53,
    2 ** 53 + 2, // the double after 2^53
    1e308,
    3.4028235677973366e38,
    1e39,
    Infinity,
    -Infinity,
    NaN,
  ];
  const comparisons = (field: string): QualityRule[] =>
    BOUNDS.flatMap((b, k) => [
      ...(['greater_than', 'greater_or_equal', 'less_than', 'less_or_equal'] as const).map(
        (kind): QualityRule => ({
          name: `${field}_${kind}_${k}`,
          type: 'validity',
          field,
          condition: { kind, value: b },
          threshold: 0.5,
          severity: k % 2 ? 'warn' : 'error',
        }),
      ),
      {
        name: `${field}_between_${k}`,
        type: 'validity',
        field,
        condition: { kind: 'between', min: b, max: BOUNDS[(k + 3) % BOUNDS.length]! },
        threshold: 0.5,
        severity: 'error',
      },
    ]);

  for (const type of ['int32', 'int64', 'float32', 'float64'] as const) {
    it(`judges each ${type} value against every bound as the row engine does`, async () => {
      // Arrange: the pool's edges (NaN, ±Infinity, -0, int64 past 2^53, float32's limits, cells that
      // do not conform) against bounds at the same edges, a NaN bound among them
      const pool = type.startsWith('int') ? INTEGERS : FLOATS;
      const contract: OutputContract = {
        ...contractOf(
          [
            {
              kind: type === 'int64' ? 0 : type === 'int32' ? 1 : type === 'float64' ? 3 : 4,
              nullable: true,
              unique: false,
              range: false,
            },
          ],
          false,
        ),
        quality: comparisons('c0'),
      };
      const cells = [...pool, null, ...pool.slice().reverse()];
      const batches: RecordBatch[] = [];
      for (let i = 0; i < cells.length; i += 7)
        batches.push({ columns: ['c0'], rows: cells.slice(i, i + 7).map((c) => [c]), firstRow: i + 1 });

      // Act
      const { rows: a, columns: b, failedRows, failedColumns } = await runBoth(contract, batches);

      // Assert
      expect(JSON.stringify(b.toJSON())).toBe(JSON.stringify(a.toJSON()));
      expect(b.finish()).toEqual(a.finish());
      expect(failedColumns).toEqual(failedRows);
      expect(b.checks.every((c) => c.evaluated > 0)).toBe(true);
    });
  }

  it('gives a number column’s comparison its bounds, and none to a NaN bound or another type', () => {
    // Arrange
    const float32: ColumnSpec = { name: 'x', type: 'float32', nullable: true };
    const text: ColumnSpec = { name: 's', type: 'string', nullable: true };

    // Act
    const above = numberBounds({ kind: 'greater_than', value: 0.1 }, float32);
    const band = numberBounds({ kind: 'between', min: -1, max: 2 }, { ...float32, type: 'int64' });

    // Assert
    expect(above).toEqual({ lo: Math.fround(0.1), loOpen: true, hi: Infinity, hiOpen: false });
    expect(band).toEqual({ lo: -1, loOpen: false, hi: 2, hiOpen: false });
    expect(numberBounds({ kind: 'less_than', value: NaN }, float32)).toBeUndefined();
    expect(numberBounds({ kind: 'less_than', value: 1 }, text)).toBeUndefined();
  });
});

describe('the columnar engine over Parquet column vectors', () => {
  /** A contract over a schema: every column non-nullable with a not_null rule, so nulls are findings. */
  function strictContract(schema: readonly ColumnSpec[]): OutputContract {
    return {
      ...contractOf([]),
      format: 'parquet',
      allowExtraColumns: true,
      schema: schema.map((c) => ({ ...c, nullable: false })),
      quality: schema.map((c) => ({
        name: `${c.name}_present`,
        type: 'completeness' as const,
        field: c.name,
        condition: { kind: 'not_null' as const },
        threshold: 1,
        severity: 'error' as const,
      })),
    };
  }

  async function compare(
    bytes: Uint8Array,
    contract: OutputContract,
    select?: readonly string[],
    stringsAsText = false,
  ) {
    const failedRows: FailedRow[] = [];
    const failedColumns: FailedRow[] = [];
    const rows = new ValidationState(contract, { onFailedRow: (row) => void failedRows.push(row) });
    const columns = new ValidationState(contract, { onFailedRow: (row) => void failedColumns.push(row) });
    for await (const batch of readParquet(sourceOf(bytes))) await rows.addRows(batch);
    const options = { ...(select ? { columns: select, presentOnly: true } : {}), stringsAsText };
    for await (const batch of readParquetColumns(sourceOf(bytes), options)) await columns.addColumns(batch);
    expect(JSON.stringify(columns.toJSON())).toBe(JSON.stringify(rows.toJSON()));
    expect(columns.finish()).toEqual(rows.finish());
    return { failedRows, failedColumns };
  }

  it('gives the row engine’s state, report and failed rows for every type at its edges', async () => {
    const bytes = await writeTable(createParquetWriter, EVERY_TYPE, EDGE_ROWS);
    const { failedRows, failedColumns } = await compare(bytes, strictContract(EVERY_TYPE));
    expect(failedColumns).toEqual(failedRows);
    expect(failedColumns.length).toBeGreaterThan(0);
  });

  it('gives the same result for every DuckDB-written fixture, read whole', async () => {
    for (const file of DUCKDB_FILES) {
      const bytes = new Uint8Array(readFileSync(path.join(FIXTURES, file)));
      const schema = await parquetSchemaOf(sourceOf(bytes));
      const { failedRows, failedColumns } = await compare(bytes, strictContract(schema));
      expect({ file, failed: failedColumns }).toEqual({ file, failed: failedRows });
    }
  });

  it('gives the same result for every DuckDB-written fixture with plain strings as text', async () => {
    for (const file of DUCKDB_FILES) {
      const bytes = new Uint8Array(readFileSync(path.join(FIXTURES, file)));
      const schema = await parquetSchemaOf(sourceOf(bytes));
      const { failedRows, failedColumns } = await compare(bytes, strictContract(schema), undefined, true);
      expect({ file, failed: failedColumns }).toEqual({ file, failed: failedRows });
    }
  });

  it('gives the same result when checks read plain ASCII strings kept as text vectors', async () => {
    // Prepare: plain strings over several pages (nulls, empty strings), typed as strings with
    // value checks and as integers through the codec
    const schema: SchemaElement[] = [
      { name: 'root', num_children: 3 },
      { name: 'id', type: 'INT32', repetition_type: 'REQUIRED' },
      { name: 'label', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
      { name: 'count', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
    ];
    const n = 1200;
    const writer = new ByteWriter();
    const parquet = new ParquetWriter({ writer, schema, codec: 'SNAPPY', statistics: false });
    void parquet.write({
      rowGroupSize: 500,
      pageSize: 1000,
      columnData: [
        { name: 'id', data: Array.from({ length: n }, (_, i) => i) },
        {
          name: 'label',
          data: Array.from({ length: n }, (_, i) =>
            i % 11 === 0 ? null : i % 17 === 0 ? '' : `${'ab'.repeat(i % 4)}${i % 50}`,
          ),
          encoding: 'PLAIN',
        },
        {
          name: 'count',
          data: Array.from({ length: n }, (_, i) =>
            i % 7 === 0 ? null : ['12', '-3', ' 4', '1e3', '12.50', 'x', '', '007'][i % 8]!,
          ),
          encoding: 'PLAIN',
        },
      ],
    });
    void parquet.finish();
    const bytes = writer.getBytes();
    const rule = (name: string, field: string, condition: QualityRule['condition']): QualityRule => ({
      name,
      type: 'validity',
      field,
      condition,
      threshold: 0.5,
      severity: 'warn',
    });
    const contract: OutputContract = {
      ...contractOf([]),
      format: 'parquet',
      schema: [
        { name: 'id', type: 'int32', nullable: false },
        { name: 'label', type: 'string', nullable: true, length: [1, 6], pattern: '[a-z0-9]+' },
        { name: 'count', type: 'int64', nullable: false },
      ],
      quality: [
        rule('label_present', 'label', { kind: 'not_null' }),
        rule('label_shape', 'label', { kind: 'matches', pattern: '^ab' }),
        rule('label_some', 'label', { kind: 'in_set', values: ['ab1', 'abab2', '3'] }),
        rule('label_unique', 'label', { kind: 'unique', fields: ['label'] }),
        rule('count_positive', 'count', { kind: 'greater_than', value: 0 }),
      ],
    };

    // Act
    const { failedRows, failedColumns } = await compare(bytes, contract, undefined, true);
    const kinds = new Set<string>();
    for await (const batch of readParquetColumns(sourceOf(bytes), { stringsAsText: true }))
      for (const v of batch.vectors) kinds.add(v?.kind ?? 'none');

    // Assess
    expect(kinds).toContain('text');
    expect(failedColumns).toEqual(failedRows);
    expect(failedColumns.length).toBeGreaterThan(0);
  });

  it('reads only the contract’s columns and still names the others, with the same state', async () => {
    const bytes = await writeTable(createParquetWriter, EVERY_TYPE, EDGE_ROWS);
    const named = EVERY_TYPE.filter((c) => ['i64', 'ts_us', 'text', 'id'].includes(c.name));
    const contract = strictContract([...named, { name: 'not_in_file', type: 'string', nullable: true }]);
    const select = contract.schema.map((c) => c.name);
    const { failedRows, failedColumns } = await compare(bytes, contract, select);
    // Quarantined rows hold the columns that were read; the row engine's also hold the others.
    const read = new Set(select);
    expect(failedColumns).toEqual(
      failedRows.map((row) => ({
        ...row,
        values: Object.fromEntries(Object.entries(row.values).filter(([name]) => read.has(name))),
      })),
    );
  });
});

describe('the columnar engine over the CSV column reader', () => {
  it('decodes non-ASCII text that arrives after an all-ASCII batch in the same buffer', async () => {
    // The reader appends later chunks to the buffer earlier batches point into: whether a batch is
    // ASCII must be judged on its own cells, or 'é' decodes as latin1 ('Ã©').
    const contract: OutputContract = {
      ...contractOf([]),
      schema: [
        { name: 'id', type: 'int64', nullable: false },
        { name: 'name', type: 'string', nullable: true },
      ],
      quality: [
        {
          name: 'name_shape',
          type: 'validity',
          field: 'name',
          condition: { kind: 'matches', pattern: '^[a-zé]+$' },
          threshold: 1,
          severity: 'error',
        },
      ],
    };
    const lines = ['id,name', ...Array.from({ length: 30 }, (_, i) => `${i},${i < 20 ? 'abc' : 'café'}`)];
    const bytes = new TextEncoder().encode(`${lines.join('\n')}\n`);
    const chunks = async function* (): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < bytes.length; i += 64) {
        await Promise.resolve(); // chunks arrive as from a stream
        yield bytes.subarray(i, i + 64);
      }
    };
    const rows = new ValidationState(contract);
    for await (const batch of readCsv(chunks(), { batchSize: 7 })) await rows.addRows(batch);
    const columns = new ValidationState(contract);
    for await (const batch of readCsvColumns(chunks(), { batchSize: 7 })) await columns.addColumns(batch);
    expect(columns.finish()).toEqual(rows.finish());
    expect(columns.finish().rules.find((r) => r.name === 'name_shape')?.passed).toBe(30);
    expect(columns.finish().profile?.[1]?.max).toBe('café');
  });
  it('decodes a number or timestamp cell that leaves the fast path late in a batch, as the row engine reads it', async () => {
    // Arrange: the decoder of a number or timestamp column is made at its first cell that is not
    // typed from its bytes; those cells come after plain ones, and some are not ASCII.
    const contract: OutputContract = {
      ...contractOf([]),
      schema: [
        { name: 'n', type: 'int64', nullable: false },
        { name: 'x', type: 'float64', nullable: true },
        { name: 't', type: 'timestamp', nullable: false, unit: 'us' },
      ],
    };
    const late = [
      ['٣', '１.５', '2024-01-02T03:04:05+02:00'],
      ['+7', '1e3', '2024-01-02T03:04:05é'],
      ['9007199254740993', 'é', '２024-01-02T03:04:05Z'],
    ];
    const lines = ['n,x,t'];
    for (let i = 0; i < 40; i++) {
      const odd = late[Math.floor(i / 10)];
      lines.push(
        i % 10 === 9 && odd ? odd.join(',') : `${i},${i}.25,2024-01-02T03:04:${String(i).padStart(2, '0')}Z`,
      );
    }
    const bytes = new TextEncoder().encode(`${lines.join('\n')}\n`);
    const chunks = async function* (): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < bytes.length; i += 100) {
        await Promise.resolve();
        yield bytes.subarray(i, i + 100);
      }
    };
    const failedRows: FailedRow[] = [];
    const failedColumns: FailedRow[] = [];

    // Act
    const rows = new ValidationState(contract, { onFailedRow: (row) => void failedRows.push(row) });
    for await (const batch of readCsv(chunks(), { batchSize: 20 })) await rows.addRows(batch);
    const columns = new ValidationState(contract, { onFailedRow: (row) => void failedColumns.push(row) });
    for await (const batch of readCsvColumns(chunks(), { batchSize: 20 })) await columns.addColumns(batch);

    // Assert
    expect(columns.finish()).toEqual(rows.finish());
    expect(failedColumns).toEqual(failedRows);
    expect(failedColumns.map((r) => r.row)).toEqual([10, 20, 30]);
    expect(failedColumns[0]?.values).toEqual({ n: '٣', x: '１.５', t: '2024-01-02T03:04:05+02:00' });
  });
});

describe('the columnar engine over Parquet timestamps', () => {
  const YEAR_10000_US = 253_402_300_800_000_000n; // 10000-01-01T00:00:00, past the four-digit years
  const rows = [
    [0n, 1],
    [1_700_000_000_123_456n, 2],
    [-62_135_596_800_000_000n, 3], // 0001-01-01
    [YEAR_10000_US, 4],
    [-62_167_219_200_000_001n, 5], // just before 0000-01-01
    [null, 6],
  ] as const;

  for (const fileZone of ['UTC', 'naive'] as const) {
    for (const zone of ['UTC', 'naive', '+05:30', undefined]) {
      for (const unit of ['us', 'ms'] as const) {
        it(`gives the row engine's result for a ${fileZone} file read as ${zone ?? 'default'} ${unit}`, async () => {
          const fileSchema: ColumnSpec[] = [
            { name: 'ts', type: 'timestamp', unit: 'us', zone: fileZone, nullable: true },
            { name: 'id', type: 'int64', nullable: false },
          ];
          const bytes = await writeTable(createParquetWriter, fileSchema, rows);
          const contract: OutputContract = {
            ...contractOf([]),
            format: 'parquet',
            schema: [
              { name: 'ts', type: 'timestamp', unit, ...(zone ? { zone } : {}), nullable: false },
              { name: 'id', type: 'int64', nullable: false },
            ],
            quality: [],
          };
          const failedRows: FailedRow[] = [];
          const failedColumns: FailedRow[] = [];
          const a = new ValidationState(contract, { onFailedRow: (row) => void failedRows.push(row) });
          const b = new ValidationState(contract, { onFailedRow: (row) => void failedColumns.push(row) });
          for await (const batch of readParquet(sourceOf(bytes))) await a.addRows(batch);
          for await (const batch of readParquetColumns(sourceOf(bytes))) await b.addColumns(batch);
          expect(JSON.stringify(b.toJSON())).toBe(JSON.stringify(a.toJSON()));
          expect(b.finish()).toEqual(a.finish());
          expect(failedColumns).toEqual(failedRows);
          expect(failedColumns.length).toBeGreaterThan(0);
        });
      }
    }
  }
});

describe('the columnar engine over Parquet dictionaries, strings and numbers', () => {
  // Entries repeat, some are not ASCII (accents, a surrogate pair, CJK), one is empty, one long.
  const TEXTS = ['a', 'b', 'abc', 'alice@example.com', '', 'Zoë', '😀 emoji', '日本語', 'x'.repeat(70)];
  const INT64S = [0n, 1n, -1n, 123n, 2n ** 53n - 1n, 2n ** 53n, -(2n ** 63n), 2n ** 63n - 1n];
  const DOUBLES = [0, -0, 1.5, -2.5, Number.NaN, Infinity, -Infinity, 1e300, 12];
  const INT32S = [0, -1, 7, 12, 2147483647, -2147483648];
  const SCHEMA: SchemaElement[] = [
    { name: 'root', num_children: 5 },
    { name: 'dict', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
    { name: 'plain', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
    { name: 'i64', type: 'INT64', repetition_type: 'OPTIONAL' },
    { name: 'f64', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
    { name: 'i32', type: 'INT32', repetition_type: 'OPTIONAL' },
  ];
  /** The contract's view: i32 is read as int64 (its values are taken as they are). */
  const SPECS: Omit<ColumnSpec, 'nullable'>[] = [
    { name: 'dict', type: 'string' },
    { name: 'plain', type: 'string' },
    { name: 'i64', type: 'int64' },
    { name: 'f64', type: 'float64' },
    { name: 'i32', type: 'int64' },
  ];

  const cell = <T>(pool: readonly T[]) => fc.oneof(fc.constant(null), fc.constantFrom(...pool));
  const tableArb = fc.record({
    rows: fc.array(fc.tuple(cell(TEXTS), cell(TEXTS), cell(INT64S), cell(DOUBLES), cell(INT32S)), {
      maxLength: 120,
    }),
    nullable: fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
    rowGroupSize: fc.integer({ min: 1, max: 60 }),
    pageSize: fc.integer({ min: 16, max: 400 }),
    valueRules: fc.boolean(),
    exactDistinctBound: fc.constantFrom(2, 5, 10_000),
  });

  function fileOf(rows: readonly (readonly unknown[])[], rowGroupSize: number, pageSize: number): Uint8Array {
    const writer = new ByteWriter();
    const parquet = new ParquetWriter({ writer, schema: SCHEMA, codec: 'SNAPPY', statistics: false });
    const data = (k: number): unknown[] => rows.map((row) => row[k] ?? null);
    void parquet.write({
      rowGroupSize,
      pageSize,
      columnData: [
        { name: 'dict', data: data(0), encoding: 'RLE_DICTIONARY' },
        { name: 'plain', data: data(1), encoding: 'PLAIN' },
        { name: 'i64', data: data(2), encoding: 'PLAIN' },
        { name: 'f64', data: data(3), encoding: 'PLAIN' },
        { name: 'i32', data: data(4), encoding: 'PLAIN' },
      ],
    });
    void parquet.finish();
    return writer.getBytes();
  }

  it('gives the row engine’s state, report and failed rows (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        tableArb,
        async ({ rows, nullable, rowGroupSize, pageSize, valueRules, exactDistinctBound }) => {
          const bytes = fileOf(rows, rowGroupSize, pageSize);
          const schema = SPECS.map((c, i) => ({ ...c, nullable: nullable[i]! }));
          const contract: OutputContract = {
            ...contractOf([]),
            format: 'parquet',
            schema,
            quality: schema.flatMap((c, k) => rulesFor(c.name, c, k, valueRules)),
          };
          const failedRows: FailedRow[] = [];
          const failedColumns: FailedRow[] = [];
          const options = { now: () => new Date(0), exactDistinctBound };
          const a = new ValidationState(contract, {
            ...options,
            onFailedRow: (r) => void failedRows.push(r),
          });
          const b = new ValidationState(contract, {
            ...options,
            onFailedRow: (r) => void failedColumns.push(r),
          });
          for await (const batch of readParquet(sourceOf(bytes))) await a.addRows(batch);
          const kinds = new Set<string>();
          for await (const batch of readParquetColumns(sourceOf(bytes))) {
            for (const v of batch.vectors) if (v) kinds.add(v.kind);
            await b.addColumns(batch);
          }
          expect(JSON.stringify(b.toJSON())).toBe(JSON.stringify(a.toJSON()));
          expect(b.finish()).toEqual(a.finish());
          expect(failedColumns).toEqual(failedRows);
          // The vectors the scans under test take (a file without rows has no dictionary page).
          expect([...kinds].sort()).toEqual([
            'cells',
            ...(rows.length > 0 ? ['dictionary'] : []),
            'float64',
            'int32',
            'int64',
          ]);
        },
      ),
      { numRuns: 150 },
    );
  });
});
