/**
 * Typed tables shared by the Parquet and Arrow tests: a table with every contract type at its
 * edges, fast-check arbitraries for random typed tables, and helpers that read a whole file back
 * and reduce it to canonical text (the column codecs' notion of "the same value").
 */
import fc from 'fast-check';

import type { ColumnSpec } from '../../../lambdas/core/contracts/output-contract';
import { BufferSink, bufferSource, type ByteSource } from '../../../lambdas/core/formats/byte-io';
import type { RecordBatch } from '../../../lambdas/core/formats/record-batch';
import type { TableWriter, TypedRow, WriterOptions } from '../../../lambdas/core/formats/table-io';
import {
  columnCodec,
  daysFromCivil,
  formatDate,
  NOT_CONFORMING,
  type TypedValue,
} from '../../../lambdas/core/contracts/typed-values';

export const EVERY_TYPE: readonly ColumnSpec[] = [
  { name: 'text', type: 'string', nullable: true },
  { name: 'i32', type: 'int32', nullable: true },
  { name: 'i64', type: 'int64', nullable: true },
  { name: 'f32', type: 'float32', nullable: true },
  { name: 'f64', type: 'float64', nullable: true },
  { name: 'flag', type: 'boolean', nullable: true },
  { name: 'day', type: 'date', nullable: true },
  { name: 'ts_ms', type: 'timestamp', unit: 'ms', nullable: true },
  { name: 'ts_us', type: 'timestamp', nullable: true },
  { name: 'ts_ns', type: 'timestamp', unit: 'ns', nullable: true },
  { name: 'dec9', type: 'decimal', precision: 9, scale: 2, nullable: true },
  { name: 'dec18', type: 'decimal', precision: 18, scale: 6, nullable: true },
  { name: 'dec38', type: 'decimal', precision: 38, scale: 10, nullable: true },
  { name: 'id', type: 'int64', nullable: false },
];

const MAX38 = 10n ** 38n - 1n;

/** Rows of EVERY_TYPE at the edges: nulls, unicode, 2^53+, NaN/±Infinity, year 1 and 9999, ns. */
export const EDGE_ROWS: readonly TypedRow[] = [
  ['plain', 1, 1, 1.5, 1.5, true, '1970-01-01', 0n, 0n, 0n, 0n, 0n, 0n, 1],
  [null, null, null, null, null, null, null, null, null, null, null, null, null, 2],
  [
    'Zoë 🌍 日本語 \u0000 "quoted", comma',
    -2147483648,
    2n ** 53n + 1n,
    NaN,
    NaN,
    false,
    '1969-12-31',
    -1n,
    -1n,
    -1n,
    -999999999n,
    -999999999999999999n,
    -MAX38,
    3,
  ],
  [
    '',
    2147483647,
    2n ** 63n - 1n,
    Infinity,
    Infinity,
    true,
    '0001-01-01',
    -62135596800000n,
    -62135596800000000n,
    -(2n ** 63n),
    999999999n,
    999999999999999999n,
    MAX38,
    4,
  ],
  [
    '\u{10FFFF}',
    0,
    -(2n ** 63n),
    -Infinity,
    -Infinity,
    false,
    '9999-12-31',
    253402300799999n,
    253402300799999999n,
    2n ** 63n - 1n,
    1n,
    -1n,
    12345678901234567890123456789012345678n,
    2n ** 60n,
  ],
  [
    'x',
    -1,
    -(2n ** 53n) - 1n,
    -0,
    -0,
    true,
    '2000-02-29',
    1n,
    1_700_000_000_000_001n,
    1_700_000_000_123_456_789n,
    5n,
    123456n,
    -1n,
    -5,
  ],
  [
    'tiny',
    7,
    Number.MAX_SAFE_INTEGER,
    3.4028234663852886e38,
    Number.MIN_VALUE,
    null,
    '1900-03-01',
    1n,
    1n,
    999_999_999n,
    null,
    0n,
    1n,
    0,
  ],
];

/** Canonical text of a typed table, cell by cell: equal text, equal values. */
export function canonicalRows(schema: readonly ColumnSpec[], rows: readonly TypedRow[]): string[][] {
  const codecs = schema.map((c) => columnCodec(c));
  return rows.map((row) => row.map((v, j) => codecs[j]!.canonical(v)));
}

/** Raw cells read back, typed by the schema's codecs, as canonical text (fails on a non-conforming cell). */
export function canonicalCells(schema: readonly ColumnSpec[], batches: readonly RecordBatch[]): string[][] {
  const codecs = schema.map((c) => columnCodec(c));
  return batches.flatMap((b) =>
    b.rows.map((row) =>
      row.map((cell, j) => {
        if (cell === null) return codecs[j]!.canonical(null);
        const parsed = codecs[j]!.parse(cell);
        if (parsed === NOT_CONFORMING) {
          throw new Error(`column ${schema[j]!.name}: ${typeof cell} ${String(cell)} does not conform`);
        }
        return codecs[j]!.canonical(parsed);
      }),
    ),
  );
}

export async function readAll(batches: AsyncIterable<RecordBatch>): Promise<RecordBatch[]> {
  const out: RecordBatch[] = [];
  for await (const batch of batches) out.push(batch);
  return out;
}

/** A sink that records when bytes arrive, to prove writers stream before close. */
export class RecordingSink extends BufferSink {
  readonly events: string[] = [];
  written = 0;
  override write(chunk: Uint8Array): Promise<void> {
    this.events.push(`write ${chunk.byteLength}`);
    this.written += chunk.byteLength;
    return super.write(chunk);
  }
  override close(): Promise<void> {
    this.events.push('close');
    return super.close();
  }
  override abort(): Promise<void> {
    this.events.push('abort');
    return super.abort();
  }
}

export type WriterFactory = (sink: BufferSink, options: WriterOptions) => TableWriter;

/** Writes rows through a writer (in calls of `chunk` rows) and returns the bytes. */
export async function writeTable(
  create: WriterFactory,
  schema: readonly ColumnSpec[],
  rows: readonly TypedRow[],
  options: Omit<WriterOptions, 'schema'> = {},
  chunk = 1000,
): Promise<Uint8Array> {
  const sink = new BufferSink('test');
  const writer = create(sink, { ...options, schema });
  for (let i = 0; i < rows.length; i += chunk) await writer.write(rows.slice(i, i + chunk));
  await writer.close();
  return new Uint8Array(sink.bytes()); // a copy: Buffer#slice would alias
}

export function sourceOf(bytes: Uint8Array, name = 'test'): ByteSource {
  return bufferSource(bytes, name, 1000);
}

// ---- fast-check arbitraries ----

const MIN_DAY = daysFromCivil(1, 1, 1);
const MAX_DAY = daysFromCivil(9999, 12, 31);
const UNIT_PER_DAY = { ms: 86_400_000n, us: 86_400_000_000n, ns: 86_400_000_000_000n } as const;

function int64Value(n: bigint): number | bigint {
  return Number.isSafeInteger(Number(n)) ? Number(n) : n;
}

export function valueArbitrary(column: ColumnSpec): fc.Arbitrary<TypedValue> {
  let value: fc.Arbitrary<Exclude<TypedValue, null>>;
  switch (column.type) {
    case 'string':
      value = fc.string({ unit: 'grapheme', maxLength: 12 });
      break;
    case 'int32':
      value = fc.integer();
      break;
    case 'int64':
      value = fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n).map(int64Value);
      break;
    case 'float32':
      value = fc.float();
      break;
    case 'float64':
      value = fc.double();
      break;
    case 'boolean':
      value = fc.boolean();
      break;
    case 'date':
      value = fc.integer({ min: MIN_DAY, max: MAX_DAY }).map(formatDate);
      break;
    case 'timestamp': {
      const perDay = UNIT_PER_DAY[column.unit ?? 'us'];
      // ns counts are int64: about 1677..2262.
      const min = column.unit === 'ns' ? -(2n ** 63n) : BigInt(MIN_DAY) * perDay;
      const max = column.unit === 'ns' ? 2n ** 63n - 1n : BigInt(MAX_DAY + 1) * perDay - 1n;
      value = fc.bigInt(min, max);
      break;
    }
    case 'decimal': {
      const limit = 10n ** BigInt(column.precision ?? 38) - 1n;
      value = fc.bigInt(-limit, limit);
      break;
    }
  }
  return column.nullable ? fc.option(value, { nil: null, freq: 5 }) : value;
}

export const columnArbitrary: fc.Arbitrary<Omit<ColumnSpec, 'name'>> = fc.oneof(
  fc
    .constantFrom('string', 'int32', 'int64', 'float32', 'float64', 'boolean', 'date')
    .chain((type) => fc.boolean().map((nullable) => ({ type, nullable }))),
  fc.record({
    type: fc.constant('timestamp' as const),
    unit: fc.constantFrom('ms' as const, 'us' as const, 'ns' as const),
    nullable: fc.boolean(),
  }),
  fc.integer({ min: 1, max: 38 }).chain((precision) =>
    fc.record({
      type: fc.constant('decimal' as const),
      precision: fc.constant(precision),
      scale: fc.integer({ min: 0, max: precision }),
      nullable: fc.boolean(),
    }),
  ),
);

/** A random schema and rows conforming to it. */
export const tableArbitrary = fc
  .array(columnArbitrary, { minLength: 1, maxLength: 6 })
  .map((columns) => columns.map((c, j): ColumnSpec => ({ ...c, name: `c${j}` })))
  .chain((schema) =>
    fc.record({
      schema: fc.constant(schema),
      rows: fc.array(fc.tuple(...schema.map(valueArbitrary)), { maxLength: 40 }),
    }),
  );
