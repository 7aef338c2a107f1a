/**
 * The columnar Parquet reader against the row reader: every Parquet file the reader tests use,
 * read both ways, gives the same cells (rawCellOf of each vector against readParquet's cell), and
 * the same errors. Plus what only the columnar reader promises: typed vectors, projection.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';

import fc from 'fast-check';
import { parquetMetadata, type SchemaElement } from 'hyparquet';
import { deserializeTCompactProtocol } from 'hyparquet/src/thrift.js';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';

import type { ColumnSpec } from '../../../../lambdas/core/contracts/output-contract';
import { FormatError } from '../../../../lambdas/core/errors';
import type { ByteSource } from '../../../../lambdas/core/formats/byte-io';
import {
  rawCellOf,
  type ColumnBatch,
  type ColumnVector,
} from '../../../../lambdas/core/formats/column-batch';
import { readParquetColumns } from '../../../../lambdas/core/formats/index';
import { readParquet, type ParquetReadOptions } from '../../../../lambdas/core/formats/parquet-reader';
import { createParquetWriter } from '../../../../lambdas/core/formats/parquet-writer';
import type { RawCell } from '../../../../lambdas/core/formats/record-batch';
import type { ParquetCodec, TypedRow } from '../../../../lambdas/core/formats/table-io';
import {
  blockHeader,
  nullColumnFile,
  ZSTD_MAGIC,
  zstdFile,
  zstdFrame,
} from '../../../fixtures/parquet-bomb-files';
import { nestedFile } from '../../../fixtures/parquet-nested-file';
import {
  EDGE_ROWS,
  EVERY_TYPE,
  readAll,
  sourceOf,
  tableArbitrary,
  writeTable,
} from '../../../fixtures/parquet-arrow-tables';

const FIXTURES = path.resolve(__dirname, '../../../fixtures/parquet');
const DUCKDB_FILES = readdirSync(FIXTURES).filter((f) => f.endsWith('.parquet'));

interface Read {
  readonly columns: readonly string[];
  readonly rows: (readonly RawCell[])[];
  readonly firstRows: number[];
}

/** readParquet's cells, row by row. */
async function rowCells(bytes: Uint8Array, options: ParquetReadOptions = {}): Promise<Read> {
  const batches = await readAll(readParquet(sourceOf(bytes), options));
  return {
    columns: batches[0]!.columns,
    rows: batches.flatMap((b) => b.rows),
    firstRows: batches.map((b) => b.firstRow),
  };
}

async function columnBatches(bytes: Uint8Array, options: ParquetReadOptions = {}): Promise<ColumnBatch[]> {
  const out: ColumnBatch[] = [];
  for await (const batch of readParquetColumns(sourceOf(bytes), options)) out.push(batch);
  return out;
}

/** The columnar reader's cells of `names`, row by row, through rawCellOf. */
function cellsOf(batches: readonly ColumnBatch[], names: readonly string[]): RawCell[][] {
  const rows: RawCell[][] = [];
  for (const batch of batches) {
    const vectors = names.map((name) => batch.vectors[batch.columns.indexOf(name)]!);
    for (let r = 0; r < batch.length; r++) rows.push(vectors.map((v) => rawCellOf(v, r)));
  }
  return rows;
}

/** Reads a file both ways and asserts equal cells; returns the column batches. */
async function expectSameCells(bytes: Uint8Array, options: ParquetReadOptions = {}): Promise<ColumnBatch[]> {
  const expected = await rowCells(bytes, options);
  const { columns: _, ...allColumns } = options;
  const all = (await rowCells(bytes, allColumns)).columns;
  const batches = await columnBatches(bytes, options);
  expect(cellsOf(batches, expected.columns)).toEqual(expected.rows);
  for (const batch of batches) {
    expect(batch.columns).toEqual(all);
    batch.columns.forEach((name, i) => {
      expect(batch.vectors[i] === null).toBe(!expected.columns.includes(name));
    });
  }
  // Row numbers run on from batch to batch.
  let next = 1;
  for (const batch of batches) {
    expect(batch.firstRow).toBe(next);
    next += batch.length;
  }
  return batches;
}

function kinds(batch: ColumnBatch): Record<string, string | null> {
  return Object.fromEntries(batch.columns.map((name, i) => [name, batch.vectors[i]?.kind ?? null]));
}

/** Deterministic pseudo-random numbers (a linear congruential generator). */
function numbers(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) >>> 0;
    return x / 2 ** 32;
  };
}

const ENCODED_SCHEMA: SchemaElement[] = [
  { name: 'root', num_children: 12 },
  { name: 's_dict', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
  { name: 's_plain', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
  { name: 's_delta', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
  { name: 's_lengths', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
  { name: 'i32', type: 'INT32', repetition_type: 'OPTIONAL' },
  { name: 'i64', type: 'INT64', repetition_type: 'OPTIONAL' },
  { name: 'f32', type: 'FLOAT', repetition_type: 'OPTIONAL' },
  { name: 'flag', type: 'BOOLEAN', repetition_type: 'OPTIONAL' },
  {
    name: 'local_ns',
    type: 'INT64',
    repetition_type: 'OPTIONAL',
    logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'NANOS' },
  },
  { name: 'day', type: 'INT32', repetition_type: 'OPTIONAL', converted_type: 'DATE' },
  { name: 'where', repetition_type: 'OPTIONAL', num_children: 2 },
  { name: 'city', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
  { name: 'zip', type: 'INT32', repetition_type: 'REQUIRED' },
  { name: 'u32', type: 'INT32', repetition_type: 'OPTIONAL', converted_type: 'UINT_32' },
];

const ROWS = 2500;
const YEAR_1 = -719162; // 0001-01-01 in days since 1970-01-01
const YEAR_9999 = 2932896; // 9999-12-31

/**
 * A file of every encoding a writer may choose (dictionary, plain, delta, byte stream split, RLE
 * booleans), with nulls, values at the edges, several pages per chunk and several row groups.
 */
function encodedFile(): Uint8Array {
  const random = numbers(7);
  const nullable = <T>(make: (i: number) => T): (T | null)[] =>
    Array.from({ length: ROWS }, (_, i) => (random() < 0.2 ? null : make(i)));
  const writer = new ByteWriter();
  const parquet = new ParquetWriter({ writer, schema: ENCODED_SCHEMA, codec: 'SNAPPY', statistics: false });
  void parquet.write({
    rowGroupSize: 1000,
    pageSize: 2000,
    columnData: [
      { name: 's_dict', data: nullable((i) => `cat ${i % 11} é`), encoding: 'RLE_DICTIONARY' },
      { name: 's_plain', data: nullable((i) => `plain ${i} ${'x'.repeat(i % 5)}`), encoding: 'PLAIN' },
      { name: 's_delta', data: nullable((i) => `delta ${i % 97}`), encoding: 'DELTA_BYTE_ARRAY' },
      {
        name: 's_lengths',
        data: Array.from({ length: ROWS }, (_, i) => (i % 3 === 0 ? '' : `len ${i}`)),
        encoding: 'DELTA_LENGTH_BYTE_ARRAY',
      },
      {
        name: 'i32',
        data: nullable((i) => (i % 2 === 0 ? -2147483648 + i : 2147483647 - i)),
        encoding: 'DELTA_BINARY_PACKED',
      },
      {
        name: 'i64',
        data: nullable((i) => (i % 2 === 0 ? 2n ** 53n + BigInt(i) : -(2n ** 63n) + BigInt(i))),
        encoding: 'PLAIN',
      },
      { name: 'f32', data: nullable((i) => (i % 7) / 4 - 1), encoding: 'BYTE_STREAM_SPLIT' },
      { name: 'flag', data: nullable((i) => i % 3 === 0) },
      {
        name: 'local_ns',
        data: nullable((i) =>
          i % 2 === 0 ? -(2n ** 63n) + BigInt(i) : 1_700_000_000_123_456_789n + BigInt(i),
        ),
      },
      { name: 'day', data: nullable((i) => (i % 2 === 0 ? YEAR_1 + i : YEAR_9999 - i)), encoding: 'PLAIN' },
      { name: 'where', data: nullable((i) => ({ city: i % 4 === 0 ? null : `city ${i % 5}`, zip: i })) },
      { name: 'u32', data: nullable((i) => 4294967295 - i) },
    ],
  });
  void parquet.finish();
  return writer.getBytes();
}

describe('readParquetColumns gives readParquet’s cells', () => {
  it.each<ParquetCodec>(['snappy', 'gzip', 'uncompressed'])(
    'for every column type at its edges (%s)',
    async (codec) => {
      // Prepare
      const bytes = await writeTable(createParquetWriter, EVERY_TYPE, EDGE_ROWS, { parquet: { codec } });

      // Act
      const batches = await expectSameCells(bytes);

      // Assess: typed vectors for the flat types, cells for decimals
      expect(kinds(batches[0]!)).toEqual({
        text: 'cells',
        i32: 'int32',
        i64: 'int64',
        f32: 'float64',
        f64: 'float64',
        flag: 'boolean',
        day: 'date',
        ts_ms: 'timestamp',
        ts_us: 'timestamp',
        ts_ns: 'timestamp',
        dec9: 'cells',
        dec18: 'cells',
        dec38: 'cells',
        id: 'int64',
      });
    },
  );

  it.each(DUCKDB_FILES)('for the DuckDB-written file %s', async (file) => {
    // Prepare
    const bytes = new Uint8Array(readFileSync(path.join(FIXTURES, file)));

    // Act + Assess
    const batches = await expectSameCells(bytes);
    expect(batches.reduce((n, b) => n + b.length, 0)).toBeGreaterThan(0);
  });

  it('for nested columns, decimals and intervals (cells of JSON text)', async () => {
    // Act
    const batches = await expectSameCells(nestedFile());

    // Assess
    expect(kinds(batches[0]!)).toEqual({
      id: 'int32',
      tags: 'cells',
      attrs: 'cells',
      's.__proto__': 'int32',
      's.amount': 'cells',
      wait: 'cells',
    });
  });

  it('for every encoding, over pages and row groups, with nulls', async () => {
    // Act
    const batches = await expectSameCells(encodedFile());

    // Assess: one batch per row group, typed where the layout is flat
    expect(batches.map((b) => b.length)).toEqual([1000, 1000, 500]);
    expect(kinds(batches[0]!)).toEqual({
      s_dict: 'dictionary',
      s_plain: 'cells',
      s_delta: 'cells',
      s_lengths: 'cells',
      i32: 'int32',
      i64: 'int64',
      f32: 'float64',
      flag: 'boolean',
      local_ns: 'timestamp',
      day: 'date',
      'where.city': 'dictionary',
      'where.zip': 'int32',
      u32: 'cells',
    });
  });

  it('keeps int64 past 2^53, nanoseconds, local timestamps and years 1 and 9999 exact', async () => {
    // Act
    const [batch] = await columnBatches(encodedFile(), { columns: ['i64', 'local_ns', 'day'] });
    const vector = (name: string): ColumnVector => batch!.vectors[batch!.columns.indexOf(name)]!;
    const [i64, ns, day] = [vector('i64'), vector('local_ns'), vector('day')];

    // Assess: the stored values themselves, row by row, nulls where the writer put them
    const present = (v: ColumnVector, r: number): boolean => rawCellOf(v, r) !== null;
    const rows = Array.from({ length: batch!.length }, (_, r) => r);
    expect(i64.kind === 'int64' && rows.filter((r) => present(i64, r)).map((r) => i64.values[r])).toEqual(
      rows
        .filter((r) => present(i64, r))
        .map((r) => (r % 2 === 0 ? 2n ** 53n + BigInt(r) : -(2n ** 63n) + BigInt(r))),
    );
    expect(ns).toMatchObject({ kind: 'timestamp', unit: 'ns', utc: false });
    expect(ns.kind === 'timestamp' && rows.filter((r) => present(ns, r)).map((r) => ns.values[r])).toEqual(
      rows
        .filter((r) => present(ns, r))
        .map((r) => (r % 2 === 0 ? -(2n ** 63n) + BigInt(r) : 1_700_000_000_123_456_789n + BigInt(r))),
    );
    expect(day.kind === 'date' && rows.filter((r) => present(day, r)).map((r) => day.values[r])).toEqual(
      rows.filter((r) => present(day, r)).map((r) => (r % 2 === 0 ? YEAR_1 + r : YEAR_9999 - r)),
    );
    expect(rows.filter((r) => !present(i64, r)).length).toBeGreaterThan(0);
  });

  it('for random tables (property)', async () => {
    await fc.assert(
      fc.asyncProperty(tableArbitrary, async ({ schema, rows }) => {
        const bytes = await writeTable(createParquetWriter, schema, rows, { parquet: { rowGroupRows: 7 } });
        const expected = await rowCells(bytes);
        expect(cellsOf(await columnBatches(bytes), expected.columns)).toEqual(expected.rows);
      }),
      { numRuns: 40 },
    );
  });

  it('for a file without rows: one empty batch naming every column', async () => {
    // Prepare
    const bytes = await writeTable(createParquetWriter, EVERY_TYPE, []);

    // Act
    const batches = await columnBatches(bytes);

    // Assess
    expect(batches).toHaveLength(1);
    expect(batches[0]!.length).toBe(0);
    expect(batches[0]!.columns).toEqual(EVERY_TYPE.map((c) => c.name));
    expect(batches[0]!.vectors.every((v) => v !== null)).toBe(true);
  });

  it('in slices of batchSize rows when asked', async () => {
    // Act
    const batches = await expectSameCells(encodedFile(), { batchSize: 300 });

    // Assess
    expect(batches.map((b) => b.length)).toEqual([300, 300, 300, 100, 300, 300, 300, 100, 300, 200]);
  });
});

/** Columns whose PLAIN pages are copied straight into their vectors (and a FLOAT one, which is not). */
const FIXED_SCHEMA: SchemaElement[] = [
  { name: 'root', num_children: 8 },
  { name: 'i32', type: 'INT32', repetition_type: 'OPTIONAL' },
  { name: 'day', type: 'INT32', repetition_type: 'OPTIONAL', converted_type: 'DATE' },
  { name: 'i64', type: 'INT64', repetition_type: 'OPTIONAL' },
  { name: 'f64', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
  { name: 'f32', type: 'FLOAT', repetition_type: 'OPTIONAL' },
  ...(['MILLIS', 'MICROS', 'NANOS'] as const).map((unit): SchemaElement => ({
    name: `ts_${unit.toLowerCase()}`,
    type: 'INT64',
    repetition_type: 'OPTIONAL',
    logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: unit !== 'MICROS', unit },
  })),
];

const INT64_EDGES = [2n ** 53n + 1n, -(2n ** 63n), 2n ** 63n - 1n, -(2n ** 53n) - 1n, 0n, -1n];
/** 0001-01-01 and 9999-12-31T23:59:59.999999999 in milliseconds, microseconds and nanoseconds. */
const TS_EDGES = {
  ts_millis: [-62135596800000n, 253402300799999n],
  ts_micros: [-62135596800000000n, 253402300799999999n],
  ts_nanos: [-(2n ** 63n), 2n ** 63n - 1n],
} as const;
const F64_EDGES = [-0, 0.1, -1.7976931348623157e308, 5e-324, Infinity, -Infinity, NaN];

/**
 * Fixed-width columns, `rows` rows, nulls where `isNull(row)` says; several pages per chunk
 * (`pageSize` bytes) and row groups of `groupRows`.
 */
function fixedWidthFile(
  rows: number,
  isNull: (row: number) => boolean,
  options: { pageSize: number; groupRows: number; codec: 'SNAPPY' | 'UNCOMPRESSED'; seed: number },
): { bytes: Uint8Array; data: Record<string, unknown[]> } {
  const random = numbers(options.seed);
  const column = <T>(make: (i: number) => T): (T | null)[] =>
    Array.from({ length: rows }, (_, i) => (isNull(i) ? null : make(i)));
  const pick = <T>(edges: readonly T[], other: () => T): T =>
    random() < 0.3 ? edges[Math.floor(random() * edges.length)]! : other();
  const bigint = (): bigint => BigInt.asIntN(64, BigInt(Math.floor(random() * 2 ** 32)) << 31n);
  const data: Record<string, unknown[]> = {
    i32: column(() => pick([-2147483648, 2147483647, 0], () => Math.floor(random() * 2 ** 32) - 2 ** 31)),
    day: column(() => pick([YEAR_1, YEAR_9999], () => Math.floor(random() * 100000))),
    i64: column(() => pick(INT64_EDGES, bigint)),
    f64: column(() => pick(F64_EDGES, () => (random() - 0.5) * 1e12)),
    f32: column(() => Math.fround(random() * 100 - 50)),
    ...Object.fromEntries(
      Object.entries(TS_EDGES).map(([name, edges]) => [name, column(() => pick(edges, bigint))]),
    ),
  };
  const writer = new ByteWriter();
  const parquet = new ParquetWriter({
    writer,
    schema: FIXED_SCHEMA,
    codec: options.codec,
    statistics: false,
  });
  void parquet.write({
    rowGroupSize: options.groupRows,
    pageSize: options.pageSize,
    columnData: FIXED_SCHEMA.slice(1).map((e) => ({ name: e.name, data: data[e.name]!, encoding: 'PLAIN' })),
  });
  void parquet.finish();
  return { bytes: writer.getBytes(), data };
}

describe('readParquetColumns copies PLAIN fixed-width pages into their vectors', () => {
  const NULLS: Record<string, (seed: number) => (row: number) => boolean> = {
    none: () => () => false,
    every: () => () => true,
    'first and last': () => (r) => r === 0 || r === 999 || r === 1000,
    runs: () => (r) => Math.floor(r / 37) % 3 === 0,
    random: (seed) => {
      const random = numbers(seed);
      const flags = Array.from({ length: 3000 }, () => random() < 0.4);
      return (r) => flags[r]!;
    },
  };

  it.each(Object.keys(NULLS))(
    'with %s nulls, as readParquet reads them and as they were written',
    async (nulls) => {
      for (const codec of ['SNAPPY', 'UNCOMPRESSED'] as const) {
        // Prepare: pages of ~50 values, row groups of 1000 rows
        const { bytes, data } = fixedWidthFile(2345, NULLS[nulls]!(11), {
          pageSize: 400,
          groupRows: 1000,
          codec,
          seed: 5,
        });

        // Act
        const batches = await expectSameCells(bytes);

        // Assess: typed vectors holding the written values bit for bit (NaN, -0, int64 past 2^53)
        expect(kinds(batches[0]!)).toMatchObject({ i32: 'int32', day: 'date', i64: 'int64', f64: 'float64' });
        for (const name of Object.keys(data)) {
          const read: unknown[] = [];
          for (const batch of batches) {
            const v = batch.vectors[batch.columns.indexOf(name)]!;
            for (let r = 0; r < batch.length; r++) {
              const present = !('valid' in v) || v.valid === null || v.valid[r] === 1;
              read.push(present && 'values' in v ? v.values[r] : null);
            }
          }
          expect(read).toEqual(data[name]);
        }
      }
    },
  );

  it('over random page sizes, row groups and null patterns (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 400 }),
        fc.integer({ min: 8, max: 2000 }),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 1, max: 1e6 }),
        async (rows, pageSize, groupRows, nullPercent, seed) => {
          const random = numbers(seed);
          const flags = Array.from({ length: rows }, () => random() * 100 < nullPercent);
          const { bytes } = fixedWidthFile(rows, (r) => flags[r]!, {
            pageSize,
            groupRows,
            codec: seed % 2 === 0 ? 'SNAPPY' : 'UNCOMPRESSED',
            seed,
          });
          const batches = await expectSameCells(bytes);
          expect(batches.reduce((n, b) => n + b.length, 0)).toBe(rows);
        },
      ),
      { numRuns: 40, seed: 20261207 },
    );
  });
});

describe('readParquetColumns reads only the columns asked for', () => {
  it('returns null vectors for the others and the same cells for those asked for', async () => {
    // Prepare
    const bytes = encodedFile();

    // Act
    const batches = await expectSameCells(bytes, { columns: ['where.city', 'i64', 's_dict'] });

    // Assess
    expect(Object.values(kinds(batches[0]!)).filter((k) => k !== null)).toHaveLength(3);
  });

  it('does not fetch the chunks of the others', async () => {
    // Prepare
    const bytes = await writeTable(createParquetWriter, EVERY_TYPE, EDGE_ROWS);
    let fetched = 0;
    const source = sourceOf(bytes);
    const counting = {
      ...source,
      readRange: (start: number, end: number): Promise<Uint8Array> => {
        fetched += end - start;
        return source.readRange(start, end);
      },
    };
    const all = async (columns?: string[]): Promise<number> => {
      fetched = 0;
      for await (const _ of readParquetColumns(counting, columns ? { columns } : {})) void _;
      return fetched;
    };

    // Act
    const one = await all(['i32']);
    const every = await all();

    // Assess
    expect(one).toBeLessThan(every);
  });

  it('refuses a column the file does not have, as readParquet does', async () => {
    // Prepare
    const bytes = encodedFile();

    // Act + Assess
    const expected = await rowCells(bytes, { columns: ['nope'] }).catch((e: unknown) => e);
    await expect(columnBatches(bytes, { columns: ['nope'] })).rejects.toEqual(expected);
    expect(expected).toBeInstanceOf(FormatError);
  });
});

type Outcome = 'read' | { readonly type: string; readonly message: string };

/** The error a reader fails with, or 'read'. */
async function outcome(read: () => Promise<unknown>): Promise<Outcome> {
  try {
    await read();
    return 'read';
  } catch (e) {
    return e instanceof Error
      ? { type: e.constructor.name, message: e.message }
      : { type: typeof e, message: String(e) };
  }
}

describe('readParquetColumns fails as readParquet does', () => {
  const SCHEMA: readonly ColumnSpec[] = [
    { name: 'id', type: 'int64', nullable: false },
    { name: 'label', type: 'string', nullable: true },
  ];
  const rows: TypedRow[] = Array.from({ length: 300 }, (_, i) => [
    i,
    i === 250 ? 'a long label' : `l${i % 3}`,
  ]);

  it.each([
    ['a value longer than maxFieldLength', { maxFieldLength: 5 }],
    ['a row group above maxRowGroupRows', { maxRowGroupRows: 100 }],
    ['a row group above maxRowGroupBytes', { maxRowGroupBytes: 50 }],
  ])('on %s, with the same batches before the error', async (_, limits) => {
    // Prepare
    const bytes = await writeTable(createParquetWriter, SCHEMA, rows, { parquet: { rowGroupRows: 120 } });
    const rowsBefore = async (read: AsyncIterable<{ readonly firstRow: number }>): Promise<number> => {
      let first = 0;
      try {
        for await (const b of read) first = b.firstRow;
      } catch {
        // where the batches stopped before the error is what is compared
      }
      return first;
    };

    // Act
    const expected = await outcome(() => rowCells(bytes, { ...limits, batchSize: 10 }));
    const actual = await outcome(() => columnBatches(bytes, { ...limits, batchSize: 10 }));

    // Assess
    expect(actual).toEqual(expected);
    expect(expected).toMatchObject({ type: 'FormatError' });
    expect(await rowsBefore(readParquetColumns(sourceOf(bytes), { ...limits, batchSize: 10 }))).toBe(
      await rowsBefore(readParquet(sourceOf(bytes), { ...limits, batchSize: 10 })),
    );
  });

  it('on truncated files and a corrupt footer', async () => {
    // Prepare
    const bytes = await writeTable(createParquetWriter, EVERY_TYPE, EDGE_ROWS);
    const cases = [
      bytes.slice(0, 3),
      bytes.slice(0, bytes.byteLength - 100),
      bytes.slice(0, bytes.byteLength - 3),
    ];

    // Act + Assess
    for (const bad of cases) {
      const expected = await outcome(() => rowCells(bad));
      expect(expected).toMatchObject({ type: 'FormatError' });
      expect(await outcome(() => columnBatches(bad))).toEqual(expected);
    }
  });

  it('reads a mutated file or rejects it with a FormatError, as readParquet does', async () => {
    // Prepare
    const valid = await writeTable(createParquetWriter, EVERY_TYPE, EDGE_ROWS, {
      parquet: { rowGroupRows: 3 },
    });

    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(valid.byteLength - 1), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        async (flips) => {
          const bytes = valid.slice();
          for (const [at, value] of flips) bytes[at] = value;

          // Act
          const expected = await outcome(() => rowCells(bytes));
          const actual = await outcome(() => columnBatches(bytes));

          // Assess: the same cells or the same refusal. Page bodies carry no checks of their own
          // (no CRC from this writer), and the two decoders bound a corrupt body differently (this
          // one holds every run to its page or level section), so where either refuses a body,
          // both give a read or a FormatError.
          const decodeFailure = (o: Outcome): boolean =>
            o !== 'read' && o.type === 'FormatError' && /row group \d+ cannot be decoded/.test(o.message);
          // A flip in the footer may rename a column: both readers must then give the same new
          // names, so the cells are compared under the row reader's names, not the written ones.
          const sameRead = async (): Promise<boolean> => {
            const rows = await rowCells(bytes);
            const batches = await columnBatches(bytes);
            return (
              batches.every((b) => isDeepStrictEqual(b.columns, rows.columns)) &&
              isDeepStrictEqual(cellsOf(batches, rows.columns), rows.rows)
            );
          };
          const verdict =
            expected === 'read' && actual === 'read'
              ? (await sameRead())
                ? 'same cells'
                : 'different cells'
              : decodeFailure(actual) || decodeFailure(expected)
                ? [actual, expected].every((o) => o === 'read' || o.type === 'FormatError')
                  ? 'a corrupt body'
                  : JSON.stringify({ actual, expected })
                : isDeepStrictEqual(actual, expected)
                  ? 'same refusal'
                  : JSON.stringify({ actual, expected });
          expect(verdict).toMatch(/^(same cells|same refusal|a corrupt body)$/);
        },
      ),
      // [378, 6]: a v2 page's num_nulls raised above its definition levels' nulls (below).
      // [1873, 0], [2601, 0]: the footer renames the schema's id and row group 0's dec38 chunk, so
      // two columns have no chunk; the readers named different ones (each its first to fail).
      // [1660, 102]: the schema's i32 renamed f32 (its chunk still says i32): hyparquet found no
      // chunk for it, the columnar reader read one. [1981, 0], [3753, 0]: row group 2's f32 chunk
      // says BOOLEAN: hyparquet decoded booleans, the columnar reader floats. [749, 6]: row group
      // 1's f64 page says RLE: hyparquet decoded booleans and refused them, the columnar reader read
      // them as numbers. Now all refused.
      {
        numRuns: 200,
        seed: 20261207,
        examples: [
          [[[378, 6]]],
          [
            [
              [1873, 0],
              [2601, 0],
            ],
          ],
          [[[1660, 102]]],
          [[[749, 6]]],
          [
            [
              [1981, 0],
              [3753, 0],
            ],
          ],
        ],
      },
    );
  });

  it('refuses a v2 page whose num_nulls disagrees with its definition levels, as readParquet does', async () => {
    // Prepare: byte 378 is num_nulls (zigzag 2, one null) in the header of row group 0's ts_ns page,
    // whose levels hold one null in three values; 6 declares three. hyparquet read no value and gave
    // nulls where the levels say values are present, the columnar reader read the levels' values.
    const bytes = await writeTable(createParquetWriter, EVERY_TYPE, EDGE_ROWS, {
      parquet: { rowGroupRows: 3 },
    });
    expect(bytes[378]).toBe(2);
    bytes[378] = 6;

    // Act
    const expected = await outcome(() => rowCells(bytes));
    const actual = await outcome(() => columnBatches(bytes));

    // Assess
    expect(expected).toEqual({
      type: 'FormatError',
      message: expect.stringMatching(
        /row group 0, column ts_ns: a data page \(v2\) declares 3 nulls; its definition levels hold 1 \(byte 368\)$/,
      ) as unknown,
    });
    expect(actual).toEqual(expected);
  });
});

/** Both readers over one file: 'same cells', 'same refusal', or what differs. */
async function sameOutcome(source: () => ByteSource, options: ParquetReadOptions = {}): Promise<string> {
  const expected = await outcome(() => readAll(readParquet(source(), options)));
  const actual = await outcome(async () => {
    for await (const _ of readParquetColumns(source(), options)) void _;
  });
  if (expected !== 'read' || actual !== 'read') {
    return isDeepStrictEqual(actual, expected) ? 'same refusal' : JSON.stringify({ actual, expected });
  }
  const rows = (await readAll(readParquet(source(), options))).flatMap((b) => b.rows);
  const batches: ColumnBatch[] = [];
  for await (const batch of readParquetColumns(source(), options)) batches.push(batch);
  const names = (await readAll(readParquet(source(), options)))[0]!.columns;
  return isDeepStrictEqual(cellsOf(batches, names), rows) ? 'same cells' : 'different cells';
}

/** The LZO file of the malformed-input tests: pages labelled with a codec the reader lacks. */
function lzoFile(): Uint8Array {
  const writer = new ByteWriter();
  const parquet = new ParquetWriter({
    writer,
    schema: [
      { name: 'schema', num_children: 1 },
      { name: 'n', type: 'INT32', repetition_type: 'REQUIRED' },
    ],
    codec: 'LZO',
    compressors: { LZO: (input) => input },
  });
  void parquet.write({ columnData: [{ name: 'n', data: [1, 2, 3] }] });
  void parquet.finish();
  return writer.getBytes();
}

/** A field of a decoded thrift struct, if there is one. */
function fieldOf(struct: unknown, field: string): unknown {
  if (typeof struct !== 'object' || struct === null) return undefined;
  const value: unknown = Object.getOwnPropertyDescriptor(struct, field)?.value;
  return value;
}

/** Variants of a file whose first data page claims a dictionary encoding it has no dictionary for. */
function withoutDictionary(bytes: Uint8Array): Uint8Array[] {
  const tail = bytes.slice(bytes.byteLength - 8);
  const length = new DataView(tail.buffer).getUint32(0, true);
  const metadata = parquetMetadata(bytes.slice(bytes.byteLength - 8 - length).buffer);
  const first = Number(metadata.row_groups[0]!.columns[0]!.meta_data!.data_page_offset);
  const variants: Uint8Array[] = [];
  for (let i = first; i < first + 32; i++) {
    const variant = bytes.slice();
    variant[i] = 0x10; // zigzag 8: RLE_DICTIONARY
    const header: unknown = deserializeTCompactProtocol({
      view: new DataView(variant.buffer, first),
      offset: 0,
    });
    const v1 = fieldOf(fieldOf(header, 'field_5'), 'field_2');
    const v2 = fieldOf(fieldOf(header, 'field_8'), 'field_4');
    if (v1 === 8 || v2 === 8) variants.push(variant);
  }
  return variants;
}

describe('readParquetColumns on the hostile files of the reader tests, as readParquet', () => {
  const LABELS: readonly ColumnSpec[] = [
    { name: 'id', type: 'int64', nullable: false },
    { name: 'label', type: 'string', nullable: true },
    { name: 'amount', type: 'decimal', precision: 12, scale: 2, nullable: true },
  ];
  const labelled = (): Promise<Uint8Array> =>
    writeTable(
      createParquetWriter,
      LABELS,
      Array.from({ length: 500 }, (_, i) => [i, `label ${i % 7}`, BigInt(i * 101)]),
      { parquet: { rowGroupRows: 200 } },
    );

  it.each<[string, () => Uint8Array | Promise<Uint8Array>, ParquetReadOptions]>([
    ['zstd pages of raw blocks with a size', () => zstdFile((p) => zstdFrame(p, 0, true)), {}],
    ['zstd pages of raw blocks without a size', () => zstdFile((p) => zstdFrame(p, 0, false)), {}],
    ['a zstd frame declaring more than its page', () => zstdFile((p) => zstdFrame(p, 1 << 20, true)), {}],
    ['zstd blocks holding more than their page', () => zstdFile((p) => zstdFrame(p, 64 << 10, false)), {}],
    [
      'a zstd window far wider than its page',
      () =>
        zstdFile((p) =>
          Uint8Array.from([...ZSTD_MAGIC, 0x00, 0xf8, ...blockHeader(p.byteLength, 0, true), ...p]),
        ),
      {},
    ],
    ['a row group of nulls', () => nullColumnFile(1000), {}],
    ['a row group of nulls above maxRowGroupRows', () => nullColumnFile(1000), { maxRowGroupRows: 999 }],
    ['a codec the reader lacks (LZO)', lzoFile, {}],
    [
      'a corrupt page header',
      async () => {
        const bytes = (await labelled()).slice();
        bytes.fill(0xff, 4, 24);
        return bytes;
      },
      {},
    ],
  ])('%s', async (_, file, options) => {
    // Prepare
    const bytes = await file();

    // Act + Assess
    expect(await sameOutcome(() => sourceOf(bytes, 'hostile.parquet'), options)).toMatch(
      /^same (cells|refusal)$/,
    );
  });

  it('a dictionary-encoded data page without a dictionary page', async () => {
    // Prepare
    const variants = withoutDictionary(await labelled());

    // Act
    const verdicts = await Promise.all(variants.map((v) => sameOutcome(() => sourceOf(v, 'bad.parquet'))));

    // Assess
    expect(variants.length).toBeGreaterThan(0);
    expect(new Set(verdicts)).toEqual(new Set(['same refusal']));
  });

  it('a source shorter than its declared size', async () => {
    // Prepare
    const bytes = await labelled();
    const lying = (): ByteSource => ({
      ...sourceOf(bytes),
      size: () => Promise.resolve(bytes.byteLength + 50),
    });

    // Act + Assess
    expect(await sameOutcome(lying)).toBe('same refusal');
  });
});

/** A plain string column over several pages: ASCII pages, then one with a non-ASCII value. */
function plainStringFile(nonAsciiFrom: number): Uint8Array {
  const writer = new ByteWriter();
  const schema: SchemaElement[] = [
    { name: 'root', num_children: 2 },
    { name: 'id', type: 'INT32', repetition_type: 'REQUIRED' },
    { name: 'label', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
  ];
  const parquet = new ParquetWriter({ writer, schema, codec: 'SNAPPY', statistics: false });
  void parquet.write({
    rowGroupSize: 1000,
    pageSize: 1500,
    columnData: [
      { name: 'id', data: Array.from({ length: ROWS }, (_, i) => i) },
      {
        name: 'label',
        data: Array.from({ length: ROWS }, (_, i) =>
          i % 9 === 0 ? null : i % 13 === 0 ? '' : i >= nonAsciiFrom ? `ünï ${i}` : `label ${i}`,
        ),
        encoding: 'PLAIN',
      },
    ],
  });
  void parquet.finish();
  return writer.getBytes();
}

describe('readParquetColumns with stringsAsText', () => {
  const AS_TEXT: ParquetReadOptions = { stringsAsText: true };

  it('keeps a plain ASCII string column as a text vector with readParquet’s cells', async () => {
    // Act
    const batches = await expectSameCells(plainStringFile(ROWS), AS_TEXT);

    // Assess: bytes + offsets, nulls flagged, empty strings not null
    expect(batches.map((b) => kinds(b).label)).toEqual(['text', 'text', 'text']);
    const label = batches[0]!.vectors[1]!;
    expect(label.kind === 'text' && label.flags[0]).toBe(1);
    expect(rawCellOf(label, 13)).toBe('');
    expect(rawCellOf(label, 14)).toBe('label 14');
  });

  it('turns a chunk into string cells from its first page that is not ASCII', async () => {
    // Act: the second row group's later pages hold non-ASCII values
    const batches = await expectSameCells(plainStringFile(1700), AS_TEXT);

    // Assess
    expect(batches.map((b) => kinds(b).label)).toEqual(['text', 'cells', 'cells']);
  });

  it('leaves dictionary, non-ASCII and other encodings as they were', async () => {
    // Act
    const batches = await expectSameCells(encodedFile(), AS_TEXT);
    const everyType = await expectSameCells(
      await writeTable(createParquetWriter, EVERY_TYPE, EDGE_ROWS),
      AS_TEXT,
    );

    // Assess: s_plain is ASCII; the every-type text column holds non-ASCII values
    expect(kinds(batches[0]!)).toMatchObject({
      s_dict: 'dictionary',
      s_plain: 'text',
      s_delta: 'cells',
      s_lengths: 'cells',
    });
    expect(kinds(everyType[0]!).text).toBe('cells');
  });

  it.each(DUCKDB_FILES)('gives readParquet’s cells for the DuckDB-written file %s', async (file) => {
    // Prepare
    const bytes = new Uint8Array(readFileSync(path.join(FIXTURES, file)));

    // Act + Assess
    const batches = await expectSameCells(bytes, AS_TEXT);
    expect(batches.reduce((n, b) => n + b.length, 0)).toBeGreaterThan(0);
  });

  it('gives readParquet’s cells for random tables and in slices of batchSize rows (property)', async () => {
    await fc.assert(
      fc.asyncProperty(tableArbitrary, fc.integer({ min: 1, max: 9 }), async ({ schema, rows }, size) => {
        const bytes = await writeTable(createParquetWriter, schema, rows, { parquet: { rowGroupRows: 7 } });
        const expected = await rowCells(bytes);
        const batches = await columnBatches(bytes, { ...AS_TEXT, batchSize: size });
        expect(cellsOf(batches, expected.columns)).toEqual(expected.rows);
      }),
      { numRuns: 40 },
    );
  });

  it('refuses a value longer than maxFieldLength at the row and column readParquet names', async () => {
    // Prepare
    const bytes = plainStringFile(ROWS);
    const limits = { maxFieldLength: 8, batchSize: 10 };

    // Act
    const expected = await outcome(() => rowCells(bytes, limits));
    const actual = await outcome(() => columnBatches(bytes, { ...limits, ...AS_TEXT }));

    // Assess
    expect(actual).toEqual(expected);
    expect(expected).toMatchObject({ type: 'FormatError' });
  });
});
