/**
 * Canonical text of whole timestamp columns written straight as UTF-8 bytes, each value followed
 * by the digest's separator: the bytes hashing the codec's canonical text of each value gives,
 * without a JS string per value. Timestamps are columns whose texts a digest would otherwise
 * build and throw away by the million; the codec stays the specification, and any value this
 * writer is not sure of is written from the codec's own text.
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

  view(): Uint8Array {
    return this.bytes.subarray(0, this.n);
  }
}

/**
 * Writes a timestamp column's canonical text of counts held as safe integers, each followed by the
 * separator (a null as `nullEntry`): the codec's format (date, time, the fraction with trailing
 * groups of three zeros dropped, 'Z' unless the column is naive), the same arithmetic step by
 * step, in one loop over the column. A count whose arithmetic leaves the usual ranges is written
 * from the codec's text.
 */
export function timestampColumnBytes(
  spec: ColumnSpec,
  codec: ColumnCodec,
  nullEntry: Uint8Array,
): (out: CanonicalBytes, values: Float64Array, valid: Uint8Array | null, length: number) => void {
  const unit = spec.unit ?? 'us';
  const perSecond = PER_SECOND[unit];
  const digits = DIGITS[unit];
  const zone = spec.zone !== NAIVE_ZONE;
  // Date bytes by day: a column's timestamps usually span few days, in no order.
  const dates = new Map<number, Uint8Array>();
  let lastDay = NaN;
  let lastDate: Uint8Array = new Uint8Array(0);
  const longest = 11 + 9 + 1 + digits + 1 + 1;
  return (out, values, valid, length) => {
    for (let r = 0; r < length; r++) {
      if (valid !== null && valid[r] === 0) {
        out.raw(nullEntry);
        continue;
      }
      const count = values[r]!;
      const seconds = Math.floor(count / perSecond);
      const fraction = count - seconds * perSecond;
      const day = Math.floor(seconds / 86400);
      const rest = seconds - day * 86400;
      if (!(fraction >= 0 && fraction < perSecond && rest >= 0 && rest < 86400)) {
        out.text(codec.format(count));
        out.byte(0x1f);
        continue;
      }
      if (day !== lastDay) {
        let date = dates.get(day);
        if (date === undefined) {
          if (dates.size >= MAX_CACHED_DATES) dates.clear();
          date = Buffer.from(formatDate(day), 'latin1');
          dates.set(day, date);
        }
        lastDay = day;
        lastDate = date;
      }
      out.ensure(lastDate.length + longest);
      const b = out.bytes;
      let n = out.n;
      for (let k = 0; k < lastDate.length; k++) b[n++] = lastDate[k]!;
      const h = Math.floor(rest / 3600);
      const m = Math.floor(rest / 60) % 60;
      const s = rest % 60;
      b[n] = 84; // 'T'
      b[n + 1] = ZERO + Math.floor(h / 10);
      b[n + 2] = ZERO + (h % 10);
      b[n + 3] = 58; // ':'
      b[n + 4] = ZERO + Math.floor(m / 10);
      b[n + 5] = ZERO + (m % 10);
      b[n + 6] = 58;
      b[n + 7] = ZERO + Math.floor(s / 10);
      b[n + 8] = ZERO + (s % 10);
      n += 9;
      if (fraction !== 0) {
        b[n++] = 46; // '.'
        let f = fraction;
        for (let k = digits - 1; k >= 0; k--) {
          const q = Math.floor(f / 10);
          b[n + k] = ZERO + (f - q * 10);
          f = q;
        }
        let len = digits;
        while (len > 3 && b[n + len - 1] === ZERO && b[n + len - 2] === ZERO && b[n + len - 3] === ZERO)
          len -= 3;
        n += len;
      }
      if (zone) b[n++] = 90; // 'Z'
      b[n++] = 0x1f;
      out.n = n;
    }
  };
}
