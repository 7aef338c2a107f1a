/**
 * Streaming Parquet writer (hyparquet-writer) with an explicit schema from the contract: rows are
 * buffered column by column until a row group is full, the row group is encoded, and its bytes go
 * to the sink at once. Only the footer (row-group and chunk metadata, a few hundred bytes per row
 * group) stays in memory until close, so memory is bounded by one row group, not the file.
 *
 * Codecs: snappy (default, pure JS), gzip (node:zlib), uncompressed, and zstd where the runtime has
 * `zlib.zstdCompressSync` (Node 22.15 and later, which Lambda's nodejs22.x has; not Node 20):
 * hyparquet-writer compresses synchronously, and no synchronous pure-JS zstd compressor is
 * available. Asking for zstd elsewhere is a FormatError at creation, before any byte is written.
 */
import zlib from 'node:zlib';

import type { CompressionCodec, SchemaElement } from 'hyparquet';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';

import { NAIVE_ZONE, type ColumnSpec } from '../contracts/output-contract';
import { FormatError } from '../errors';
import type { ByteSink } from './byte-io';
import { digitCount, parquetElementFor } from './parquet-types';
import type { ParquetCodec, TableWriter, TypedRow, WriterOptions } from './table-io';
import type { TypedColumn } from './typed-column';
import { daysFromCivil, type TypedValue } from '../contracts/typed-values';

const DEFAULT_ROW_GROUP_ROWS = 100_000;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const DATE_TEXT = /^(-?\d{4,})-(\d{2})-(\d{2})$/;
const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const NARROW_INTS = { int8: [8, -128, 127], int16: [16, -32768, 32767] } as const;
const TIMESTAMP_UNITS = { ms: 'MILLIS', us: 'MICROS', ns: 'NANOS' } as const;
const encoder = new TextEncoder();

type Compressor = (input: Uint8Array) => Uint8Array;

/**
 * A hyparquet-writer `Writer` that hands its bytes to the sink after each row group (`flush`,
 * which ParquetWriter awaits) and after the footer. `offset` keeps counting from the start of the
 * file, because the footer records absolute offsets; `index` restarts at 0 after each drain.
 */
class SinkByteWriter extends ByteWriter {
  constructor(private readonly sink: ByteSink) {
    super(1 << 20);
  }

  flush(): Promise<void> {
    if (this.index === 0) return Promise.resolve();
    const chunk = this.getBytes().slice();
    this.index = 0;
    return this.sink.write(chunk);
  }
}

/** The codec hyparquet-writer is given, and the compressor it needs for it. */
function codecOf(codec: ParquetCodec): {
  codec: CompressionCodec;
  compressors: Partial<Record<string, Compressor>>;
} {
  switch (codec) {
    case 'snappy':
      return { codec: 'SNAPPY', compressors: {} }; // built into hyparquet-writer
    case 'uncompressed':
      return { codec: 'UNCOMPRESSED', compressors: {} };
    case 'gzip':
      return { codec: 'GZIP', compressors: { GZIP: (input) => zlib.gzipSync(input) } };
    case 'zstd': {
      const zstd = (zlib as { zstdCompressSync?: (input: Uint8Array) => Uint8Array }).zstdCompressSync;
      if (typeof zstd !== 'function') {
        throw new FormatError(
          `Parquet zstd compression needs Node.js 22.15 or later (zlib.zstdCompressSync); this is Node ` +
            `${process.versions.node}. Choose snappy or gzip, or run on a newer Node`,
        );
      }
      return { codec: 'ZSTD', compressors: { ZSTD: (input) => zstd(input) } };
    }
    default:
      throw new FormatError(`unknown Parquet codec ${String(codec)} (snappy, gzip, zstd, uncompressed)`);
  }
}

/**
 * The Parquet schema element of a column, keeping what a typed source declared beyond the
 * contract type: local (naive) timestamps, int8/int16, UUID and JSON text. Without those hints it
 * is the contract type's preferred element.
 */
export function parquetElementOf(column: ColumnSpec): SchemaElement {
  const element = parquetElementFor(column);
  const base = {
    name: element.name,
    repetition_type: column.nullable ? 'OPTIONAL' : 'REQUIRED',
  } as const;
  if (column.type === 'timestamp' && column.zone === NAIVE_ZONE) {
    // isAdjustedToUTC=false, and no converted type: TIMESTAMP_MILLIS/MICROS mean UTC instants.
    const unit = TIMESTAMP_UNITS[column.unit ?? 'us'];
    return { ...base, type: 'INT64', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit } };
  }
  const hint = column.physical;
  if (column.type === 'int32' && (hint === 'int8' || hint === 'int16')) {
    const bitWidth = NARROW_INTS[hint][0];
    return {
      ...base,
      type: 'INT32',
      converted_type: hint === 'int8' ? 'INT_8' : 'INT_16',
      logical_type: { type: 'INTEGER', bitWidth, isSigned: true },
    };
  }
  if (column.type === 'string' && hint === 'uuid') {
    return { ...base, type: 'FIXED_LEN_BYTE_ARRAY', type_length: 16, logical_type: { type: 'UUID' } };
  }
  if (column.type === 'string' && hint === 'json') {
    // The logical type alone: hyparquet-writer would JSON-encode the text again under the
    // converted type JSON; the bytes written are the text as read.
    return { ...base, type: 'BYTE_ARRAY', logical_type: { type: 'JSON' } };
  }
  return element;
}

/** Converts a typed value to what hyparquet-writer expects for the column's physical type. */
type Physical = (v: Exclude<TypedValue, null>) => unknown;

function physicalOf(column: ColumnSpec): Physical {
  const fail = (v: unknown, why: string): never => {
    throw new FormatError(
      `cannot write ${typeof v} ${String(v)} to ${column.type} column ${column.name}: ${why}`,
    );
  };
  const hint = column.physical;
  switch (column.type) {
    case 'string':
      if (hint === 'uuid')
        return (v) => (typeof v === 'string' && UUID_TEXT.test(v) ? v : fail(v, 'expected UUID text'));
      if (hint === 'json')
        return (v) => (typeof v === 'string' ? encoder.encode(v) : fail(v, 'expected JSON text'));
      return (v) => (typeof v === 'string' ? v : fail(v, 'expected a string'));
    case 'int32': {
      const [bits, min, max] =
        hint === 'int8' || hint === 'int16' ? NARROW_INTS[hint] : [32, INT32_MIN, INT32_MAX];
      return (v) =>
        typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max
          ? v
          : fail(v, `expected a ${bits}-bit integer`);
    }
    case 'int64':
      return (v) => {
        const n =
          typeof v === 'bigint'
            ? v
            : typeof v === 'number' && Number.isSafeInteger(v)
              ? BigInt(v)
              : undefined;
        return n !== undefined && n >= INT64_MIN && n <= INT64_MAX ? n : fail(v, 'expected a 64-bit integer');
      };
    case 'float32':
    case 'float64':
      return (v) => (typeof v === 'number' ? v : fail(v, 'expected a number'));
    case 'boolean':
      return (v) => (typeof v === 'boolean' ? v : fail(v, 'expected a boolean'));
    case 'date':
      return (v) => {
        const m = typeof v === 'string' ? DATE_TEXT.exec(v) : null;
        return m ? daysFromCivil(Number(m[1]), Number(m[2]), Number(m[3])) : fail(v, "expected 'YYYY-MM-DD'");
      };
    case 'timestamp':
      return (v) =>
        typeof v === 'bigint' && v >= INT64_MIN && v <= INT64_MAX
          ? v
          : fail(v, `expected a bigint count of ${column.unit ?? 'us'}`);
    case 'decimal': {
      const precision = column.precision ?? 38;
      return (v) =>
        typeof v === 'bigint' && digitCount(v) <= precision
          ? v
          : fail(v, `expected a bigint unscaled value of at most ${precision} digits`);
    }
  }
}

/**
 * Creates a Parquet writer streaming to `sink`. Rows are typed values in schema order; a row group
 * is written every `parquet.rowGroupRows` rows (default 100,000) and its bytes reach the sink
 * before the next one is buffered.
 *
 * @example
 * const writer = createParquetWriter(sink, { schema, parquet: { codec: 'snappy' } });
 * for await (const rows of batches) await writer.write(rows);
 * await writer.close();
 */
export function createParquetWriter(sink: ByteSink, options: WriterOptions): TableWriter {
  const { schema } = options;
  if (schema.length === 0) throw new FormatError('a Parquet file needs at least one column');
  const names = new Set<string>();
  for (const column of schema) {
    if (names.has(column.name)) throw new FormatError(`column ${column.name} appears twice in the schema`);
    names.add(column.name);
    if (column.type === 'decimal') {
      const precision = column.precision ?? 38;
      const scale = column.scale ?? 0;
      if (!(precision >= 1 && precision <= 38 && scale >= 0 && scale <= precision)) {
        throw new FormatError(
          `decimal column ${column.name}: precision ${precision} and scale ${scale} are invalid`,
        );
      }
    }
  }
  const rowGroupRows = options.parquet?.rowGroupRows ?? DEFAULT_ROW_GROUP_ROWS;
  if (!Number.isInteger(rowGroupRows) || rowGroupRows < 1) {
    throw new FormatError(`parquet.rowGroupRows must be a positive integer, got ${rowGroupRows}`);
  }
  const { codec, compressors } = codecOf(options.parquet?.codec ?? 'snappy');
  const elements: SchemaElement[] = [
    { name: 'schema', num_children: schema.length },
    ...schema.map((c) => parquetElementOf(c)),
  ];
  const physical = schema.map((c) => physicalOf(c));
  const out = new SinkByteWriter(sink);
  const parquet = new ParquetWriter({ writer: out, schema: elements, codec, compressors, createdBy: 'prt' });

  let buffers: unknown[][] = schema.map(() => []);
  let buffered = 0;
  let written = 0;
  let group = 0;
  let state: 'open' | 'closed' | 'failed' = 'open';

  const writeGroup = async (): Promise<void> => {
    const columnData = schema.map((c, j) => ({ name: c.name, data: buffers[j]! }));
    buffers = schema.map(() => []);
    const rows = buffered;
    buffered = 0;
    try {
      await parquet.write({ columnData, rowGroupSize: rows });
    } catch (e) {
      if (e instanceof FormatError) throw e;
      throw new FormatError(
        `Parquet row group ${group} could not be written: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    group++;
  };

  const guard = async (action: () => Promise<void>): Promise<void> => {
    if (state !== 'open') throw new FormatError(`Parquet writer for ${sink.name} is ${state}`);
    try {
      await action();
    } catch (e) {
      state = 'failed';
      throw e;
    }
  };

  return {
    write: (rows) =>
      guard(async () => {
        for (const row of rows) {
          appendRow(row);
          if (buffered >= rowGroupRows) await writeGroup();
        }
      }),
    writeColumns: (columns, length) =>
      guard(async () => {
        if (columns.length !== schema.length) {
          throw new FormatError(`${columns.length} columns given; the schema has ${schema.length}`);
        }
        const appenders = columns.map((column, j) => columnAppender(column, j));
        // Row groups split exactly where write() of the same rows splits them.
        for (let from = 0; from < length;) {
          const to = Math.min(length, from + rowGroupRows - buffered);
          for (const append of appenders) append(from, to);
          buffered += to - from;
          written += to - from;
          from = to;
          if (buffered >= rowGroupRows) await writeGroup();
        }
      }),
    close: () =>
      guard(async () => {
        if (buffered > 0) await writeGroup();
        await parquet.finish(); // the footer, into the buffer (ByteWriter.finish does nothing)
        await out.flush();
        await sink.close();
        state = 'closed';
      }),
    async abort() {
      state = 'failed';
      await sink.abort();
    },
  };

  /**
   * Appends rows [from, to) of a typed column to column j's buffer: the values appendRow would
   * buffer for the same rows, converted column by column (typed arrays need no type test per cell,
   * and the checks physicalOf makes hold by the column's layout where they are not made here).
   */
  function columnAppender(column: TypedColumn, j: number): (from: number, to: number) => void {
    const spec = schema[j]!;
    const nullable = spec.nullable;
    const convert = physical[j]!;
    const nullAt = (r: number): null => {
      if (!nullable) {
        throw new FormatError(
          `row ${written + 1 + r - from0}: column ${spec.name} is not nullable but the value is null`,
        );
      }
      return null;
    };
    // Row numbers in messages count from the first row of this call's segment.
    let from0 = 0;
    const hint = spec.physical;
    if (column.kind === 'string' || column.kind === 'values') {
      const values = column.values;
      const direct = column.kind === 'string' && spec.type === 'string' && hint !== 'uuid' && hint !== 'json';
      return (from, to) => {
        from0 = from;
        const buffer = buffers[j]!;
        for (let r = from; r < to; r++) {
          const v = values[r];
          buffer.push(v === null || v === undefined ? nullAt(r) : direct ? v : convert(v));
        }
      };
    }
    const { valid } = column;
    const fast =
      (column.kind === 'integer' && (spec.type === 'int64' || spec.type === 'timestamp')) ||
      (column.kind === 'int32' && spec.type === 'int32' && hint !== 'int8' && hint !== 'int16') ||
      (column.kind === 'float64' && (spec.type === 'float64' || spec.type === 'float32'));
    if (column.kind === 'integer' && spec.type === 'decimal') {
      const precision = spec.precision ?? 38;
      // Every safe integer has at most 16 digits; below that the bound is exact as a double.
      const bound = precision >= 16 ? Infinity : 10 ** precision;
      const values = column.values;
      return (from, to) => {
        from0 = from;
        const buffer = buffers[j]!;
        for (let r = from; r < to; r++) {
          if (valid !== null && valid[r] === 0) buffer.push(nullAt(r));
          else {
            const v = values[r]!;
            buffer.push(Math.abs(v) < bound ? BigInt(v) : convert(BigInt(v)));
          }
        }
      };
    }
    if (column.kind === 'integer' && fast) {
      const values = column.values;
      return (from, to) => {
        from0 = from;
        const buffer = buffers[j]!;
        for (let r = from; r < to; r++) {
          buffer.push(valid !== null && valid[r] === 0 ? nullAt(r) : BigInt(values[r]!));
        }
      };
    }
    const values = column.values;
    const bool = column.kind === 'boolean';
    return (from, to) => {
      from0 = from;
      const buffer = buffers[j]!;
      for (let r = from; r < to; r++) {
        if (valid !== null && valid[r] === 0) buffer.push(nullAt(r));
        else {
          const v = values[r]!;
          buffer.push(fast ? v : convert(bool ? v === 1 : v));
        }
      }
    };
  }

  function appendRow(row: TypedRow): void {
    const rowNumber = written + 1;
    if (row.length !== schema.length) {
      throw new FormatError(
        `row ${rowNumber} has ${row.length} values; the schema has ${schema.length} columns`,
      );
    }
    for (let j = 0; j < schema.length; j++) {
      const v = row[j];
      if (v === null || v === undefined) {
        if (!schema[j]!.nullable) {
          throw new FormatError(
            `row ${rowNumber}: column ${schema[j]!.name} is not nullable but the value is null`,
          );
        }
        buffers[j]!.push(null);
      } else {
        buffers[j]!.push(physical[j]!(v));
      }
    }
    buffered++;
    written++;
  }
}
