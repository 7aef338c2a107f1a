/**
 * Streaming Parquet writer with an explicit schema from the contract: values are buffered column
 * by column, in their physical form in typed arrays, until a row group is full; the row group is
 * encoded (parquet-encoder.ts) and its bytes go to the sink at once. Only the footer (row-group
 * and chunk metadata, a few hundred bytes per row group) stays in memory until close, so memory
 * is bounded by one row group, not the file.
 *
 * Typed columns (writeColumns) are copied into the buffers with a bulk copy or one typed-array
 * loop per column; rows (write) are validated and appended value by value. Both reach the same
 * buffers and the same encoder, so a file does not depend on which path wrote it.
 *
 * Codecs: snappy (default, snappy-compress.ts), gzip (node:zlib), uncompressed, and zstd where
 * the runtime has `zlib.zstdCompressSync` (Node 22.15 and later, which Lambda's nodejs22.x has;
 * not Node 20): pages are compressed synchronously, and no synchronous pure-JS zstd compressor is
 * available. Asking for zstd elsewhere is a FormatError at creation, before any byte is written.
 */
import zlib from 'node:zlib';

import type { SchemaElement } from 'hyparquet';

import { NAIVE_ZONE, type ColumnSpec } from '../contracts/output-contract';
import { FormatError } from '../errors';
import type { ByteSink } from './byte-io';
import {
  ParquetFileEncoder,
  type ChunkInput,
  type ChunkValues,
  type Codec,
  type RowGroupMeta,
} from './parquet-encoder';
import { digitCount, parquetElementFor } from './parquet-types';
import { snappyCompressView } from './snappy-compress';
import type { ParquetCodec, TableWriter, TypedRow, WriterOptions } from './table-io';
import { TEXT_NULL } from './column-batch';
import {
  dictionaryStrings,
  typedValueAt,
  utf8Strings,
  type TypedColumn,
  type Utf8Column,
} from './typed-column';
import { daysFromCivil, type TypedValue } from '../contracts/typed-values';

const DEFAULT_ROW_GROUP_ROWS = 100_000;
/** The footer's created_by. */
export const PARQUET_CREATED_BY = 'prt';
/** Rows a column buffer starts with; it doubles up to the row group size. */
const INITIAL_ROWS = 1 << 14;

const UTF8_ENCODER = new TextEncoder();

/** A PLAIN byte array's 4-byte little-endian length at `at`. */
function putLength(out: Uint8Array, at: number, length: number): void {
  out[at] = length;
  out[at + 1] = length >>> 8;
  out[at + 2] = length >>> 16;
  out[at + 3] = length >>> 24;
}
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const TWO_32 = 2 ** 32;
const DATE_TEXT = /^(-?\d{4,})-(\d{2})-(\d{2})$/;
const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const NARROW_INTS = { int8: [8, -128, 127], int16: [16, -32768, 32767] } as const;
const TIMESTAMP_UNITS = { ms: 'MILLIS', us: 'MICROS', ns: 'NANOS' } as const;

/** The codec of the file's pages, and its compressor. */
export function codecOf(codec: ParquetCodec): Codec {
  switch (codec) {
    case 'snappy':
      // The encoder appends each page as soon as it is compressed: no copy out of the scratch.
      return { id: 1, compress: snappyCompressView };
    case 'uncompressed':
      return { id: 0, compress: null };
    case 'gzip':
      return { id: 2, compress: (input) => zlib.gzipSync(input) };
    case 'zstd': {
      const zstd = (zlib as { zstdCompressSync?: (input: Uint8Array) => Uint8Array }).zstdCompressSync;
      if (typeof zstd !== 'function') {
        throw new FormatError(
          `Parquet zstd compression needs Node.js 22.15 or later (zlib.zstdCompressSync); this is Node ` +
            `${process.versions.node}. Choose snappy or gzip, or run on a newer Node`,
        );
      }
      return { id: 6, compress: (input) => zstd(input) };
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
    // The logical type alone, as files written before declared it: the bytes written are the
    // text as read.
    return { ...base, type: 'BYTE_ARRAY', logical_type: { type: 'JSON' } };
  }
  return element;
}

/** Hex digit value of a character code of [0-9a-f] (the UUID text is checked first). */
function nibble(c: number): number {
  return c <= 0x39 ? c - 0x30 : c - 0x57;
}

/**
 * Day count of 'YYYY-MM-DD' text, or null when the text is no date. Four-digit years are read
 * from their character codes; other years (5+ digits, negative) take the pattern.
 */
function dayCount(text: string): number | null {
  if (text.length === 10 && text.charCodeAt(4) === 0x2d && text.charCodeAt(7) === 0x2d) {
    let y = 0;
    let ok = true;
    for (let i = 0; i < 4; i++) {
      const d = text.charCodeAt(i) - 0x30;
      ok &&= d >= 0 && d <= 9;
      y = y * 10 + d;
    }
    const m1 = text.charCodeAt(5) - 0x30;
    const m2 = text.charCodeAt(6) - 0x30;
    const d1 = text.charCodeAt(8) - 0x30;
    const d2 = text.charCodeAt(9) - 0x30;
    ok &&= m1 >= 0 && m1 <= 9 && m2 >= 0 && m2 <= 9 && d1 >= 0 && d1 <= 9 && d2 >= 0 && d2 <= 9;
    if (ok) return daysFromCivil(y, m1 * 10 + m2, d1 * 10 + d2);
  }
  const m = DATE_TEXT.exec(text);
  return m ? daysFromCivil(Number(m[1]), Number(m[2]), Number(m[3])) : null;
}

/**
 * One column's values of the row group being buffered, in physical form: dense non-null values
 * in a typed array (int64 as two 32-bit halves, strings as the source's strings, fixed-length
 * values as bytes) and a validity byte per row for a nullable column. Every value is checked for
 * the column's type as it is appended, so a wrong value fails on the row that holds it.
 */
class ColumnBuffer {
  private rows = 0;
  private count = 0;
  private nulls = 0;
  private valid: Uint8Array;
  private i32 = new Int32Array(0);
  private i64 = new BigInt64Array(0);
  private f32 = new Float32Array(0);
  private f64 = new Float64Array(0);
  private bytes = new Uint8Array(0);
  private strings: string[] = [];
  /**
   * A BYTE_ARRAY chunk's values in PLAIN form (a 4-byte length and the bytes of each), once a
   * UTF-8 column reached a chunk holding no value yet; strings appended after it are encoded
   * into it. Value k is plain[offsets[k], offsets[k + 1]). Both are kept for the next row group:
   * the bytes grow to at most twice a row group's PLAIN bytes, the offsets to its rows + 1.
   */
  private plainMode = false;
  private plain = new Uint8Array(0);
  private plainLength = 0;
  private plainOffsets = new Int32Array(0);
  /** Values (rows) the arrays hold. */
  private capacity = 0;
  private readonly physical: ChunkValues['type'];
  /** Bytes per value of a FIXED_LEN_BYTE_ARRAY column. */
  private readonly width: number;
  private readonly hint: ColumnSpec['physical'];
  /** Decimal columns: values below this magnitude fit the precision (checked as doubles). */
  private readonly decimalBound: number;

  constructor(
    private readonly spec: ColumnSpec,
    element: SchemaElement,
    private readonly maxRows: number,
  ) {
    const type = element.type;
    if (type === undefined || type === 'INT96')
      throw new FormatError(`column ${spec.name} has no writable type`);
    this.physical = type;
    this.width = element.type_length ?? 0;
    this.hint = spec.physical;
    this.valid = new Uint8Array(0);
    const precision = spec.precision ?? 38;
    // Every safe integer has at most 16 digits; below that the bound is exact as a double.
    this.decimalBound = precision >= 16 ? Infinity : 10 ** precision;
  }

  /** Makes room for `extra` more rows (and values). */
  private ensure(extra: number): void {
    const need = this.rows + extra;
    if (need <= this.capacity) return;
    let capacity = Math.max(this.capacity * 2, Math.min(INITIAL_ROWS, this.maxRows));
    while (capacity < need) capacity *= 2;
    capacity = Math.max(need, Math.min(capacity, this.maxRows));
    const grow = <A extends Int32Array | Float32Array | Float64Array | Uint8Array>(
      old: A,
      make: (n: number) => A,
      perRow: number,
    ): A => {
      const next = make(capacity * perRow);
      next.set(old.subarray(0, this.count * perRow));
      return next;
    };
    switch (this.physical) {
      case 'INT32':
        this.i32 = grow(this.i32, (n) => new Int32Array(n), 1);
        break;
      case 'INT64':
        this.i32 = grow(this.i32, (n) => new Int32Array(n), 2);
        this.i64 = new BigInt64Array(this.i32.buffer);
        break;
      case 'FLOAT':
        this.f32 = grow(this.f32, (n) => new Float32Array(n), 1);
        break;
      case 'DOUBLE':
        this.f64 = grow(this.f64, (n) => new Float64Array(n), 1);
        break;
      case 'BOOLEAN':
        this.bytes = grow(this.bytes, (n) => new Uint8Array(n), 1);
        break;
      case 'FIXED_LEN_BYTE_ARRAY':
        this.bytes = grow(this.bytes, (n) => new Uint8Array(n), this.width);
        break;
      case 'BYTE_ARRAY':
        if (this.plainOffsets.length > 0 && this.plainOffsets.length < capacity + 1) {
          const offsets = new Int32Array(capacity + 1);
          offsets.set(this.plainOffsets.subarray(0, this.count + 1));
          this.plainOffsets = offsets;
        }
        break;
    }
    if (this.spec.nullable) {
      const valid = new Uint8Array(capacity);
      valid.set(this.valid.subarray(0, this.rows));
      this.valid = valid;
    }
    this.capacity = capacity;
  }

  private fail(v: unknown, why: string): never {
    const { spec } = this;
    throw new FormatError(
      `cannot write ${typeof v} ${String(v)} to ${spec.type} column ${spec.name}: ${why}`,
    );
  }

  /** Records a null as row `rowNumber` (1-based, for the message) of the file. */
  private addNull(rowNumber: number): void {
    if (!this.spec.nullable) {
      throw new FormatError(
        `row ${rowNumber}: column ${this.spec.name} is not nullable but the value is null`,
      );
    }
    this.valid[this.rows++] = 0;
    this.nulls++;
  }

  /** Marks the next row as holding a value (the caller stores it at index `count`). */
  private present(): void {
    if (this.spec.nullable) this.valid[this.rows] = 1;
    this.rows++;
  }

  private putInt64Number(v: number): void {
    const k = this.count++;
    // The low half modulo 2^32 (ToInt32 is exact for safe integers), the high half floored.
    this.i32[2 * k] = v | 0;
    this.i32[2 * k + 1] = Math.floor(v / TWO_32);
  }

  /** A decimal's unscaled value as big-endian two's complement of the column's width. */
  private putFixedBigint(v: bigint): void {
    const at = this.count++ * this.width;
    let x = v;
    for (let i = this.width - 1; i >= 0; i--) {
      this.bytes[at + i] = Number(x & 0xffn);
      x >>= 8n;
    }
  }

  private putFixedNumber(v: number): void {
    const at = this.count++ * this.width;
    const lo = v >>> 0;
    const hi = Math.floor(v / TWO_32);
    const sign = v < 0 ? 0xff : 0;
    const w = this.width;
    for (let i = 0; i < w - 8; i++) this.bytes[at + i] = sign;
    for (let i = 0; i < 4; i++) {
      this.bytes[at + w - 1 - i] = (lo >>> (8 * i)) & 0xff;
      this.bytes[at + w - 5 - i] = (hi >>> (8 * i)) & 0xff;
    }
  }

  private putUuid(v: string): void {
    const at = this.count++ * 16;
    let j = 0;
    for (let i = 0; i < 36; i++) {
      const c = v.charCodeAt(i);
      if (c === 0x2d) continue;
      const n = nibble(c);
      if (j % 2 === 0) this.bytes[at + (j >> 1)] = n << 4;
      else this.bytes[at + (j >> 1)]! |= n;
      j++;
    }
  }

  /** Appends a null or a typed value as row `rowNumber` (1-based) of the file. */
  append(v: TypedValue | undefined, rowNumber: number): void {
    this.ensure(1);
    if (v === null || v === undefined) {
      this.addNull(rowNumber);
      return;
    }
    this.put(v);
    this.present();
  }

  /** Checks a non-null value for the column and stores it at `count` (the row is marked after). */
  private put(v: Exclude<TypedValue, null>): void {
    const { spec, hint } = this;
    switch (spec.type) {
      case 'string':
        if (typeof v !== 'string') {
          return this.fail(
            v,
            hint === 'uuid'
              ? 'expected UUID text'
              : hint === 'json'
                ? 'expected JSON text'
                : 'expected a string',
          );
        }
        if (hint === 'uuid') {
          if (!UUID_TEXT.test(v)) return this.fail(v, 'expected UUID text');
          return this.putUuid(v);
        }
        this.pushString(v);
        return;
      case 'int32': {
        const [bits, min, max] =
          hint === 'int8' || hint === 'int16' ? NARROW_INTS[hint] : [32, INT32_MIN, INT32_MAX];
        if (!(typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max)) {
          return this.fail(v, `expected a ${bits}-bit integer`);
        }
        this.i32[this.count++] = v;
        return;
      }
      case 'int64':
        if (typeof v === 'number' && Number.isSafeInteger(v)) return this.putInt64Number(v);
        if (typeof v === 'bigint' && v >= INT64_MIN && v <= INT64_MAX) {
          this.i64[this.count++] = v;
          return;
        }
        return this.fail(v, 'expected a 64-bit integer');
      case 'float32':
      case 'float64':
        if (typeof v !== 'number') return this.fail(v, 'expected a number');
        if (this.physical === 'FLOAT') this.f32[this.count++] = v;
        else this.f64[this.count++] = v;
        return;
      case 'boolean':
        if (typeof v !== 'boolean') return this.fail(v, 'expected a boolean');
        this.bytes[this.count++] = v ? 1 : 0;
        return;
      case 'date': {
        const days = typeof v === 'string' ? dayCount(v) : null;
        if (days === null) return this.fail(v, "expected 'YYYY-MM-DD'");
        if (days < INT32_MIN || days > INT32_MAX) return this.fail(v, 'a day count outside 32 bits');
        this.i32[this.count++] = days;
        return;
      }
      case 'timestamp':
        if (typeof v !== 'bigint' || v < INT64_MIN || v > INT64_MAX) {
          return this.fail(v, `expected a bigint count of ${spec.unit ?? 'us'}`);
        }
        this.i64[this.count++] = v;
        return;
      case 'decimal': {
        const precision = spec.precision ?? 38;
        if (typeof v !== 'bigint' || digitCount(v) > precision) {
          return this.fail(v, `expected a bigint unscaled value of at most ${precision} digits`);
        }
        if (this.physical === 'INT32') this.i32[this.count++] = Number(v);
        else if (this.physical === 'INT64') this.i64[this.count++] = v;
        else this.putFixedBigint(v);
        return;
      }
    }
  }

  /**
   * Appends rows [from, to) of a typed column; `firstRow` is the file's row number of `from`.
   * Columns in the flat layout of the column's type are copied with one loop over their typed
   * arrays (no JS value per cell); anything else goes value by value through the checks.
   */
  appendColumn(column: TypedColumn, from: number, to: number, firstRow: number): void {
    this.ensure(to - from);
    const { spec, physical, hint } = this;
    switch (column.kind) {
      case 'float64':
        if (physical === 'DOUBLE')
          return this.copy(column.values, column.valid, from, to, firstRow, this.f64);
        if (physical === 'FLOAT') return this.copy(column.values, column.valid, from, to, firstRow, this.f32);
        break;
      case 'int32':
        if (physical === 'INT32' && spec.type === 'int32') {
          if (hint === 'int8' || hint === 'int16') {
            const [, min, max] = NARROW_INTS[hint];
            const { values, valid } = column;
            for (let r = from; r < to; r++) {
              if (valid !== null && valid[r] === 0) continue;
              const v = values[r]!;
              if (v < min || v > max) {
                // The failing row goes through the checks, which give its message.
                return this.generic(column, from, to, firstRow);
              }
            }
          }
          return this.copy(column.values, column.valid, from, to, firstRow, this.i32);
        }
        break;
      case 'integer':
        if (spec.type === 'decimal' && !this.integersFitPrecision(column, from, to)) break;
        if (physical === 'INT64' && spec.type !== 'int32') return this.copyInt64(column, from, to, firstRow);
        if (physical === 'INT32' && spec.type === 'decimal') {
          return this.copy(column.values, column.valid, from, to, firstRow, this.i32);
        }
        if (physical === 'FIXED_LEN_BYTE_ARRAY' && spec.type === 'decimal') {
          return this.each(column.valid, from, to, firstRow, (r) => this.putFixedNumber(column.values[r]!));
        }
        break;
      case 'boolean':
        if (physical === 'BOOLEAN')
          return this.copy(column.values, column.valid, from, to, firstRow, this.bytes);
        break;
      case 'string':
        if (spec.type === 'string' && hint !== 'uuid')
          return this.copyStrings(column.values, from, to, firstRow);
        break;
      case 'dictionary':
        if (spec.type === 'string' && hint !== 'uuid')
          return this.copyStrings(dictionaryStrings(column, to).values, from, to, firstRow);
        break;
      case 'utf8':
        if (spec.type === 'string' && hint !== 'uuid') {
          // A chunk that already holds strings keeps them: the rows come as texts.
          if (this.count > 0 && !this.plainMode) {
            return this.copyStrings(utf8Strings(column, to).values, from, to, firstRow);
          }
          return this.copyUtf8(column, from, to, firstRow);
        }
        break;
    }
    this.generic(column, from, to, firstRow);
  }

  private integersFitPrecision(
    column: { values: Float64Array; valid: Uint8Array | null },
    from: number,
    to: number,
  ): boolean {
    const bound = this.decimalBound;
    if (bound === Infinity) return true;
    const { values, valid } = column;
    for (let r = from; r < to; r++) {
      if ((valid === null || valid[r] === 1) && !(Math.abs(values[r]!) < bound)) return false;
    }
    return true;
  }

  /** Rows one by one through the checks (the exact typed value of each cell). */
  private generic(column: TypedColumn, from: number, to: number, firstRow: number): void {
    for (let r = from; r < to; r++) {
      const v = typedValueAt(column, this.spec, r);
      if (v === null) this.addNull(firstRow + r - from);
      else {
        this.put(v);
        this.present();
      }
    }
  }

  /** Rows [from, to): nulls recorded, `store(r)` called for each row holding a value. */
  private each(
    valid: Uint8Array | null,
    from: number,
    to: number,
    firstRow: number,
    store: (r: number) => void,
  ): void {
    for (let r = from; r < to; r++) {
      if (valid !== null && valid[r] === 0) this.addNull(firstRow + r - from);
      else {
        store(r);
        this.present();
      }
    }
  }

  private copy<A extends Float64Array | Float32Array | Int32Array | Uint8Array>(
    values: Float64Array | Int32Array | Uint8Array,
    valid: Uint8Array | null,
    from: number,
    to: number,
    firstRow: number,
    out: A,
  ): void {
    if (valid === null) {
      out.set(values.subarray(from, to), this.count);
      this.count += to - from;
      if (this.spec.nullable) this.valid.fill(1, this.rows, this.rows + to - from);
      this.rows += to - from;
      return;
    }
    let k = this.count;
    let row = this.rows;
    const mine = this.valid;
    const nullable = this.spec.nullable;
    for (let r = from; r < to; r++) {
      if (valid[r] === 0) {
        this.rows = row;
        this.count = k;
        this.addNull(firstRow + r - from);
        row++;
        continue;
      }
      out[k++] = values[r]!;
      if (nullable) mine[row] = 1;
      row++;
    }
    this.count = k;
    this.rows = row;
  }

  private copyInt64(
    column: { values: Float64Array; valid: Uint8Array | null },
    from: number,
    to: number,
    firstRow: number,
  ): void {
    const { values, valid } = column;
    const halves = this.i32;
    const mine = this.valid;
    const nullable = this.spec.nullable;
    let k = this.count;
    let row = this.rows;
    for (let r = from; r < to; r++) {
      if (valid !== null && valid[r] === 0) {
        this.rows = row;
        this.count = k;
        this.addNull(firstRow + r - from);
        row++;
        continue;
      }
      const v = values[r]!;
      halves[2 * k] = v | 0;
      halves[2 * k + 1] = Math.floor(v / TWO_32);
      k++;
      if (nullable) mine[row] = 1;
      row++;
    }
    this.count = k;
    this.rows = row;
  }

  /** Stores a string as the next value: in the strings, or encoded into the PLAIN bytes. */
  private pushString(v: string): void {
    if (!this.plainMode) {
      this.strings.push(v);
      this.count++;
      return;
    }
    const n = v.length;
    this.ensurePlain(4 + 3 * n);
    const out = this.plain;
    const start = this.plainLength + 4;
    let at = start;
    let i = 0;
    for (; i < n; i++) {
      const c = v.charCodeAt(i);
      if (c >= 0x80) break;
      out[at++] = c;
    }
    if (i < n) at = start + UTF8_ENCODER.encodeInto(v, out.subarray(start)).written;
    putLength(out, start - 4, at - start);
    this.plainLength = at;
    this.plainOffsets[++this.count] = at;
  }

  /** Makes room for `extra` more PLAIN bytes. */
  private ensurePlain(extra: number): void {
    const need = this.plainLength + extra;
    if (need <= this.plain.length) return;
    const grown = new Uint8Array(Math.max(need, 2 * this.plain.length, 1 << 16));
    grown.set(this.plain.subarray(0, this.plainLength));
    this.plain = grown;
  }

  /**
   * Rows [from, to) of a UTF-8 column: each value's bytes copied after its length, with no string
   * made. The chunk turns to PLAIN bytes if it holds no value yet.
   */
  private copyUtf8(column: Utf8Column, from: number, to: number, firstRow: number): void {
    const { bytes, start, end, flags } = column;
    if (!this.plainMode) {
      this.plainMode = true;
      this.plainLength = 0;
      if (this.plainOffsets.length < this.capacity + 1) this.plainOffsets = new Int32Array(this.capacity + 1);
      this.plainOffsets[0] = 0;
    }
    let need = 0;
    for (let r = from; r < to; r++) if ((flags[r]! & TEXT_NULL) === 0) need += 4 + end[r]! - start[r]!;
    this.ensurePlain(need);
    const out = this.plain;
    const offsets = this.plainOffsets;
    const mine = this.valid;
    const nullable = this.spec.nullable;
    let at = this.plainLength;
    for (let r = from; r < to; r++) {
      if ((flags[r]! & TEXT_NULL) !== 0) {
        this.addNull(firstRow + r - from);
        continue;
      }
      const s = start[r]!;
      const e = end[r]!;
      const length = e - s;
      putLength(out, at, length);
      at += 4;
      // Short values (most text cells) copy faster by hand than through a view and a set.
      if (length <= 64) for (let j = s; j < e; j++) out[at++] = bytes[j]!;
      else {
        out.set(bytes.subarray(s, e), at);
        at += length;
      }
      offsets[++this.count] = at;
      if (nullable) mine[this.rows] = 1;
      this.rows++;
    }
    this.plainLength = at;
  }

  private copyStrings(values: readonly (string | null)[], from: number, to: number, firstRow: number): void {
    if (this.plainMode) {
      for (let r = from; r < to; r++) {
        const v = values[r];
        if (v === null || v === undefined) this.addNull(firstRow + r - from);
        else {
          this.pushString(v);
          this.present();
        }
      }
      return;
    }
    const strings = this.strings;
    const mine = this.valid;
    const nullable = this.spec.nullable;
    for (let r = from; r < to; r++) {
      const v = values[r];
      if (v === null || v === undefined) {
        this.addNull(firstRow + r - from);
        continue;
      }
      strings.push(v);
      this.count++;
      if (nullable) mine[this.rows] = 1;
      this.rows++;
    }
  }

  /** The buffered row group's chunk; the buffer is empty again after it is encoded. */
  take(): ChunkInput {
    const valid = this.nulls > 0 ? this.valid.subarray(0, this.rows) : null;
    const { rows, count } = this;
    let data: ChunkValues;
    switch (this.physical) {
      case 'INT32':
        data = { type: 'INT32', values: this.i32.subarray(0, count) };
        break;
      case 'INT64':
        data = { type: 'INT64', values: this.i32.subarray(0, 2 * count) };
        break;
      case 'FLOAT':
        data = { type: 'FLOAT', values: this.f32.subarray(0, count) };
        break;
      case 'DOUBLE':
        data = { type: 'DOUBLE', values: this.f64.subarray(0, count) };
        break;
      case 'BOOLEAN':
        data = { type: 'BOOLEAN', values: this.bytes.subarray(0, count) };
        break;
      case 'BYTE_ARRAY':
        data = this.plainMode
          ? {
              type: 'BYTE_ARRAY',
              values: null,
              plain: this.plain.subarray(0, this.plainLength),
              offsets: this.plainOffsets.subarray(0, count + 1),
            }
          : { type: 'BYTE_ARRAY', values: this.strings };
        this.strings = [];
        this.plainMode = false;
        this.plainLength = 0;
        break;
      case 'FIXED_LEN_BYTE_ARRAY':
        data = {
          type: 'FIXED_LEN_BYTE_ARRAY',
          values: this.bytes.subarray(0, count * this.width),
          width: this.width,
          signed: this.spec.type === 'decimal',
        };
        break;
    }
    this.rows = 0;
    this.count = 0;
    this.nulls = 0;
    return { rows, valid, count, data };
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
  return createWriter(sink, options, false).writer;
}

/** A writer of one part of a Parquet file (createParquetPartWriter). */
export interface ParquetPartWriter {
  readonly writer: TableWriter;
  /** The part's row groups, offsets counted from the part's first byte; complete once closed. */
  rowGroups(): readonly RowGroupMeta[];
}

/**
 * Writes row groups only, as a part of one Parquet file that others' parts join (a large
 * object converted range by range): no magic and no footer, the same row groups and pages
 * createParquetWriter writes for the same rows. parquetTail writes the file's end from the parts'
 * row groups.
 */
export function createParquetPartWriter(sink: ByteSink, options: WriterOptions): ParquetPartWriter {
  const { writer, file } = createWriter(sink, options, true);
  return { writer, rowGroups: () => file.rowGroups() };
}

function createWriter(
  sink: ByteSink,
  options: WriterOptions,
  part: boolean,
): { writer: TableWriter; file: ParquetFileEncoder } {
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
  const codec = codecOf(options.parquet?.codec ?? 'snappy');
  const elements: SchemaElement[] = [
    { name: 'schema', num_children: schema.length },
    ...schema.map((c) => parquetElementOf(c)),
  ];
  const file = new ParquetFileEncoder(elements, codec, PARQUET_CREATED_BY, { part });
  const buffers = schema.map((c, j) => new ColumnBuffer(c, elements[j + 1]!, rowGroupRows));

  let buffered = 0;
  let written = 0;
  let group = 0;
  let state: 'open' | 'closed' | 'failed' = 'open';

  const writeGroup = async (): Promise<void> => {
    const rows = buffered;
    buffered = 0;
    try {
      file.writeRowGroup(
        buffers.map((b) => b.take()),
        rows,
      );
    } catch (e) {
      if (e instanceof FormatError) throw e;
      throw new FormatError(
        `Parquet row group ${group} could not be written: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    group++;
    await sink.write(file.drain());
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

  const writer: TableWriter = {
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
        // Row groups split exactly where write() of the same rows splits them.
        for (let from = 0; from < length;) {
          const to = Math.min(length, from + rowGroupRows - buffered);
          for (let j = 0; j < schema.length; j++)
            buffers[j]!.appendColumn(columns[j]!, from, to, written + 1);
          buffered += to - from;
          written += to - from;
          from = to;
          if (buffered >= rowGroupRows) await writeGroup();
        }
      }),
    close: () =>
      guard(async () => {
        if (buffered > 0) await writeGroup();
        if (!part) {
          file.finish();
          await sink.write(file.drain());
        }
        await sink.close();
        state = 'closed';
      }),
    async abort() {
      state = 'failed';
      await sink.abort();
    },
  };
  return { writer, file };

  function appendRow(row: TypedRow): void {
    const rowNumber = written + 1;
    if (row.length !== schema.length) {
      throw new FormatError(
        `row ${rowNumber} has ${row.length} values; the schema has ${schema.length} columns`,
      );
    }
    for (let j = 0; j < schema.length; j++) buffers[j]!.append(row[j], rowNumber);
    buffered++;
    written++;
  }
}
