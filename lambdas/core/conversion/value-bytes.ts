/**
 * Number and timestamp columns hashed by value instead of by canonical text: a float's IEEE bits,
 * an integer's or a timestamp count's 64-bit two's complement. Turning every value into text only
 * to hash it costs more than the rest of the digest together (String() of a double is far slower
 * than storing its 8 bytes), and it is done on both sides of every conversion.
 *
 * The proof stays exactly as strong: a value's bytes here are a function of its canonical text
 * and the reverse, so two values hash alike exactly when their canonical texts are equal. Each
 * domain is a set of values on which the canonical text is one-to-one, hashed by the value:
 * - float64: canonical text is String(v) ('-0' for -0), which differs for different doubles
 *   except that every NaN is 'NaN': NaN is written as one bit pattern, and -0 keeps its own bits.
 * - float32: canonical text is the shortest text that reads back to Math.fround(v), one per
 *   float32 value: the bits of Math.fround(v), NaN again as one pattern.
 * - int32/int64: canonical text is the decimal digits, one text per integer: the value as a
 *   two's complement int64, whether it is held as a number or a bigint.
 * - timestamp: counts of years 0000 to 9999 within 2^53 (the codec's text is then a four-digit
 *   year, two-digit fields and the fraction's digits, one text per count), as int64.
 * - Any other value (a bigint in a float column, a fraction in an integer column, a timestamp
 *   past those years) is hashed as the domain value whose canonical text is the same (its text
 *   parsed back), when there is one, and else by its canonical text, under its own tag.
 *
 * Each row is a tag byte (null, value, text) then the value's bytes, or the text's length and
 * UTF-16 code units: no sequence of rows can be read as another. The byte order is little-endian.
 */
import type { ColumnSpec } from '../contracts/output-contract';
import { daysFromCivil, NOT_CONFORMING, type ColumnCodec, type TypedValue } from '../contracts/typed-values';
import { TEXT_NULL } from '../formats/column-batch';
import { typedValueAt, type TypedColumn } from '../formats/typed-column';

/** What a column's values are hashed as, and the values that are hashed so. */
export interface ValueDomain {
  readonly kind: 'float64' | 'float32' | 'int64';
  /** Integers held as numbers in [min, max] are hashed as int64 (int64 kind only). */
  readonly min: number;
  readonly max: number;
  /** The same bounds for integers held as bigints. */
  readonly bigMin: bigint;
  readonly bigMax: bigint;
}

const TWO_63 = 2 ** 63;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const PER_DAY = { ms: 864e5, us: 864e8, ns: 864e11 } as const;
const FIRST_DAY = daysFromCivil(0, 1, 1);
const LAST_DAY = daysFromCivil(9999, 12, 31);
const SAFE = Number.MAX_SAFE_INTEGER;

const FLOAT64: ValueDomain = { kind: 'float64', min: 0, max: 0, bigMin: 0n, bigMax: 0n };
const FLOAT32: ValueDomain = { ...FLOAT64, kind: 'float32' };
/** Numbers past 2^63 - 1024 (the last double below 2^63) are past int64. */
const INT64: ValueDomain = {
  kind: 'int64',
  min: -TWO_63,
  max: TWO_63 - 1024,
  bigMin: INT64_MIN,
  bigMax: INT64_MAX,
};

/** The domain a column is hashed by value in, or null for a column hashed by its text. */
export function valueDomain(spec: ColumnSpec): ValueDomain | null {
  switch (spec.type) {
    case 'float64':
      return FLOAT64;
    case 'float32':
      return FLOAT32;
    case 'int32':
    case 'int64':
      return INT64;
    case 'timestamp': {
      const perDay = PER_DAY[spec.unit ?? 'us'];
      const min = Math.max(FIRST_DAY * perDay, -SAFE);
      const max = Math.min((LAST_DAY + 1) * perDay - 1, SAFE);
      return { kind: 'int64', min, max, bigMin: BigInt(min), bigMax: BigInt(max) };
    }
    default:
      return null;
  }
}

const NULL_TAG = 0;
const VALUE_TAG = 1;
const TEXT_TAG = 2;
const TWO_32 = 2 ** 32;
/** The NaN every NaN is hashed as (the quiet NaN JavaScript itself produces), by 32-bit halves. */
const NAN64_HIGH = 0x7ff80000;
const NAN32 = 0x7fc00000;

/** Row bytes of a number column, reused batch after batch. */
export class ValueBytes {
  bytes = new Uint8Array(64 * 1024);
  private data = new DataView(this.bytes.buffer);
  n = 0;

  ensure(k: number): void {
    if (this.n + k <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.n + k));
    grown.set(this.bytes.subarray(0, this.n));
    this.bytes = grown;
    this.data = new DataView(grown.buffer);
  }

  view(): Uint8Array {
    return this.bytes.subarray(0, this.n);
  }

  /**
   * Rows [0, length) of a typed column, appended. Flat columns go through one loop each, with
   * room made once; anything else value by value.
   */
  addColumn(
    domain: ValueDomain,
    codec: ColumnCodec,
    column: TypedColumn,
    spec: ColumnSpec,
    length: number,
  ): void {
    const kind = domain.kind;
    if (column.kind === 'float64' && kind !== 'int64') {
      this.ensure(length * 9);
      const { values, valid } = column;
      const b = this.bytes;
      const d = this.data;
      let n = this.n;
      if (kind === 'float64') {
        for (let r = 0; r < length; r++) {
          if (valid !== null && valid[r] === 0) {
            b[n++] = NULL_TAG;
            continue;
          }
          const v = values[r]!;
          b[n] = VALUE_TAG;
          if (v !== v) {
            d.setUint32(n + 1, 0, true);
            d.setUint32(n + 5, NAN64_HIGH, true);
          } else d.setFloat64(n + 1, v, true);
          n += 9;
        }
      } else {
        for (let r = 0; r < length; r++) {
          if (valid !== null && valid[r] === 0) {
            b[n++] = NULL_TAG;
            continue;
          }
          const v = Math.fround(values[r]!);
          b[n] = VALUE_TAG;
          if (v !== v) d.setUint32(n + 1, NAN32, true);
          else d.setFloat32(n + 1, v, true);
          n += 5;
        }
      }
      this.n = n;
      return;
    }
    if ((column.kind === 'int32' || column.kind === 'integer') && kind === 'int64') {
      const { values, valid } = column;
      const { min, max } = domain;
      // Integers (safe, or int32) within the domain: the high half by float division, exact for
      // them. One outside it (a timestamp past year 9999) goes value by value.
      for (let from = 0; from < length;) {
        this.ensure((length - from) * 9);
        const b = this.bytes;
        const d = this.data;
        let n = this.n;
        let r = from;
        for (; r < length; r++) {
          if (valid !== null && valid[r] === 0) {
            b[n++] = NULL_TAG;
            continue;
          }
          const v = values[r]!;
          if (!(v >= min && v <= max)) break;
          const high = Math.floor(v / TWO_32);
          b[n] = VALUE_TAG;
          d.setUint32(n + 1, v - high * TWO_32, true);
          d.setInt32(n + 5, high, true);
          n += 9;
        }
        this.n = n;
        if (r < length) this.add(domain, codec, typedValueAt(column, spec, r));
        from = r + 1;
      }
      return;
    }
    for (let r = 0; r < length; r++) this.add(domain, codec, typedValueAt(column, spec, r));
  }

  /** One typed value, as addColumn hashes it. */
  add(domain: ValueDomain, codec: ColumnCodec, v: TypedValue): void {
    if (v === null) {
      this.ensure(1);
      this.bytes[this.n++] = NULL_TAG;
      return;
    }
    if (this.value(domain, v)) return;
    // Not a value of the domain: hashed as the one with the same canonical text, if any.
    const text = codec.canonical(v);
    const parsed = codec.parse(text);
    if (parsed !== NOT_CONFORMING && codec.canonical(parsed) === text && this.value(domain, parsed)) return;
    this.ensure(5 + 2 * text.length);
    this.bytes[this.n] = TEXT_TAG;
    this.data.setUint32(this.n + 1, text.length, true);
    this.n += 5;
    for (let i = 0; i < text.length; i++) {
      this.data.setUint16(this.n, text.charCodeAt(i), true);
      this.n += 2;
    }
  }

  /** Appends v as a value of the domain; false when it is not one. */
  private value(domain: ValueDomain, v: Exclude<TypedValue, null>): boolean {
    const kind = domain.kind;
    if (typeof v === 'number') {
      if (kind === 'float64') this.float64(v);
      else if (kind === 'float32') this.float32(v);
      else if (Number.isInteger(v) && v >= domain.min && v <= domain.max) this.int64(v);
      else return false;
      return true;
    }
    if (typeof v === 'bigint' && kind === 'int64' && v >= domain.bigMin && v <= domain.bigMax) {
      this.ensure(9);
      this.bytes[this.n] = VALUE_TAG;
      this.data.setBigInt64(this.n + 1, v, true);
      this.n += 9;
      return true;
    }
    return false;
  }

  private float64(v: number): void {
    this.ensure(9);
    this.bytes[this.n] = VALUE_TAG;
    if (v !== v) {
      this.data.setUint32(this.n + 1, 0, true);
      this.data.setUint32(this.n + 5, NAN64_HIGH, true);
    } else this.data.setFloat64(this.n + 1, v, true);
    this.n += 9;
  }

  private float32(v: number): void {
    this.ensure(5);
    const f = Math.fround(v);
    this.bytes[this.n] = VALUE_TAG;
    if (f !== f) this.data.setUint32(this.n + 1, NAN32, true);
    else this.data.setFloat32(this.n + 1, f, true);
    this.n += 5;
  }

  /** An integer in [-2^63, 2^63) held as a number: its halves by float division, exact. */
  private int64(v: number): void {
    this.ensure(9);
    const high = Math.floor(v / TWO_32);
    this.bytes[this.n] = VALUE_TAG;
    this.data.setUint32(this.n + 1, v - high * TWO_32, true);
    this.data.setInt32(this.n + 5, high, true);
    this.n += 9;
  }
}

/**
 * Rows whose digest bytes are already made (a read-back's number column, hashed straight from its
 * text): row r's bytes are bytes[offsets[r], offsets[r + 1]), the bytes addColumn gives for the
 * value typing gives row r.
 */
export interface ValueBytesColumn {
  readonly kind: 'valueBytes';
  readonly bytes: Uint8Array;
  readonly offsets: Int32Array;
}

/**
 * Encodes number cells straight into digest bytes, in one loop with no typed column between:
 * what typing a number column and addColumn would do, for a column every cell of which is null or
 * a value typing's fast path reads and the domain holds. Its buffers are reused batch after
 * batch, so a column it gives is valid until the next encode; they grow to the largest batch
 * (9 bytes and 4 offset bytes per row).
 */
export class NumberTextBytes {
  private bytes = new Uint8Array(0);
  private data = new DataView(this.bytes.buffer);
  private offsets = new Int32Array(0);

  /**
   * Rows [0, length) of a text vector, or null (nothing to be relied on) when a cell is not one of
   * those: a null the column refuses, an escaped or quoted cell, one `parse` declines (NaN), or
   * a value outside the domain (a timestamp past year 9999). The caller then types the column.
   */
  encode(
    domain: ValueDomain,
    v: { readonly start: Int32Array; readonly end: Int32Array; readonly flags: Uint8Array },
    length: number,
    nullable: boolean,
    parse: (s: number, e: number) => number,
  ): ValueBytesColumn | null {
    if (this.offsets.length < length + 1) {
      this.bytes = new Uint8Array(9 * length);
      this.data = new DataView(this.bytes.buffer);
      this.offsets = new Int32Array(length + 1);
    }
    const { start, end, flags } = v;
    const { bytes: b, data: d, offsets } = this;
    const kind = domain.kind;
    const { min, max } = domain;
    let n = 0;
    for (let r = 0; r < length; r++) {
      offsets[r] = n;
      const f = flags[r]!;
      if (f !== 0) {
        if ((f & TEXT_NULL) === 0 || !nullable) return null;
        b[n++] = NULL_TAG;
        continue;
      }
      const x = parse(start[r]!, end[r]!);
      if (x !== x) return null;
      b[n] = VALUE_TAG;
      if (kind === 'float64') {
        d.setFloat64(n + 1, x, true);
        n += 9;
      } else if (kind === 'float32') {
        d.setFloat32(n + 1, Math.fround(x), true);
        n += 5;
      } else {
        if (!(x >= min && x <= max)) return null;
        const high = Math.floor(x / TWO_32);
        d.setUint32(n + 1, x - high * TWO_32, true);
        d.setInt32(n + 5, high, true);
        n += 9;
      }
    }
    offsets[length] = n;
    return { kind: 'valueBytes', bytes: b, offsets: offsets.subarray(0, length + 1) };
  }
}
