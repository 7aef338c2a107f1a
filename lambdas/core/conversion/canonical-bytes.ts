/**
 * Canonical text of whole integer and timestamp columns written straight as UTF-8 bytes, each
 * value followed by the digest's separator: the bytes hashing the codec's canonical text of each
 * value gives, without a JS string per value. Integers and timestamps are the columns whose texts
 * a digest would otherwise build and throw away by the million; the codec stays the
 * specification, and any value this writer is not sure of is written from the codec's own text.
 */
import { NAIVE_ZONE, type ColumnSpec } from '../contracts/output-contract';
import { formatDate, type ColumnCodec } from '../contracts/typed-values';

const PER_SECOND = { ms: 1e3, us: 1e6, ns: 1e9 } as const;
const DIGITS = { ms: 3, us: 6, ns: 9 } as const;
const ZERO = 48;
/** Bounds the date texts a timestamp writer keeps (a few hundred kilobytes at most). */
const MAX_CACHED_DATES = 4096;

/** A growing byte buffer, reused batch after batch. */
export class CanonicalBytes {
  bytes = new Uint8Array(64 * 1024);
  n = 0;

  ensure(k: number): void {
    if (this.n + k <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.n + k));
    grown.set(this.bytes.subarray(0, this.n));
    this.bytes = grown;
  }

  /** ASCII or any text (UTF-8). */
  text(s: string): void {
    this.ensure(s.length * 3);
    this.n += Buffer.from(this.bytes.buffer, this.bytes.byteOffset).write(s, this.n, 'utf8');
  }

  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.bytes.set(bytes, this.n);
    this.n += bytes.length;
  }

  byte(b: number): void {
    this.ensure(1);
    this.bytes[this.n++] = b;
  }

  /** A safe integer's decimal digits, as String(v) writes them. */
  integer(v: number): void {
    this.ensure(17);
    const b = this.bytes;
    let n = this.n;
    let u = v;
    if (u < 0) {
      b[n++] = 45;
      u = -u;
    }
    const start = n;
    // Above 2^31 the digits come by float division until the rest fits int32 arithmetic.
    while (u > 0x7fffffff) {
      const q = Math.floor(u / 10);
      b[n++] = ZERO + (u - q * 10);
      u = q;
    }
    do {
      const q = (u / 10) | 0;
      b[n++] = ZERO + (u - q * 10);
      u = q;
    } while (u > 0);
    b.subarray(start, n).reverse();
    this.n = n;
  }

  /** Two decimal digits (0 to 99). */
  two(v: number): void {
    const b = this.bytes;
    const tens = Math.floor(v / 10);
    b[this.n++] = ZERO + tens;
    b[this.n++] = ZERO + (v - tens * 10);
  }

  view(): Uint8Array {
    return this.bytes.subarray(0, this.n);
  }
}

/**
 * Writes a timestamp column's canonical text of a count held as a safe integer: the codec's
 * format (date, time, the fraction with trailing groups of three zeros dropped, 'Z' unless the
 * column is naive), the same arithmetic step by step. A count whose arithmetic leaves the usual
 * ranges is written from the codec's text.
 */
export function timestampBytes(
  spec: ColumnSpec,
  codec: ColumnCodec,
): (out: CanonicalBytes, count: number) => void {
  const unit = spec.unit ?? 'us';
  const perSecond = PER_SECOND[unit];
  const digits = DIGITS[unit];
  const zone = spec.zone !== NAIVE_ZONE;
  // Date texts by day: a column's timestamps usually span few days, in no order.
  const dates = new Map<number, string>();
  return (out, count) => {
    const seconds = Math.floor(count / perSecond);
    const fraction = count - seconds * perSecond;
    const day = Math.floor(seconds / 86400);
    const rest = seconds - day * 86400;
    if (!(fraction >= 0 && fraction < perSecond && rest >= 0 && rest < 86400)) {
      out.text(codec.format(count));
      return;
    }
    let date = dates.get(day);
    if (date === undefined) {
      if (dates.size >= MAX_CACHED_DATES) dates.clear();
      date = formatDate(day);
      dates.set(day, date);
    }
    out.ensure(date.length + 9 + 1 + digits + 1);
    const b = out.bytes;
    for (let k = 0; k < date.length; k++) b[out.n++] = date.charCodeAt(k);
    b[out.n++] = 84; // 'T'
    out.two(Math.floor(rest / 3600));
    b[out.n++] = 58; // ':'
    out.two(Math.floor(rest / 60) % 60);
    b[out.n++] = 58;
    out.two(rest % 60);
    if (fraction !== 0) {
      b[out.n++] = 46; // '.'
      const start = out.n;
      let f = fraction;
      for (let k = digits - 1; k >= 0; k--) {
        const q = Math.floor(f / 10);
        b[start + k] = ZERO + (f - q * 10);
        f = q;
      }
      let len = digits;
      while (
        len > 3 &&
        b[start + len - 1] === ZERO &&
        b[start + len - 2] === ZERO &&
        b[start + len - 3] === ZERO
      )
        len -= 3;
      out.n = start + len;
    }
    if (zone) b[out.n++] = 90; // 'Z'
  };
}
