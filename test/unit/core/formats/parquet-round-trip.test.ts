import zlib from 'node:zlib';

import fc from 'fast-check';
import { parquetMetadata } from 'hyparquet';
import { describe, expect, it } from 'vitest';

import type { ColumnSpec } from '../../../../lambdas/core/contracts/output-contract';
import { FormatError } from '../../../../lambdas/core/errors';
import { BufferSink } from '../../../../lambdas/core/formats/byte-io';
import { parquetSchemaOf, readParquet } from '../../../../lambdas/core/formats/parquet-reader';
import { createParquetWriter } from '../../../../lambdas/core/formats/parquet-writer';
import type { ParquetCodec, TypedRow } from '../../../../lambdas/core/formats/table-io';
import {
  canonicalCells,
  canonicalRows,
  EDGE_ROWS,
  EVERY_TYPE,
  readAll,
  RecordingSink,
  sourceOf,
  tableArbitrary,
  writeTable,
} from '../../../fixtures/parquet-arrow-tables';

const hasZstd = typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync === 'function';

function idRows(count: number): TypedRow[] {
  return Array.from({ length: count }, (_, i) => [i + 1, `row ${i + 1}`]);
}
const ID_SCHEMA: readonly ColumnSpec[] = [
  { name: 'id', type: 'int64', nullable: false },
  { name: 'label', type: 'string', nullable: true },
];

describe('Parquet writer → reader round trip', () => {
  it.each<ParquetCodec>(['snappy', 'gzip', 'uncompressed'])(
    'keeps every column type exactly (%s)',
    async (codec) => {
      // Prepare
      const bytes = await writeTable(createParquetWriter, EVERY_TYPE, EDGE_ROWS, { parquet: { codec } });

      // Act
      const batches = await readAll(readParquet(sourceOf(bytes)));

      // Assess
      expect(batches[0]!.columns).toEqual(EVERY_TYPE.map((c) => c.name));
      expect(canonicalCells(EVERY_TYPE, batches)).toEqual(canonicalRows(EVERY_TYPE, EDGE_ROWS));
      const codecs = parquetMetadata(bytes).row_groups[0]!.columns.map((c) => c.meta_data?.codec);
      expect(new Set(codecs)).toEqual(new Set([codec.toUpperCase()]));
    },
  );

  it('yields raw cells in the representation typed formats promise', async () => {
    // Prepare
    const bytes = await writeTable(createParquetWriter, EVERY_TYPE, EDGE_ROWS);

    // Act
    const [batch] = await readAll(readParquet(sourceOf(bytes)));

    // Assess: exact text for dates, timestamps and decimals; bigints only beyond 2^53
    const byName = (row: number, name: string): unknown =>
      batch!.rows[row]![EVERY_TYPE.findIndex((c) => c.name === name)];
    expect(byName(0, 'i64')).toBe(1);
    expect(byName(2, 'i64')).toBe(2n ** 53n + 1n);
    expect(byName(2, 'text')).toBe('Zoë 🌍 日本語 \u0000 "quoted", comma');
    expect(byName(2, 'day')).toBe('1969-12-31');
    expect(byName(3, 'day')).toBe('0001-01-01');
    expect(byName(4, 'day')).toBe('9999-12-31');
    expect(byName(2, 'ts_ns')).toBe('1969-12-31T23:59:59.999999999Z');
    expect(byName(5, 'ts_ns')).toBe('2023-11-14T22:13:20.123456789Z');
    expect(byName(4, 'ts_us')).toBe('9999-12-31T23:59:59.999999Z');
    expect(byName(3, 'ts_ms')).toBe('0001-01-01T00:00:00Z');
    expect(byName(2, 'dec9')).toBe('-9999999.99');
    expect(byName(3, 'dec38')).toBe('9999999999999999999999999999.9999999999');
    expect(byName(5, 'dec18')).toBe('0.123456');
    expect(byName(1, 'text')).toBeNull();
    expect(Number.isNaN(byName(2, 'f64'))).toBe(true);
    expect(Object.is(byName(5, 'f32'), -0)).toBe(true);
  });

  it('declares the contract types in the file schema', async () => {
    // Prepare
    const bytes = await writeTable(createParquetWriter, EVERY_TYPE, EDGE_ROWS);

    // Act
    const schema = await parquetSchemaOf(sourceOf(bytes));

    // Assess
    expect(schema).toEqual(
      EVERY_TYPE.map((c) => ({
        name: c.name,
        type: c.type,
        nullable: c.nullable,
        ...(c.type === 'timestamp' ? { unit: c.unit ?? 'us' } : {}),
        ...(c.type === 'decimal' ? { precision: c.precision, scale: c.scale } : {}),
      })),
    );
    const elements = parquetMetadata(bytes).schema;
    expect(elements.find((e) => e.name === 'dec9')?.type).toBe('INT32');
    expect(elements.find((e) => e.name === 'dec18')?.type).toBe('INT64');
    expect(elements.find((e) => e.name === 'dec38')).toMatchObject({
      type: 'FIXED_LEN_BYTE_ARRAY',
      type_length: 16,
    });
    expect(elements.find((e) => e.name === 'ts_ns')?.logical_type).toEqual({
      type: 'TIMESTAMP',
      isAdjustedToUTC: true,
      unit: 'NANOS',
    });
    expect(elements.find((e) => e.name === 'id')?.repetition_type).toBe('REQUIRED');
  });

  it('round-trips random typed tables exactly', async () => {
    await fc.assert(
      fc.asyncProperty(
        tableArbitrary,
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 9 }),
        async ({ schema, rows }, rowGroupRows, batchSize) => {
          // Prepare
          const bytes = await writeTable(createParquetWriter, schema, rows, { parquet: { rowGroupRows } }, 5);

          // Act
          const batches = await readAll(readParquet(sourceOf(bytes), { batchSize }));

          // Assess
          expect(canonicalCells(schema, batches)).toEqual(canonicalRows(schema, rows));
          expect(batches.every((b) => b.rows.length <= batchSize)).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('writes zstd where node:zlib can compress it, and says why not elsewhere', async () => {
    // Prepare
    const create = (): Promise<Uint8Array> =>
      writeTable(createParquetWriter, EVERY_TYPE, EDGE_ROWS, { parquet: { codec: 'zstd' } });

    const expected = hasZstd
      ? canonicalRows(EVERY_TYPE, EDGE_ROWS)
      : `FormatError: Parquet zstd compression needs Node.js 22.15 or later (zlib.zstdCompressSync); ` +
        `this is Node ${process.versions.node}. Choose snappy or gzip, or run on a newer Node`;

    // Act
    const outcome = await create().then(
      async (bytes) => canonicalCells(EVERY_TYPE, await readAll(readParquet(sourceOf(bytes)))),
      (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : 'not an Error'),
    );

    // Assess
    expect(outcome).toEqual(expected);
  });
});

describe('Parquet row groups and batches', () => {
  it('writes a row group every rowGroupRows rows and reads batches of at most batchSize', async () => {
    // Prepare
    const rows = idRows(1050);
    const bytes = await writeTable(
      createParquetWriter,
      ID_SCHEMA,
      rows,
      { parquet: { rowGroupRows: 400 } },
      300,
    );

    // Act
    const batches = await readAll(readParquet(sourceOf(bytes), { batchSize: 150 }));

    // Assess
    expect(parquetMetadata(bytes).row_groups.map((g) => g.num_rows)).toEqual([400n, 400n, 250n]);
    expect(batches.map((b) => b.rows.length)).toEqual([150, 150, 100, 150, 150, 100, 150, 100]);
    expect(batches.map((b) => b.firstRow)).toEqual([1, 151, 301, 401, 551, 701, 801, 951]);
    expect(batches.flatMap((b) => b.rows.map((r) => r[0]))).toEqual(rows.map((r) => r[0]));
  });

  it('streams each row group to the sink before close', async () => {
    // Prepare
    const sink = new RecordingSink('streamed');
    const writer = createParquetWriter(sink, { schema: ID_SCHEMA, parquet: { rowGroupRows: 100 } });

    // Act
    await writer.write(idRows(250));
    const beforeClose = sink.written;
    await writer.close();

    // Assess: two full row groups reached the sink while the third was still buffered
    expect(sink.events.filter((e) => e.startsWith('write')).length).toBeGreaterThanOrEqual(3);
    expect(beforeClose).toBeGreaterThan(1000);
    expect(sink.events.at(-1)).toBe('close');
    const batches = await readAll(readParquet(sourceOf(sink.bytes())));
    expect(batches.reduce((n, b) => n + b.rows.length, 0)).toBe(250);
  });

  it('writes a valid empty file when no row is written', async () => {
    // Prepare
    const bytes = await writeTable(createParquetWriter, ID_SCHEMA, []);

    // Act
    const batches = await readAll(readParquet(sourceOf(bytes)));

    // Assess: one empty batch carries the declared columns
    expect(batches).toEqual([{ columns: ['id', 'label'], rows: [], firstRow: 1 }]);
    expect(await parquetSchemaOf(sourceOf(bytes))).toEqual([
      { name: 'id', type: 'int64', nullable: false },
      { name: 'label', type: 'string', nullable: true },
    ]);
  });

  it('reads only the requested columns, in the requested order', async () => {
    // Prepare
    const bytes = await writeTable(createParquetWriter, EVERY_TYPE, EDGE_ROWS);

    // Act
    const batches = await readAll(readParquet(sourceOf(bytes), { columns: ['id', 'day'] }));

    // Assess
    expect(batches[0]!.columns).toEqual(['id', 'day']);
    expect(batches[0]!.rows[3]).toEqual([4, '0001-01-01']);
  });

  it('rejects a requested column the file does not have', async () => {
    // Prepare
    const bytes = await writeTable(createParquetWriter, ID_SCHEMA, idRows(3));

    // Act + Assess
    await expect(readAll(readParquet(sourceOf(bytes), { columns: ['nope'] }))).rejects.toThrow(FormatError);
  });

  it('rejects a row group above maxRowGroupBytes', async () => {
    // Prepare
    const bytes = await writeTable(createParquetWriter, ID_SCHEMA, idRows(1000));

    // Act + Assess
    await expect(readAll(readParquet(sourceOf(bytes), { maxRowGroupBytes: 100 }))).rejects.toThrow(
      /row group 0 decompresses to \d+ bytes, above the limit of 100/,
    );
  });

  it('rejects text longer than maxFieldLength', async () => {
    // Prepare
    const bytes = await writeTable(createParquetWriter, ID_SCHEMA, [[1, 'x'.repeat(50)]]);

    // Act + Assess
    await expect(readAll(readParquet(sourceOf(bytes), { maxFieldLength: 10 }))).rejects.toThrow(FormatError);
  });
});

describe('Parquet writer errors', () => {
  it('rejects a null in a non-nullable column with the row and column', async () => {
    // Prepare
    const writer = createParquetWriter(new BufferSink(), { schema: ID_SCHEMA });

    // Act + Assess
    await expect(
      writer.write([
        [1, 'a'],
        [null, 'b'],
      ]),
    ).rejects.toThrow(new FormatError('row 2: column id is not nullable but the value is null'));
  });

  it('rejects a value of the wrong type', async () => {
    // Prepare
    const writer = createParquetWriter(new BufferSink(), { schema: ID_SCHEMA });

    // Act + Assess
    await expect(writer.write([['one', 'a']])).rejects.toThrow(FormatError);
    await expect(writer.write([[1, 'a']])).rejects.toThrow(/is failed/);
  });

  it('rejects a decimal with more digits than its precision', async () => {
    // Prepare
    const schema: ColumnSpec[] = [{ name: 'd', type: 'decimal', precision: 4, scale: 2, nullable: true }];
    const writer = createParquetWriter(new BufferSink(), { schema });

    // Act + Assess
    await expect(writer.write([[12345n]])).rejects.toThrow(/at most 4 digits/);
  });

  it('aborts through the sink, which publishes nothing', async () => {
    // Prepare
    const sink = new RecordingSink();
    const writer = createParquetWriter(sink, { schema: ID_SCHEMA, parquet: { rowGroupRows: 10 } });
    await writer.write(idRows(25));

    // Act
    await writer.abort();

    // Assess
    expect(sink.events.at(-1)).toBe('abort');
    expect(sink.events).not.toContain('close');
    await expect(writer.close()).rejects.toThrow(FormatError);
  });

  it('rejects an invalid rowGroupRows and an empty schema at creation', () => {
    // Act + Assess
    expect(() =>
      createParquetWriter(new BufferSink(), { schema: ID_SCHEMA, parquet: { rowGroupRows: 0 } }),
    ).toThrow(FormatError);
    expect(() => createParquetWriter(new BufferSink(), { schema: [] })).toThrow(FormatError);
  });
});
