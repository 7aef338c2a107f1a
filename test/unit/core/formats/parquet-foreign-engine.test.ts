import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { parquetSchemaOf, readParquet } from '../../../../lambdas/core/formats/parquet-reader';
import { readAll, sourceOf } from '../../../fixtures/parquet-arrow-tables';

// Written by DuckDB 1.5 (test/fixtures/parquet/README.md): another engine's encoders, DATA_PAGE v1
// pages, zone-less timestamps (isAdjustedToUTC false), a TIMESTAMPTZ, a struct and a blob.
const FIXTURES = join(import.meta.dirname, '../../../fixtures/parquet');
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(join(FIXTURES, name)));

const EDGE_COLUMNS = [
  'id',
  'text',
  'i32',
  'i64',
  'f32',
  'f64',
  'flag',
  'day',
  'ts_ms',
  'ts_us',
  'ts_ns',
  'ts_tz',
  'dec9',
  'dec18',
  'dec38',
  'blob',
  'address.city',
  'address.zip',
];

const EDGE_CELLS = [
  [
    1,
    'plain',
    1,
    1,
    1.5,
    1.5,
    true,
    '1970-01-01',
    '1970-01-01T00:00:00',
    '1970-01-01T00:00:00',
    '1970-01-01T00:00:00',
    '1970-01-01T00:00:00Z',
    '0.00',
    '0.000000',
    '0.0000000000',
    'AP8=',
    'Oslo',
    150,
  ],
  [2, ...Array<null>(17).fill(null)],
  [
    3,
    'Zoë 🌍 日本語',
    -2147483648,
    9007199254740993n,
    NaN,
    -Infinity,
    false,
    '0001-01-01',
    '0001-01-01T00:00:00.001',
    '0001-01-01T00:00:00.000001',
    '1677-09-22T00:00:00.000000001',
    '2024-02-29T12:34:56.789012Z',
    '-9999999.99',
    '-999999999999.999999',
    '-9999999999999999999999999999.9999999999',
    '',
    null,
    null,
  ],
  [
    4,
    '',
    2147483647,
    9223372036854775807n,
    Infinity,
    5e-324,
    true,
    '9999-12-31',
    '9999-12-31T23:59:59.999',
    '9999-12-31T23:59:59.999999',
    '2024-02-29T12:34:56.123456789',
    '1969-12-31T23:59:59.999999Z',
    '9999999.99',
    '0.000001',
    '9999999999999999999999999999.9999999999',
    'YWJj',
    null,
    null,
  ],
];

describe('Parquet files written by DuckDB', () => {
  it.each(['snappy', 'gzip', 'zstd', 'brotli', 'lz4_raw', 'uncompressed'])(
    'reads every type exactly (%s)',
    async (codec) => {
      // Prepare
      const bytes = fixture(`duckdb-edge-${codec}.parquet`);

      // Act
      const batches = await readAll(readParquet(sourceOf(bytes, `duckdb-edge-${codec}.parquet`)));

      // Assess: zone-less timestamps carry no 'Z' (the contract's zone applies), TIMESTAMPTZ does
      expect(batches).toHaveLength(1);
      expect(batches[0]!.columns).toEqual(EDGE_COLUMNS);
      expect(batches[0]!.rows).toEqual(EDGE_CELLS);
    },
  );

  it('maps its schema to contract types', async () => {
    // Act
    const schema = await parquetSchemaOf(sourceOf(fixture('duckdb-edge-snappy.parquet')));

    // Assess
    expect(schema.map((c) => [c.name, c.type, c.unit ?? c.precision ?? '', c.scale ?? ''])).toEqual([
      ['id', 'int32', '', ''],
      ['text', 'string', '', ''],
      ['i32', 'int32', '', ''],
      ['i64', 'int64', '', ''],
      ['f32', 'float32', '', ''],
      ['f64', 'float64', '', ''],
      ['flag', 'boolean', '', ''],
      ['day', 'date', '', ''],
      ['ts_ms', 'timestamp', 'ms', ''],
      ['ts_us', 'timestamp', 'us', ''],
      ['ts_ns', 'timestamp', 'ns', ''],
      ['ts_tz', 'timestamp', 'us', ''],
      ['dec9', 'decimal', 9, 2],
      ['dec18', 'decimal', 18, 6],
      ['dec38', 'decimal', 38, 10],
      ['blob', 'string', '', ''],
      ['address.city', 'string', '', ''],
      ['address.zip', 'int32', '', ''],
    ]);
    expect(schema.every((c) => c.nullable)).toBe(true);
  });

  it('reads several row groups in bounded batches with continuous row numbers', async () => {
    // Prepare: 2,500 rows that DuckDB split into row groups of 2,048 and 452
    const bytes = fixture('duckdb-row-groups.parquet');

    // Act
    const batches = await readAll(readParquet(sourceOf(bytes), { batchSize: 1000 }));

    // Assess
    expect(batches.map((b) => [b.firstRow, b.rows.length])).toEqual([
      [1, 1000],
      [1001, 1000],
      [2001, 48],
      [2049, 452],
    ]);
    const rows = batches.flatMap((b) => b.rows);
    expect(rows[2047]).toEqual([2047, 'row 2047', '511.75']);
    expect(rows[2048]).toEqual([2048, 'row 2048', '512.00']);
    expect(rows.filter((r) => r[2] === null)).toHaveLength(358);
  });

  it('reads a list column as JSON text', async () => {
    // Act
    const batches = await readAll(readParquet(sourceOf(fixture('duckdb-list.parquet'))));

    // Assess
    expect(batches).toEqual([{ columns: ['id', 'tags'], rows: [[1, '[1,2,3]']], firstRow: 1 }]);
  });
});
