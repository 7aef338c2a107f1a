/**
 * Number columns (float32, float64, int32, int64) hashed by value instead of by canonical text:
 * a float's IEEE bits, an integer's 64-bit two's complement. Turning every number into text only
 * to hash it costs more than the rest of the digest together (String() of a double is far slower
 * than storing its 8 bytes), and it is done on both sides of every conversion.
 *
 * The proof stays exactly as strong: a value's bytes here are a function of its canonical text
 * and the reverse, so two values hash alike exactly when their canonical texts are equal.
 * - float64: canonical text is String(v) ('-0' for -0), which differs for different doubles
 *   except that every NaN is 'NaN': NaN is written as one bit pattern, and -0 keeps its own bits.
 * - float32: canonical text is the shortest text that reads back to Math.fround(v), one per
 *   float32 value: the bits of Math.fround(v), NaN again as one pattern.
 * - int32/int64: canonical text is the decimal digits, one text per integer: the value as a
 *   two's complement int64, whether it is held as a number or a bigint.
 * - Any other value (not a number of the domain: a bigint in a float column, a fraction or a
 *   number past int64 in an integer column) is hashed by the bytes of the domain value whose
 *   canonical text is the same, when one exists, and else by its canonical text, under its own tag.
 *
 * Each row is a tag byte (null, value, text) then the value's bytes, or the text's length and
 * UTF-16 code units: no sequence of rows can be read as another. The byte order is little-endian.
 */
import type { ColumnSpec } from '../contracts/output-contract';
import type { ColumnCodec, TypedValue } from '../contracts/typed-values';
import { typedValueAt, type TypedColumn } from '../formats/typed-column';

/** What a number column's values are hashed as. */
export type ValueDomain = 'float64' | 'float32' | 'int64';

/** The domain a column is hashed by value in, or null for a column hashed by its text. */
export function valueDomain(spec: ColumnSpec): ValueDomain | null {
  switch (spec.type) {
    case 'float64':
      return 'float64';
    case 'float32':
      return 'float32';
    case 'int32':
    case 'int64':
      return 'int64';
    default:
      return null;
  }
}

const NULL_TAG = 0;
const VALUE_TAG = 1;
const TEXT_TAG = 2;
const TWO_32 = 2 ** 32;
const TWO_63 = 2 ** 63;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
/** The canonical text of an integer: String() of it ('0', never '-0' or '+1' or '01'). */
const INTEGER_TEXT = /^(?:0|-?[1-9][0-9]*)$/;
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
    if (column.kind === 'float64' && domain !== 'int64') {
      this.ensure(length * 9);
      const { values, valid } = column;
      const b = this.bytes;
      const d = this.data;
      let n = this.n;
      if (domain === 'float64') {
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
    if ((column.kind === 'int32' || column.kind === 'integer') && domain === 'int64') {
      this.ensure(length * 9);
      const { values, valid } = column;
      const b = this.bytes;
      const d = this.data;
      let n = this.n;
      // Safe integers (and int32s): the high half by float division, exact for them.
      for (let r = 0; r < length; r++) {
        if (valid !== null && valid[r] === 0) {
          b[n++] = NULL_TAG;
          continue;
        }
        const v = values[r]!;
        const high = Math.floor(v / TWO_32);
        b[n] = VALUE_TAG;
        d.setUint32(n + 1, v - high * TWO_32, true);
        d.setInt32(n + 5, high, true);
        n += 9;
      }
      this.n = n;
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
    if (typeof v === 'number') {
      if (domain === 'float64') return this.float64(v);
      if (domain === 'float32') return this.float32(v);
      if (Number.isInteger(v) && v >= -TWO_63 && v < TWO_63) return this.int64(v);
    } else if (typeof v === 'bigint' && domain === 'int64' && v >= INT64_MIN && v <= INT64_MAX) {
      this.ensure(9);
      this.bytes[this.n] = VALUE_TAG;
      this.data.setBigInt64(this.n + 1, v, true);
      this.n += 9;
      return;
    }
    this.addText(domain, codec, codec.canonical(v));
  }

  /**
   * A value outside the domain's own representation, by its canonical text: as the domain value
   * whose canonical text it is, if any (so it hashes as that value does), else as the text.
   */
  private addText(domain: ValueDomain, codec: ColumnCodec, text: string): void {
    if (domain === 'int64') {
      if (INTEGER_TEXT.test(text) && text.length <= 20) {
        const v = BigInt(text);
        if (v >= INT64_MIN && v <= INT64_MAX) return this.add(domain, codec, v);
      }
    } else {
      const v = Number(text);
      if (codec.canonical(v) === text) return this.add(domain, codec, v);
    }
    this.ensure(5 + 2 * text.length);
    this.bytes[this.n] = TEXT_TAG;
    this.data.setUint32(this.n + 1, text.length, true);
    this.n += 5;
    for (let i = 0; i < text.length; i++) {
      this.data.setUint16(this.n, text.charCodeAt(i), true);
      this.n += 2;
    }
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
