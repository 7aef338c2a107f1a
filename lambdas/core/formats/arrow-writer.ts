/**
 * Arrow IPC writer (apache-arrow): the stream format by default, the file format ('ARROW1', with a
 * footer of batch offsets) with `file: true`. Each write() call becomes one record batch whose bytes
 * reach the sink before write() resolves, so memory is bounded by the rows of one call.
 *
 * Column buffers are built directly from typed values (not through Arrow's builders, whose
 * timestamp and decimal setters go through `Date` and floats): int64 and timestamps as
 * BigInt64Array, dates as day counts, decimals as 128-bit two's-complement words.
 */
import {
  AsyncByteQueue,
  Bool,
  DateDay,
  Decimal,
  Field,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  makeData,
  RecordBatch,
  RecordBatchFileWriter,
  RecordBatchStreamWriter,
  Schema,
  Struct,
  TimeUnit,
  Timestamp,
  Utf8,
  type Data,
  type DataType,
} from 'apache-arrow';

import { NAIVE_ZONE, type ColumnSpec } from '../contracts/output-contract';
import { FormatError } from '../errors';
import type { ByteSink } from './byte-io';
import { digitCount } from './parquet-types';
import type { TableWriter, TypedRow, WriterOptions } from './table-io';
import { daysFromCivil, type TypedValue } from '../contracts/typed-values';

export interface ArrowWriterOptions extends WriterOptions {
  /** Write the IPC file format (random access, 'ARROW1' magic) instead of the stream format. */
  readonly file?: boolean;
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const DATE_TEXT = /^(-?\d{4,})-(\d{2})-(\d{2})$/;
const UNITS = { ms: TimeUnit.MILLISECOND, us: TimeUnit.MICROSECOND, ns: TimeUnit.NANOSECOND } as const;
const encoder = new TextEncoder();

/** Collects what the Arrow writer emits so each write() can hand it to the sink at once. */
class ChunkCollector extends AsyncByteQueue {
  private chunks: Uint8Array[] = [];
  private bytes = 0;

  override write(value: Uint8Array): void {
    if (value.byteLength === 0) return;
    this.chunks.push(value);
    this.bytes += value.byteLength;
  }

  /** Everything emitted since the last drain, as one copy (the writer may reuse its buffers). */
  drain(): Uint8Array | undefined {
    if (this.bytes === 0) return undefined;
    const out = new Uint8Array(this.bytes);
    let at = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, at);
      at += chunk.byteLength;
    }
    this.chunks = [];
    this.bytes = 0;
    return out;
  }
}

/**
 * The Arrow type of a contract column, keeping what a typed source declared beyond the contract
 * type: int8/int16, and local (naive) timestamps as a Timestamp without a timezone. UUID and JSON
 * text are Utf8 (Arrow has them only as extension types).
 */
export function arrowTypeOf(column: ColumnSpec): DataType {
  switch (column.type) {
    case 'string':
      return new Utf8();
    case 'int32':
      if (column.physical === 'int8') return new Int8();
      if (column.physical === 'int16') return new Int16();
      return new Int32();
    case 'int64':
      return new Int64();
    case 'float32':
      return new Float32();
    case 'float64':
      return new Float64();
    case 'boolean':
      return new Bool();
    case 'date':
      return new DateDay();
    case 'timestamp':
      return new Timestamp(UNITS[column.unit ?? 'us'], column.zone === NAIVE_ZONE ? null : 'UTC');
    case 'decimal':
      return new Decimal(column.scale ?? 0, column.precision ?? 38, 128);
  }
}

/** Validity bitmap (LSB first); undefined when nothing is null. */
function validityOf(values: readonly TypedValue[]): { nullBitmap?: Uint8Array; nullCount: number } {
  let nullCount = 0;
  const bitmap = new Uint8Array((values.length + 7) >> 3);
  for (let i = 0; i < values.length; i++) {
    if (values[i] === null || values[i] === undefined) nullCount++;
    else bitmap[i >> 3]! |= 1 << (i & 7);
  }
  return nullCount === 0 ? { nullCount } : { nullBitmap: bitmap, nullCount };
}

function columnData(
  column: ColumnSpec,
  type: DataType,
  values: readonly TypedValue[],
  firstRow: number,
): Data {
  const length = values.length;
  const { nullBitmap, nullCount } = validityOf(values);
  if (nullCount > 0 && !column.nullable) {
    const at = values.findIndex((v) => v === null || v === undefined);
    throw new FormatError(
      `row ${firstRow + at}: column ${column.name} is not nullable but the value is null`,
    );
  }
  const validity = nullBitmap ? { nullBitmap, nullCount } : { nullCount };
  const fail = (i: number, why: string): never => {
    const v = values[i];
    throw new FormatError(
      `row ${firstRow + i}: cannot write ${typeof v} ${String(v)} to ${column.type} column ${column.name}: ${why}`,
    );
  };
  const each = (fn: (v: Exclude<TypedValue, null>, i: number) => void): void => {
    for (let i = 0; i < length; i++) {
      const v = values[i];
      if (v !== null && v !== undefined) fn(v, i);
    }
  };
  switch (column.type) {
    case 'string': {
      const valueOffsets = new Int32Array(length + 1);
      const parts: Uint8Array[] = [];
      let size = 0;
      for (let i = 0; i < length; i++) {
        const v = values[i];
        if (v !== null && v !== undefined) {
          if (typeof v !== 'string') fail(i, 'expected a string');
          const bytes = encoder.encode(v as string);
          parts.push(bytes);
          size += bytes.byteLength;
          if (size > INT32_MAX) fail(i, 'more than 2 GiB of text in one write() call');
        }
        valueOffsets[i + 1] = size;
      }
      const data = new Uint8Array(size);
      let at = 0;
      for (const part of parts) {
        data.set(part, at);
        at += part.byteLength;
      }
      return makeData({ type: type as Utf8, length, ...validity, valueOffsets, data });
    }
    case 'int32': {
      const hint = column.physical;
      const [bits, min, max, data] =
        hint === 'int8'
          ? [8, -128, 127, new Int8Array(length)]
          : hint === 'int16'
            ? [16, -32768, 32767, new Int16Array(length)]
            : [32, INT32_MIN, INT32_MAX, new Int32Array(length)];
      each((v, i) => {
        if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
          fail(i, `expected a ${bits}-bit integer`);
        }
        data[i] = v as number;
      });
      return makeData({ type: type as Int32, length, ...validity, data: data as Int32Array });
    }
    case 'int64': {
      const data = new BigInt64Array(length);
      each((v, i) => {
        const n =
          typeof v === 'bigint'
            ? v
            : typeof v === 'number' && Number.isSafeInteger(v)
              ? BigInt(v)
              : undefined;
        if (n === undefined || n < INT64_MIN || n > INT64_MAX) fail(i, 'expected a 64-bit integer');
        data[i] = n!;
      });
      return makeData({ type: type as Int64, length, ...validity, data });
    }
    case 'float32':
    case 'float64': {
      const data = column.type === 'float32' ? new Float32Array(length) : new Float64Array(length);
      each((v, i) => {
        if (typeof v !== 'number') fail(i, 'expected a number');
        data[i] = v as number;
      });
      return makeData({ type: type as Float32 | Float64, length, ...validity, data });
    }
    case 'boolean': {
      const data = new Uint8Array((length + 7) >> 3);
      each((v, i) => {
        if (typeof v !== 'boolean') fail(i, 'expected a boolean');
        if (v) data[i >> 3]! |= 1 << (i & 7);
      });
      return makeData({ type: type as Bool, length, ...validity, data });
    }
    case 'date': {
      const data = new Int32Array(length);
      each((v, i) => {
        const m = typeof v === 'string' ? DATE_TEXT.exec(v) : null;
        if (!m) fail(i, "expected 'YYYY-MM-DD'");
        data[i] = daysFromCivil(Number(m![1]), Number(m![2]), Number(m![3]));
      });
      return makeData({ type: type as DateDay, length, ...validity, data });
    }
    case 'timestamp': {
      const data = new BigInt64Array(length);
      each((v, i) => {
        if (typeof v !== 'bigint' || v < INT64_MIN || v > INT64_MAX) {
          fail(i, `expected a bigint count of ${column.unit ?? 'us'}`);
        }
        data[i] = v as bigint;
      });
      return makeData({ type: type as Timestamp, length, ...validity, data });
    }
    case 'decimal': {
      const precision = column.precision ?? 38;
      const data = new Uint32Array(length * 4);
      each((v, i) => {
        if (typeof v !== 'bigint' || digitCount(v) > precision) {
          fail(i, `expected a bigint unscaled value of at most ${precision} digits`);
        }
        // 128-bit two's complement, little-endian 32-bit words.
        let rest = BigInt.asUintN(128, v as bigint);
        for (let w = 0; w < 4; w++) {
          data[i * 4 + w] = Number(rest & 0xffffffffn);
          rest >>= 32n;
        }
      });
      return makeData({ type: type as Decimal, length, ...validity, data });
    }
  }
}

/**
 * Creates an Arrow IPC writer streaming to `sink`: one record batch per write() call.
 *
 * @example
 * const writer = createArrowWriter(sink, { schema, file: true });
 * await writer.write(rows);
 * await writer.close();
 */
export function createArrowWriter(sink: ByteSink, options: ArrowWriterOptions): TableWriter {
  const { schema: columns } = options;
  if (columns.length === 0) throw new FormatError('an Arrow table needs at least one column');
  const names = new Set<string>();
  for (const column of columns) {
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
  const types = columns.map((c) => arrowTypeOf(c));
  const schema = new Schema(columns.map((c, j) => new Field(c.name, types[j]!, c.nullable)));
  const structType = new Struct(schema.fields);
  const collector = new ChunkCollector();
  const writer = options.file ? new RecordBatchFileWriter() : new RecordBatchStreamWriter();
  // Emits the schema (and the file magic) into the collector; batches follow with the same schema.
  writer.reset(collector, schema);

  let written = 0;
  let state: 'open' | 'closed' | 'failed' = 'open';

  const drain = async (): Promise<void> => {
    const bytes = collector.drain();
    if (bytes) await sink.write(bytes);
  };

  const guard = async (action: () => Promise<void>): Promise<void> => {
    if (state !== 'open') throw new FormatError(`Arrow writer for ${sink.name} is ${state}`);
    try {
      await action();
    } catch (e) {
      state = 'failed';
      throw e;
    }
  };

  const batchOf = (rows: readonly TypedRow[]): RecordBatch => {
    for (const [i, row] of rows.entries()) {
      if (row.length !== columns.length) {
        throw new FormatError(
          `row ${written + i + 1} has ${row.length} values; the schema has ${columns.length}`,
        );
      }
    }
    const children = columns.map((c, j) =>
      columnData(
        c,
        types[j]!,
        rows.map((r) => r[j] ?? null),
        written + 1,
      ),
    );
    const data = makeData({ type: structType, length: rows.length, nullCount: 0, children });
    return new RecordBatch(schema, data);
  };

  return {
    write: (rows) =>
      guard(async () => {
        if (rows.length === 0) return;
        const batch = batchOf(rows);
        writer.write(batch);
        written += rows.length;
        await drain();
      }),
    close: () =>
      guard(async () => {
        writer.finish();
        await drain();
        await sink.close();
        state = 'closed';
      }),
    async abort() {
      state = 'failed';
      await sink.abort();
    },
  };
}
