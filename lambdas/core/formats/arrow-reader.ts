/**
 * Arrow IPC reader (apache-arrow) for both encapsulations: the stream format is read from
 * `source.stream()` one record batch at a time; the file format ('ARROW1' magic) is read through
 * random access (a file-handle adapter over `readRange`), batch by batch from its footer. Memory is
 * bounded by one record batch either way.
 *
 * Values are read from the column buffers, not through Arrow's getters (which turn 64-bit
 * timestamps into float milliseconds and ignore decimal scales): int64 as number when exact else
 * bigint, dates and timestamps as exact text, decimals as exact text, binary as base64. Timestamps
 * with a time zone are instants ('Z'); zone-less ones are local and get no zone, so the contract's
 * `zone` says what they mean. Structs are flattened to dotted names; lists, maps, unions and
 * intervals are rejected with a FormatError.
 */
import type { FileHandle } from 'node:fs/promises';

import {
  DataType,
  DateUnit,
  makeVector,
  Precision,
  RecordBatchReader,
  TimeUnit,
  type Data,
  type Field,
  type RecordBatch as ArrowBatch,
  type Schema,
  type Vector,
} from 'apache-arrow';

import { FormatError } from '../errors';
import type { ByteSource } from './byte-io';
import { base64, decimalText, int64Cell, timestampText, utf8, type InferredColumn } from './parquet-types';
import type { RawCell, RecordBatch } from './record-batch';
import type { ReaderLimits } from './table-io';
import { formatDate } from './typed-values';

export interface ArrowReadOptions extends ReaderLimits {
  /** Leaf columns to read (dotted names for struct fields), in this order; all when absent. */
  readonly columns?: readonly string[];
}

const DEFAULT_BATCH_SIZE = 10_000;
const FILE_MAGIC = 'ARROW1';
const DAY_MS = 86_400_000n;

type Convert = (data: Data, i: number) => RawCell;

interface Leaf {
  readonly name: string;
  /** Child indexes from the record batch down to the leaf. */
  readonly path: readonly number[];
  readonly field: Field;
  readonly convert: Convert;
}

/**
 * Reads an Arrow IPC stream or file as record batches of at most `batchSize` rows.
 *
 * @example
 * for await (const batch of readArrow(source)) validate(batch);
 */
export async function* readArrow(source: ByteSource, options: ArrowReadOptions = {}): AsyncGenerator<RecordBatch> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer`);
  const maxField = options.maxFieldLength ?? Infinity;
  const reader = await openArrow(source);
  const leaves = selectLeaves(source, leavesOf(reader.schema, source.name), options.columns);
  const columns = leaves.map((l) => l.name);
  let firstRow = 1;
  let index = 0;
  const batches = reader[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<ArrowBatch>;
    try {
      next = await batches.next();
    } catch (e) {
      throw wrap(e, `${source.name}: Arrow record batch ${index} cannot be read`);
    }
    if (next.done) break;
    const batch = next.value;
    const located = leaves.map((leaf) => locate(batch, leaf));
    for (let start = 0; start < batch.numRows; start += batchSize) {
      const end = Math.min(batch.numRows, start + batchSize);
      const rows: RawCell[][] = [];
      for (let i = start; i < end; i++) {
        const row = new Array<RawCell>(leaves.length);
        for (let j = 0; j < leaves.length; j++) {
          const { leaf, data, ancestors } = located[j]!;
          try {
            row[j] = ancestors.every((a) => a.getValid(i)) && data.getValid(i) ? leaf.convert(data, i) : null;
            if (typeof row[j] === 'string' && (row[j] as string).length > maxField) {
              throw new Error(`a value of ${(row[j] as string).length} characters exceeds ${maxField}`);
            }
          } catch (e) {
            throw new FormatError(
              `${source.name}: Arrow record batch ${index}, row ${firstRow + i}, column ${leaf.name}: ${messageOf(e)}`,
            );
          }
        }
        rows.push(row);
      }
      yield { columns, rows, firstRow: firstRow + start };
    }
    firstRow += batch.numRows;
    index++;
  }
}

/** The columns of an Arrow IPC stream or file in contract terms, from its schema message. */
export async function arrowSchemaOf(source: ByteSource): Promise<InferredColumn[]> {
  const reader = await openArrow(source);
  const out: InferredColumn[] = [];
  const walk = (field: Field, prefix: string, nullable: boolean): void => {
    const name = prefix + field.name;
    if (DataType.isStruct(field.type)) {
      for (const child of field.type.children) walk(child, `${name}.`, nullable || field.nullable);
      return;
    }
    out.push(contractColumnOf(field.type, name, nullable || field.nullable));
  };
  for (const field of reader.schema.fields) walk(field, '', false);
  await reader.cancel();
  return out;
}

// ---- opening ----

const sourceErrors = new WeakSet<object>();

function mark(e: unknown): unknown {
  if (typeof e === 'object' && e !== null) sourceErrors.add(e);
  return e;
}

function wrap(e: unknown, message: string): unknown {
  if (typeof e === 'object' && e !== null && sourceErrors.has(e)) return e;
  if (e instanceof FormatError) return e;
  return new FormatError(`${message}: ${messageOf(e)}`);
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function* markedStream(source: ByteSource): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of source.stream()) yield chunk;
  } catch (e) {
    throw mark(e);
  }
}

/** Random access for the IPC file format: the subset of a node FileHandle apache-arrow uses. */
function fileHandleOf(source: ByteSource, size: number): FileHandle {
  const handle = {
    fd: -1,
    stat: () => Promise.resolve({ size }),
    async read(buffer: Uint8Array, offset: number, length: number, position: number) {
      let bytes: Uint8Array;
      try {
        bytes = await source.readRange(position, position + length);
      } catch (e) {
        throw mark(e);
      }
      // apache-arrow loops until it has what it asked for: a short read must fail, not spin.
      if (bytes.byteLength !== Math.min(length, size - position)) {
        throw new FormatError(`${source.name}: the file is shorter than its size says`, { byteOffset: position });
      }
      buffer.set(bytes, offset);
      return { bytesRead: bytes.byteLength, buffer };
    },
    close: () => Promise.resolve(),
  };
  return handle as unknown as FileHandle;
}

async function openArrow(source: ByteSource): Promise<RecordBatchReader> {
  const size = await source.size();
  if (size === 0) throw new FormatError(`${source.name}: empty file is not Arrow IPC data`, { byteOffset: 0 });
  let head: Uint8Array;
  try {
    head = await source.readRange(0, Math.min(size, 8));
  } catch (e) {
    throw mark(e);
  }
  const isFile = Buffer.from(head.subarray(0, 6)).toString('latin1') === FILE_MAGIC;
  let reader: RecordBatchReader;
  try {
    reader = isFile
      ? await RecordBatchReader.from(fileHandleOf(source, size))
      : await RecordBatchReader.from(markedStream(source));
    await reader.open();
  } catch (e) {
    throw wrap(e, `${source.name}: not a readable Arrow IPC ${isFile ? 'file' : 'stream'}`);
  }
  // apache-arrow reads garbage as an empty stream rather than failing: a schema is the proof.
  if (!reader.schema || reader.schema.fields.length === 0) {
    throw new FormatError(
      `${source.name}: not Arrow IPC data (no schema message${isFile ? ' in the file footer' : ' at the start'})`,
      { byteOffset: 0 },
    );
  }
  return reader;
}

// ---- columns ----

function leavesOf(schema: Schema, file: string): Leaf[] {
  const leaves: Leaf[] = [];
  const walk = (field: Field, path: number[], prefix: string): void => {
    const name = prefix + field.name;
    if (DataType.isStruct(field.type)) {
      field.type.children.forEach((child, k) => walk(child, [...path, k], `${name}.`));
      return;
    }
    leaves.push({ name, path, field, convert: converterOf(field.type, name, file) });
  };
  schema.fields.forEach((field, k) => walk(field, [k], ''));
  return leaves;
}

function selectLeaves(source: ByteSource, leaves: readonly Leaf[], columns: readonly string[] | undefined): Leaf[] {
  if (columns === undefined) return [...leaves];
  return columns.map((name) => {
    const leaf = leaves.find((l) => l.name === name);
    if (!leaf) {
      throw new FormatError(
        `${source.name}: Arrow data has no column ${name} (it has ${leaves.map((l) => l.name).join(', ')})`,
      );
    }
    return leaf;
  });
}

/** The leaf's buffers in this batch, and the structs above it (whose nulls make it null). */
function locate(batch: ArrowBatch, leaf: Leaf): { leaf: Leaf; data: Data; ancestors: Data[] } {
  const ancestors: Data[] = [];
  let data: Data = batch.data;
  for (const k of leaf.path) {
    if (data !== batch.data) ancestors.push(data);
    data = data.children[k]!;
  }
  return { leaf, data, ancestors };
}

function unsupported(type: DataType, name: string, file: string): never {
  throw new FormatError(
    `${file}: Arrow column ${name} has type ${String(type)}; only scalar columns and structs ` +
      `(read as dotted names) can be read as rows`,
  );
}

function bytesAt(data: Data, i: number): Uint8Array {
  const offsets = data.valueOffsets as Int32Array | BigInt64Array;
  return (data.values as Uint8Array).subarray(Number(offsets[i]), Number(offsets[i + 1]));
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

function float16(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/** Cells of a whole dictionary, computed once per dictionary vector. */
const dictionaryCells = new WeakMap<Vector, RawCell[]>();

function converterOf(type: DataType, name: string, file: string): Convert {
  if (DataType.isNull(type)) return () => null;
  if (DataType.isInt(type)) {
    return type.bitWidth === 64 ? (d, i) => int64Cell(BigInt((d.values as BigInt64Array)[i]!)) : (d, i) => d.values[i];
  }
  if (DataType.isFloat(type)) {
    return type.precision === Precision.HALF ? (d, i) => float16((d.values as Uint16Array)[i]!) : (d, i) => d.values[i];
  }
  if (DataType.isBool(type)) {
    return (d, i) => {
      const at = d.offset + i;
      return ((d.values as Uint8Array)[at >> 3]! & (1 << (at & 7))) !== 0;
    };
  }
  if (DataType.isUtf8(type) || DataType.isLargeUtf8(type)) return (d, i) => utf8.decode(bytesAt(d, i));
  if (DataType.isBinary(type) || DataType.isLargeBinary(type)) return (d, i) => base64(bytesAt(d, i));
  if (DataType.isFixedSizeBinary(type)) {
    const width = type.byteWidth;
    return (d, i) => base64((d.values as Uint8Array).subarray(i * width, (i + 1) * width));
  }
  if (DataType.isUtf8View(type) || DataType.isBinaryView(type)) {
    const vectors = new WeakMap<Data, Vector>();
    const text = DataType.isUtf8View(type);
    return (d, i) => {
      let v = vectors.get(d);
      if (!v) vectors.set(d, (v = makeVector(d)));
      const value: unknown = v.get(i);
      return text ? (value as string) : base64(value as Uint8Array);
    };
  }
  if (DataType.isDecimal(type)) {
    const words = type.bitWidth / 32;
    const { scale } = type;
    return (d, i) => {
      const values = d.values as Uint32Array;
      let x = 0n;
      for (let w = words - 1; w >= 0; w--) x = (x << 32n) | BigInt(values[i * words + w]!);
      return decimalText(BigInt.asIntN(type.bitWidth, x), scale);
    };
  }
  if (DataType.isDate(type)) {
    return type.unit === DateUnit.DAY
      ? (d, i) => formatDate((d.values as Int32Array)[i]!)
      : (d, i) => formatDate(Number(floorDiv(BigInt((d.values as BigInt64Array)[i]!), DAY_MS)));
  }
  if (DataType.isTimestamp(type)) {
    const utc = type.timezone !== null && type.timezone !== undefined && type.timezone !== '';
    switch (type.unit) {
      case TimeUnit.SECOND:
        return (d, i) => timestampText(BigInt((d.values as BigInt64Array)[i]!) * 1000n, 'ms', utc);
      case TimeUnit.MILLISECOND:
        return (d, i) => timestampText(BigInt((d.values as BigInt64Array)[i]!), 'ms', utc);
      case TimeUnit.MICROSECOND:
        return (d, i) => timestampText(BigInt((d.values as BigInt64Array)[i]!), 'us', utc);
      case TimeUnit.NANOSECOND:
        return (d, i) => timestampText(BigInt((d.values as BigInt64Array)[i]!), 'ns', utc);
    }
  }
  if (DataType.isTime(type) || DataType.isDuration(type)) {
    return (d, i) => {
      const v: unknown = d.values[i];
      return typeof v === 'bigint' ? int64Cell(v) : (v as number);
    };
  }
  if (DataType.isDictionary(type)) {
    const valueConvert = converterOf(type.dictionary, name, file);
    return (d, i) => {
      const dictionary = d.dictionary!;
      let cells = dictionaryCells.get(dictionary);
      if (!cells) {
        cells = [];
        for (const chunk of dictionary.data) {
          for (let k = 0; k < chunk.length; k++) cells.push(chunk.getValid(k) ? valueConvert(chunk, k) : null);
        }
        dictionaryCells.set(dictionary, cells);
      }
      const key = Number(d.values[i]);
      if (!(key >= 0 && key < cells.length)) throw new Error(`dictionary index ${key} is out of range`);
      return cells[key]!;
    };
  }
  return unsupported(type, name, file);
}

function contractColumnOf(type: DataType, name: string, nullable: boolean): InferredColumn {
  const base = { name, nullable };
  if (DataType.isDictionary(type)) return contractColumnOf(type.dictionary, name, nullable);
  if (DataType.isInt(type)) {
    if (type.bitWidth === 64) {
      return type.isSigned ? { ...base, type: 'int64' } : { ...base, type: 'decimal', precision: 20, scale: 0 };
    }
    return { ...base, type: type.bitWidth === 32 && !type.isSigned ? 'int64' : 'int32' };
  }
  if (DataType.isFloat(type)) return { ...base, type: type.precision === Precision.DOUBLE ? 'float64' : 'float32' };
  if (DataType.isBool(type)) return { ...base, type: 'boolean' };
  if (DataType.isDate(type)) return { ...base, type: 'date' };
  if (DataType.isTimestamp(type)) {
    const units = { [TimeUnit.SECOND]: 'ms', [TimeUnit.MILLISECOND]: 'ms', [TimeUnit.MICROSECOND]: 'us' } as const;
    return { ...base, type: 'timestamp', unit: type.unit === TimeUnit.NANOSECOND ? 'ns' : units[type.unit] };
  }
  if (DataType.isDecimal(type)) {
    // A negative scale means trailing zeros: the values are integers with that many more digits.
    return type.scale >= 0
      ? { ...base, type: 'decimal', precision: type.precision, scale: type.scale }
      : { ...base, type: 'decimal', precision: type.precision - type.scale, scale: 0 };
  }
  if (DataType.isDuration(type)) return { ...base, type: 'int64' };
  if (DataType.isTime(type)) return { ...base, type: type.bitWidth === 64 ? 'int64' : 'int32' };
  if (
    DataType.isNull(type) ||
    DataType.isUtf8(type) ||
    DataType.isLargeUtf8(type) ||
    DataType.isUtf8View(type) ||
    DataType.isBinary(type) ||
    DataType.isLargeBinary(type) ||
    DataType.isBinaryView(type) ||
    DataType.isFixedSizeBinary(type)
  ) {
    return { ...base, type: 'string', nullable: nullable || DataType.isNull(type) };
  }
  return unsupported(type, name, 'Arrow schema');
}
