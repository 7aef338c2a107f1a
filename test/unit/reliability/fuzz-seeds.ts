/**
 * Valid files the fuzzing suites mutate, written by the production writers, and the byte tokens
 * each format's parser reacts to. Seeds stay small (a few rows) so ten thousand cases run in seconds.
 */
import type { ColumnSpec, DataFormat } from '../../../lambdas/core/contracts/output-contract';
import type { TypedRow } from '../../../lambdas/core/formats/table-io';
import { writeTable } from '../../fixtures/format-io';
import { EDGE_ROWS, EVERY_TYPE } from '../../fixtures/parquet-arrow-tables';
import { createArrowWriter } from '../../../lambdas/core/formats/arrow-writer';
import { BufferSink } from '../../../lambdas/core/formats/byte-io';
import { createParquetWriter } from '../../../lambdas/core/formats/parquet-writer';
import type { ParquetCodec } from '../../../lambdas/core/formats/table-io';
import { bytesOf } from './mutations';

export const SMALL_SCHEMA: readonly ColumnSpec[] = [
  { name: 'id', type: 'int64', nullable: false },
  { name: 'label', type: 'string', nullable: true },
  { name: 'amount', type: 'decimal', precision: 12, scale: 2, nullable: true },
  { name: 'seen_at', type: 'timestamp', nullable: true },
];

export const SMALL_ROWS: readonly TypedRow[] = [
  [1, 'alpha', 1999n, 1_700_000_000_000_000n],
  [2, 'with, comma and "quotes"\nand a newline', -5n, null],
  [3, null, null, 0n],
  [2n ** 60n, 'Zoë 🌍', 0n, -1n],
];

/** The table seeds: every contract type at its edges, and a small mixed one. */
const TABLES: readonly { schema: readonly ColumnSpec[]; rows: readonly TypedRow[] }[] = [
  { schema: SMALL_SCHEMA, rows: SMALL_ROWS },
  { schema: EVERY_TYPE, rows: EDGE_ROWS.slice(0, 4) },
  { schema: SMALL_SCHEMA.slice(0, 2), rows: [] },
];

/** The CSV dialects seeds are written in. */
export const CSV_DIALECTS = [
  { delimiter: ',', header: true },
  { delimiter: ';', header: true },
  { delimiter: '\t', header: false },
] as const;

export interface CsvSeed {
  readonly bytes: Uint8Array;
  readonly delimiter: string;
  readonly header: boolean;
  readonly columns: readonly string[];
}

/** Valid CSV files in several dialects, with what it takes to read them. */
export async function csvSeeds(): Promise<CsvSeed[]> {
  const out: CsvSeed[] = [];
  for (const { schema, rows } of TABLES) {
    for (const csv of CSV_DIALECTS) {
      const bytes = await writeTable('csv', schema, rows, { csv });
      out.push({ bytes, ...csv, columns: schema.map((c) => c.name) });
    }
  }
  return out;
}

/** Valid CSV, JSON Lines or JSON array files (CSV in several dialects). */
export async function textSeeds(format: 'csv' | 'jsonl' | 'json'): Promise<Uint8Array[]> {
  if (format === 'csv') return (await csvSeeds()).map((s) => s.bytes);
  const out: Uint8Array[] = [];
  for (const { schema, rows } of TABLES) out.push(await writeTable(format, schema, rows));
  return out;
}

/** Valid Parquet files: several codecs, and more than one row group. */
export async function parquetSeeds(): Promise<Uint8Array[]> {
  const codecs: readonly ParquetCodec[] = ['uncompressed', 'snappy', 'gzip', 'zstd'];
  const out: Uint8Array[] = [];
  for (const [k, { schema, rows }] of TABLES.entries()) {
    out.push(await writeWith(createParquetWriter, schema, rows, { codec: codecs[k % codecs.length]! }));
  }
  out.push(
    await writeWith(createParquetWriter, SMALL_SCHEMA, SMALL_ROWS, { codec: 'snappy', rowGroupRows: 2 }),
  );
  out.push(await writeWith(createParquetWriter, EVERY_TYPE, EDGE_ROWS, { codec: 'uncompressed' }));
  return out;
}

/** Valid Arrow IPC files: the stream format, or the file format ('ARROW1'). */
export async function arrowSeeds(file: boolean): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (const { schema, rows } of TABLES) {
    const sink = new BufferSink('seed.arrow');
    const writer = createArrowWriter(sink, { schema, file });
    // Two writes: two record batches.
    await writer.write(rows.slice(0, 2));
    await writer.write(rows.slice(2));
    await writer.close();
    out.push(new Uint8Array(sink.bytes()));
  }
  return out;
}

async function writeWith(
  create: typeof createParquetWriter,
  schema: readonly ColumnSpec[],
  rows: readonly TypedRow[],
  parquet: { codec: ParquetCodec; rowGroupRows?: number },
): Promise<Uint8Array> {
  const sink = new BufferSink('seed.parquet');
  const writer = create(sink, { schema, parquet });
  await writer.write(rows);
  await writer.close();
  return new Uint8Array(sink.bytes());
}

/** Every valid seed of a format, for suites that read any format. */
export async function seedsOf(format: DataFormat): Promise<Uint8Array[]> {
  switch (format) {
    case 'csv':
    case 'jsonl':
    case 'json':
      return textSeeds(format);
    case 'parquet':
      return parquetSeeds();
    case 'arrow':
      return [...(await arrowSeeds(false)), ...(await arrowSeeds(true))];
  }
}

/** Invalid UTF-8: a lone continuation byte, overlong forms, an encoded surrogate, cut sequences, > U+10FFFF. */
export const INVALID_UTF8: readonly Uint8Array[] = [
  [0x80],
  [0xc0, 0xaf],
  [0xe0, 0x80, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xf0, 0x9f],
  [0xe2, 0x82],
  [0xff],
  [0xfe, 0xff],
].map((b) => Uint8Array.from(b));

const text = (...tokens: string[]): Uint8Array[] => tokens.map(bytesOf);

export const CSV_TOKENS: readonly Uint8Array[] = [
  ...text('"', '""', ',', ';', '\t', '|', '\n', '\r\n', '\r', '\uFEFF', '\u0000', 'a"b', '","', '"\n"'),
  ...INVALID_UTF8,
];

export const JSON_TOKENS: readonly Uint8Array[] = [
  ...text('{', '}', '[', ']', '"', '\\', '\\u', '\\ud800', ':', ',', '\n', '\r\n', 'null', 'true'),
  ...text('-', '1e999999', '12345678901234567890123456789', '0.30000000000000004', '-0', '1.', '01'),
  ...text('{"a":', '"\u0000big:1"', '[[[[[[[[', ']]]]', '\uFEFF', '"__proto__"', '{"":1}'),
  ...INVALID_UTF8,
];

/** Bytes that matter to binary formats: magic numbers, the IPC continuation marker, thrift headers. */
export const BINARY_TOKENS: readonly Uint8Array[] = [
  ...text('PAR1', 'ARROW1', 'ARROW1\0\0'),
  Uint8Array.of(0xff, 0xff, 0xff, 0xff),
  Uint8Array.of(0x00, 0x00, 0x00, 0x00),
  Uint8Array.of(0x1f, 0x8b, 0x08, 0x00),
  Uint8Array.of(0x15, 0x00, 0x15, 0x80, 0x80, 0x80, 0x80, 0x08),
  Uint8Array.of(0x19, 0xfc),
  Uint8Array.of(0x1c, 0x15, 0x00),
];
