/**
 * The Parquet encoder (parquet-encoder.ts behind createParquetWriter) and its snappy compressor:
 * files read back exactly through both readers, hold the statistics hyparquet-writer wrote for
 * the same rows (a reference writer kept here: hyparquet-writer fed the physical values the
 * writer used to give it), and choose dictionaries, pages and row groups as documented.
 */
import zlib from 'node:zlib';

import fc from 'fast-check';
import { parquetMetadata, snappyUncompress, type ColumnChunk, type SchemaElement } from 'hyparquet';
import { deserializeTCompactProtocol } from 'hyparquet/src/thrift.js';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';

import type { ColumnSpec } from '../../../../lambdas/core/contracts/output-contract';
import { daysFromCivil, type TypedValue } from '../../../../lambdas/core/contracts/typed-values';
import { FormatError } from '../../../../lambdas/core/errors';
import { BufferSink } from '../../../../lambdas/core/formats/byte-io';
import { rawCellOf, type ColumnBatch } from '../../../../lambdas/core/formats/column-batch';
import { readParquetColumns } from '../../../../lambdas/core/formats/index';
import { boundedDecompressors } from '../../../../lambdas/core/formats/parquet-decompressors';
import { readParquet } from '../../../../lambdas/core/formats/parquet-reader';
import { createParquetWriter, parquetElementOf } from '../../../../lambdas/core/formats/parquet-writer';
import { snappyCompress, snappyCompressView } from '../../../../lambdas/core/formats/snappy-compress';
import type { ParquetCodec, TypedRow } from '../../../../lambdas/core/formats/table-io';
import { TypedColumnBuilder, type TypedColumn } from '../../../../lambdas/core/formats/typed-column';
import type { RawCell } from '../../../../lambdas/core/formats/record-batch';
import {
  canonicalCells,
  canonicalRows,
  EDGE_ROWS,
  EVERY_TYPE,
  readAll,
  sourceOf,
  tableArbitrary,
  writeTable,
} from '../../../fixtures/parquet-arrow-tables';

const hasZstd = typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync === 'function';

// ---- snappy ----

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
}

function randomBytes(length: number, seed: number): Uint8Array {
  const next = seeded(seed);
  return Uint8Array.from({ length }, () => Math.floor(next() * 256));
}

/** Decompresses with both the reader's decompressor and hyparquet's, and checks they agree. */
function roundTrip(input: Uint8Array): Uint8Array {
  const compressed = snappyCompress(input);
  const viaReader = boundedDecompressors.SNAPPY!(compressed, input.length);
  const viaHyparquet = new Uint8Array(input.length);
  snappyUncompress(compressed, viaHyparquet);
  expect(Buffer.from(viaHyparquet).equals(Buffer.from(viaReader))).toBe(true);
  return viaReader;
}

describe('snappyCompress', () => {
  it.each([
    ['empty', new Uint8Array(0)],
    ['one byte', Uint8Array.of(7)],
    ['shorter than the match margin', new Uint8Array(14).fill(3)],
    ['random, past 64 KiB', randomBytes(200_000, 1)],
    ['one repeated byte, past 64 KiB', new Uint8Array(300_000).fill(9)],
    ['repeated text', new TextEncoder().encode('row 17 of the orders, '.repeat(5000))],
    ['a run longer than a copy', Uint8Array.from({ length: 70_000 }, (_, i) => (i < 100 ? i : 0))],
  ])('round-trips %s', (_, input) => {
    // Act
    const output = roundTrip(input);

    // Assess
    expect(Buffer.from(output).equals(Buffer.from(input))).toBe(true);
  });

  it('gives the same bytes as a view of its scratch, which the next call reuses, as a copy that stays', () => {
    // Arrange
    const first = new TextEncoder().encode('row 17 of the orders, '.repeat(3000));
    const second = randomBytes(50_000, 3);

    // Act
    const copy = snappyCompress(first);
    const view = snappyCompressView(first);
    const viewBytes = Buffer.from(view);
    snappyCompressView(second);

    // Assess: the view's bytes were the copy's; the copy survives the next call, the view need not
    expect(viewBytes.equals(Buffer.from(copy))).toBe(true);
    expect(Buffer.from(boundedDecompressors.SNAPPY!(copy, first.length)).equals(first)).toBe(true);
    expect(view.buffer).not.toBe(copy.buffer);
  });

  it('compresses repetitive input and keeps random input near its size', () => {
    // Act
    const repetitive = snappyCompress(new TextEncoder().encode('abcdefgh'.repeat(20_000))).length;
    const random = snappyCompress(randomBytes(100_000, 2)).length;

    // Assess
    expect(repetitive).toBeLessThan(160_000 / 10);
    expect(random).toBeLessThanOrEqual(32 + 100_000 + 100_000 / 6);
  });

  it('round-trips arbitrary bytes with repeats (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 1, max: 400 })), {
          maxLength: 40,
        }),
        (parts) => {
          // Prepare: pieces repeated, so matches at every distance and length occur
          const input = Buffer.concat(
            parts.flatMap(([bytes, times]) => Array<Uint8Array>(times).fill(bytes)),
          );

          // Act
          const output = roundTrip(input);

          // Assess
          expect(Buffer.from(output).equals(input)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });
});

// ---- the reference writer ----

/** The value hyparquet-writer was given for a typed value (what the writer converted to). */
function physicalValue(column: ColumnSpec, v: TypedValue): unknown {
  if (v === null) return null;
  switch (column.type) {
    case 'int64':
      return BigInt(v);
    case 'date': {
      const [y, m, d] = String(v).split('-').map(Number);
      return daysFromCivil(y!, m!, d!);
    }
    case 'string':
      return column.physical === 'json' ? new TextEncoder().encode(String(v)) : v;
    default:
      return v;
  }
}

function referenceFile(
  schema: readonly ColumnSpec[],
  rows: readonly TypedRow[],
  rowGroupRows: number,
): Uint8Array {
  const writer = new ByteWriter();
  const elements: SchemaElement[] = [
    { name: 'schema', num_children: schema.length },
    ...schema.map((c) => parquetElementOf(c)),
  ];
  const parquet = new ParquetWriter({ writer, schema: elements, codec: 'SNAPPY', createdBy: 'prt' });
  void parquet.write({
    columnData: schema.map((c, j) => ({ name: c.name, data: rows.map((r) => physicalValue(c, r[j]!)) })),
    rowGroupSize: rowGroupRows,
  });
  void parquet.finish();
  return writer.getBytes();
}

// ---- helpers ----

/** Typed columns of rows (what a generator or the converter hands writeColumns), in batches. */
function typedBatches(
  schema: readonly ColumnSpec[],
  rows: readonly TypedRow[],
  size: number,
): { columns: TypedColumn[]; length: number }[] {
  const out: { columns: TypedColumn[]; length: number }[] = [];
  for (let from = 0; from < rows.length; from += size) {
    const batch = rows.slice(from, from + size);
    const builders = schema.map((c) => new TypedColumnBuilder(c, size));
    for (const row of batch) row.forEach((v, j) => builders[j]!.append(v));
    out.push({ columns: builders.map((b) => b.finish()), length: batch.length });
  }
  return out;
}

async function writeByColumns(
  schema: readonly ColumnSpec[],
  rows: readonly TypedRow[],
  options: { codec?: ParquetCodec; rowGroupRows?: number } = {},
  size = 1000,
): Promise<Uint8Array> {
  const sink = new BufferSink();
  const writer = createParquetWriter(sink, { schema, parquet: options });
  for (const { columns, length } of typedBatches(schema, rows, size))
    await writer.writeColumns!(columns, length);
  await writer.close();
  return new Uint8Array(sink.bytes());
}

async function rowCells(bytes: Uint8Array): Promise<(readonly RawCell[])[]> {
  return (await readAll(readParquet(sourceOf(bytes)))).flatMap((b) => b.rows);
}

async function columnCells(bytes: Uint8Array): Promise<RawCell[][]> {
  const batches: ColumnBatch[] = [];
  for await (const batch of readParquetColumns(sourceOf(bytes))) batches.push(batch);
  const rows: RawCell[][] = [];
  for (const batch of batches) {
    for (let r = 0; r < batch.length; r++)
      rows.push(batch.vectors.map((v) => (v === null ? null : rawCellOf(v, r))));
  }
  return rows;
}

function chunks(bytes: Uint8Array): ColumnChunk[][] {
  return parquetMetadata(bytes).row_groups.map((g) => g.columns);
}

function statisticsOf(bytes: Uint8Array): unknown[][] {
  return chunks(bytes).map((g) => g.map((c) => c.meta_data?.statistics));
}

/** A field of a decoded thrift struct, if there is one. */
function fieldOf(struct: unknown, field: string): unknown {
  if (typeof struct !== 'object' || struct === null) return undefined;
  const value: unknown = Object.getOwnPropertyDescriptor(struct, field)?.value;
  return value;
}

function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/**
 * The Statistics structs of every chunk as the footer's thrift holds them (field ids), including
 * what the reader does not parse (nan_count).
 */
function rawStatistics(bytes: Uint8Array): unknown[][] {
  const length = new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 8, 4).getUint32(0, true);
  const footer = deserializeTCompactProtocol({
    view: new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 8 - length, length),
    offset: 0,
  });
  return listOf(fieldOf(footer, 'field_4')).map((group) =>
    listOf(fieldOf(group, 'field_1')).map((chunk) => fieldOf(fieldOf(chunk, 'field_3'), 'field_12')),
  );
}

/** What a file reads as: cells through both readers, parsed and raw footer statistics. */
async function readingsOf(bytes: Uint8Array): Promise<Record<string, unknown>> {
  return {
    rows: await rowCells(bytes),
    columns: await columnCells(bytes),
    statistics: statisticsOf(bytes),
    raw: rawStatistics(bytes),
  };
}

/** Types beyond EVERY_TYPE: narrow ints, UUID and JSON text, local timestamps. */
const HINTED: readonly ColumnSpec[] = [
  { name: 'i8', type: 'int32', physical: 'int8', nullable: true },
  { name: 'i16', type: 'int32', physical: 'int16', nullable: false },
  { name: 'uuid', type: 'string', physical: 'uuid', nullable: true },
  { name: 'doc', type: 'string', physical: 'json', nullable: true },
  { name: 'local', type: 'timestamp', unit: 'ms', zone: 'naive', nullable: true },
];
const HINTED_ROWS: readonly TypedRow[] = [
  [-128, 32767, '00000000-0000-0000-0000-000000000000', '{"a":1}', 0n],
  [null, -32768, null, null, null],
  [127, 0, 'ffffffff-ffff-ffff-ffff-ffffffffffff', '[1,"zoë 🌍"]', -62135596800000n],
  [
    0,
    1,
    '0123abcd-4567-89ef-0123-456789abcdef',
    '"a long enough JSON string to pass sixteen bytes"',
    253402300799999n,
  ],
];

// ---- the encoder ----

describe('Parquet encoder', () => {
  it.each<[string, readonly ColumnSpec[], readonly TypedRow[]]>([
    ['every type at its edges', EVERY_TYPE, EDGE_ROWS],
    ['narrow ints, UUID, JSON and local timestamps', HINTED, HINTED_ROWS],
  ])(
    'gives hyparquet-writer’s cells and statistics for %s, by rows and by columns',
    async (_, schema, rows) => {
      // Act
      const byRows = await writeTable(createParquetWriter, schema, rows, { parquet: { rowGroupRows: 4 } });
      const byColumns = await writeByColumns(schema, rows, { rowGroupRows: 4 }, 3);

      // Assess
      const expected = await readingsOf(referenceFile(schema, rows, 4));
      expect(await readingsOf(byRows)).toEqual(expected);
      expect(await readingsOf(byColumns)).toEqual(expected);
    },
  );

  it('gives hyparquet-writer’s cells and statistics for random tables (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        tableArbitrary,
        fc.integer({ min: 1, max: 30 }),
        async ({ schema, rows }, groupRows) => {
          // Act
          const bytes = await writeByColumns(schema, rows, { rowGroupRows: groupRows }, 7);

          // Assess
          expect(await readingsOf(bytes)).toEqual(await readingsOf(referenceFile(schema, rows, groupRows)));
        },
      ),
      { numRuns: 40 },
    );
  });

  it.each<ParquetCodec>(['snappy', 'gzip', 'uncompressed', ...(hasZstd ? (['zstd'] as const) : [])])(
    'round-trips every type, nullable and not, through both readers (%s)',
    async (codec) => {
      // Prepare: the same columns declared not nullable, over the rows without nulls
      const required = EVERY_TYPE.map((c) => ({ ...c, name: `${c.name}_r`, nullable: false }));
      const schema = [...EVERY_TYPE, ...required];
      const full = EDGE_ROWS.filter((r) => !r.includes(null));
      const rows = full.map((r) => [...r, ...r]);

      // Act
      const bytes = await writeByColumns(schema, rows, { codec });

      // Assess
      const batches = await readAll(readParquet(sourceOf(bytes)));
      expect(canonicalCells(schema, batches)).toEqual(canonicalRows(schema, rows));
      expect(await columnCells(bytes)).toEqual(await rowCells(bytes));
      const metadata = parquetMetadata(bytes);
      expect(metadata.created_by).toBe('prt');
      expect(metadata.schema.slice(1).map((e) => e.repetition_type)).toEqual(
        schema.map((c) => (c.nullable ? 'OPTIONAL' : 'REQUIRED')),
      );
      expect(new Set(chunks(bytes)[0]!.map((c) => c.meta_data?.codec))).toEqual(
        new Set([codec.toUpperCase()]),
      );
    },
  );

  it('writes exact statistics: signed 64-bit order, NaN and signed zeros, cut text bounds, null counts', async () => {
    // Prepare
    const schema: ColumnSpec[] = [
      { name: 'n', type: 'int64', nullable: true },
      { name: 'x', type: 'float64', nullable: false },
      { name: 's', type: 'string', nullable: true },
    ];
    const long = 'zzzzzzzzzzzzzzzzzzzz-the-largest';
    const rows: TypedRow[] = [
      [2n ** 53n + 1n, 0, 'b'],
      [-(2n ** 63n), NaN, null],
      [null, -0, long],
      [-1, 3.5, 'a'],
    ];

    // Act
    const bytes = await writeByColumns(schema, rows);

    // Assess
    const [n, x, s] = chunks(bytes)[0]!.map((c) => c.meta_data!.statistics!);
    expect(n).toMatchObject({ min_value: -(2n ** 63n), max_value: 2n ** 53n + 1n, null_count: 1n });
    expect(x).toMatchObject({ max_value: 3.5, null_count: 0n });
    expect(fieldOf(rawStatistics(bytes)[0]![1], 'field_9')).toBe(1n); // nan_count
    expect(Object.is(x!.min_value, -0)).toBe(true);
    expect(s).toMatchObject({ min_value: 'a', null_count: 1n, is_max_value_exact: false });
    // A 16-byte upper bound above every value.
    expect(s!.max_value).toBe('zzzzzzzzzzzzzzz{');
  });

  it('dictionary-encodes repetitive strings, and falls back to PLAIN for distinct or oversized ones', async () => {
    // Prepare
    const schema: ColumnSpec[] = [
      { name: 'few', type: 'string', nullable: true },
      { name: 'distinct', type: 'string', nullable: false },
      { name: 'large', type: 'string', nullable: false },
    ];
    // 'large': 1,500 distinct 1 KiB values, each 10 times: a dictionary would pay, but it passes
    // the 1 MiB bound on a dictionary page.
    const rows: TypedRow[] = Array.from({ length: 15_000 }, (_, i) => [
      i % 11 === 0 ? null : `category ${i % 7}`,
      `customer-${i}@example.com`,
      `${i % 1500}`.padEnd(1024, '.'),
    ]);

    // Act
    const bytes = await writeByColumns(schema, rows, { rowGroupRows: 20_000 }, 4096);

    // Assess
    const [few, distinct, large] = chunks(bytes)[0]!.map((c) => c.meta_data!);
    expect(few!.encodings).toEqual(['PLAIN', 'RLE_DICTIONARY']);
    expect(few!.dictionary_page_offset).toBeDefined();
    expect(distinct!.encodings).toEqual(['PLAIN']);
    expect(large!.encodings).toEqual(['PLAIN']);
    expect(large!.dictionary_page_offset).toBeUndefined();
    expect(await rowCells(bytes)).toEqual(rows);
    expect(await columnCells(bytes)).toEqual(rows);
  });

  it('splits row groups and pages, with offset indexes for chunks of several pages', async () => {
    // Prepare: 8-byte values past the 1 MiB page target in the first group
    const schema: ColumnSpec[] = [
      { name: 'id', type: 'int64', nullable: false },
      { name: 'label', type: 'string', nullable: true },
      { name: 'ok', type: 'boolean', nullable: true },
    ];
    const rows: TypedRow[] = Array.from({ length: 250_000 }, (_, i) => [
      i * 1_000_003,
      i % 5 === 0 ? null : `label ${i}`,
      i % 3 === 0 ? null : i % 2 === 0,
    ]);

    // Act
    const bytes = await writeByColumns(schema, rows, { rowGroupRows: 200_000 }, 65_536);

    // Assess
    const groups = parquetMetadata(bytes).row_groups;
    expect(groups.map((g) => g.num_rows)).toEqual([200_000n, 50_000n]);
    const [id, label] = groups[0]!.columns;
    expect(id!.offset_index_length).toBeGreaterThan(0);
    expect(label!.offset_index_length).toBeGreaterThan(0);
    expect(groups[1]!.columns[0]!.offset_index_length).toBeUndefined();
    expect(groups[0]!.columns[2]!.meta_data!.encodings).toEqual(['RLE']);
    expect(await columnCells(bytes)).toEqual(await rowCells(bytes));
    const cells = await rowCells(bytes);
    expect(cells.length).toBe(rows.length);
    expect(cells[199_999]).toEqual(rows[199_999]);
    expect(cells[200_000]).toEqual(rows[200_000]);
    expect(cells.every((c, i) => c[0] === rows[i]![0] && c[1] === rows[i]![1])).toBe(true);
  });

  it('writes a few booleans PLAIN, as hyparquet-writer did', async () => {
    // Prepare
    const schema: ColumnSpec[] = [{ name: 'b', type: 'boolean', nullable: true }];
    const rows: TypedRow[] = [[true], [null], [false], [true]];

    // Act
    const bytes = await writeByColumns(schema, rows);

    // Assess
    expect(chunks(bytes)[0]![0]!.meta_data!.encodings).toEqual(['PLAIN']);
    expect(await rowCells(bytes)).toEqual(rows);
  });
});

describe('Parquet writer errors from typed columns', () => {
  const ID: ColumnSpec[] = [{ name: 'id', type: 'int64', nullable: false }];

  it('names the row of a null in a non-nullable column, counting across calls', async () => {
    // Prepare
    const writer = createParquetWriter(new BufferSink(), { schema: ID });
    await writer.writeColumns!([{ kind: 'integer', values: Float64Array.of(1, 2, 3), valid: null }], 3);

    // Act + Assess
    await expect(
      writer.writeColumns!(
        [{ kind: 'integer', values: Float64Array.of(4, 0), valid: Uint8Array.of(1, 0) }],
        2,
      ),
    ).rejects.toThrow(new FormatError('row 5: column id is not nullable but the value is null'));
  });

  it('checks narrow ints and decimal precision', async () => {
    // Prepare
    const narrow = createParquetWriter(new BufferSink(), {
      schema: [{ name: 'i', type: 'int32', physical: 'int8', nullable: true }],
    });
    const decimal = createParquetWriter(new BufferSink(), {
      schema: [{ name: 'd', type: 'decimal', precision: 4, scale: 2, nullable: true }],
    });

    // Act + Assess
    await expect(
      narrow.writeColumns!([{ kind: 'int32', values: Int32Array.of(1, 300), valid: null }], 2),
    ).rejects.toThrow(/cannot write number 300 to int32 column i: expected a 8-bit integer/);
    await expect(
      decimal.writeColumns!([{ kind: 'integer', values: Float64Array.of(12, 12345), valid: null }], 2),
    ).rejects.toThrow(/at most 4 digits/);
  });

  it('rejects text that is no UUID or date', async () => {
    // Prepare
    const schema: ColumnSpec[] = [
      { name: 'u', type: 'string', physical: 'uuid', nullable: true },
      { name: 'd', type: 'date', nullable: true },
    ];

    // Act + Assess
    await expect(
      createParquetWriter(new BufferSink(), { schema }).write([['not-a-uuid', '2024-01-01']]),
    ).rejects.toThrow(/expected UUID text/);
    await expect(
      createParquetWriter(new BufferSink(), { schema }).writeColumns!(
        [
          { kind: 'string', values: [null] },
          { kind: 'string', values: ['2024-1-01'] },
        ],
        1,
      ),
    ).rejects.toThrow(/expected 'YYYY-MM-DD'/);
  });
});
