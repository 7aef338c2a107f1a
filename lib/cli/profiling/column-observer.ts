/**
 * Watches one column's raw cells, batch by batch, and keeps what type inference needs: which
 * contract types every value so far conforms to (checked with the validator's own column codecs,
 * so an inferred type never rejects a value of its sample), and for each candidate type the
 * smallest and largest value; null counts; string lengths and shape; distinct values with counts.
 *
 * Memory is bounded whatever the input size: candidates are flags and extremes, the shape is a
 * short list of runs, and distinct values are tracked exactly only up to `maxDistinct` values of at
 * most MAX_TRACKED_LENGTH characters each, after which tracking stops (and says so).
 */
import {
  type ColumnSpec,
  columnCodec,
  NOT_CONFORMING,
  parseTimestamp,
  type ColumnCodec,
} from '../../../lambdas/core/contracts';
import type { RawCell } from '../../../lambdas/core/formats';
import { StringShape } from './string-shape';

/** Longer values stop distinct tracking: they are free text or blobs, not categories or keys. */
export const MAX_TRACKED_LENGTH = 256;

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

const INT_TEXT = /^[+-]?\d+$/;
/** Fixed-point text: an optional sign, digits, a point and at least one fraction digit, no exponent. */
const FIXED_TEXT = /^([+-])?(\d*)\.(\d+)$/;
/** Leading zeros ("007", "01.5"): identifiers and codes whose zeros a number would drop. */
const LEADING_ZERO = /^[+-]?0\d/;
const TIME_PART = /\d[T ]\d{2}:\d{2}/;
const FRACTION = /\d{2}:\d{2}:\d{2}[.,](\d+)/;
const ZONE_SUFFIX = /(Z|z|[+-]\d{2}(:?\d{2})?)$/;

const codec = (spec: Omit<ColumnSpec, 'nullable'>): ColumnCodec => columnCodec({ ...spec, nullable: true });
const DATE = codec({ name: 'date', type: 'date' });
const FLOAT64 = codec({ name: 'float', type: 'float64' });
const BOOLEAN_WORDS = new Set(['true', 'false']);

type Integer = number | bigint;

function digitCount(n: Integer): number {
  const text = String(n);
  return text.startsWith('-') ? text.length - 1 : text.length;
}

/** Code points, as the validator counts lengths. */
function lengthOf(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff) n++;
  }
  return n;
}

export interface Extremes<T> {
  min: T;
  max: T;
}

function widen<T>(range: Extremes<T> | undefined, v: T): Extremes<T> {
  if (!range) return { min: v, max: v };
  if (v < range.min) range.min = v;
  if (v > range.max) range.max = v;
  return range;
}

export class ColumnObserver {
  /** Non-null values and nulls seen. */
  values = 0;
  nulls = 0;

  // ---- candidates: true while every value so far conforms ----
  boolean = true;
  integer = true;
  /** Fixed-point text with the same number of fraction digits in every value. */
  decimal = true;
  float = true;
  date = true;
  timestamp = true;
  /** Every value is text (JSON numbers and booleans are not). */
  text = true;

  integers: Extremes<Integer> | undefined;
  int32 = true;
  int64 = true;
  integerDigits = 0;

  decimalScale: number | undefined;
  /** Unscaled values at decimalScale. */
  decimals: Extremes<bigint> | undefined;
  decimalDigits = 0;
  /** Every fraction is zeros ("1.0", "2.0"): floats printed by pandas, not money. */
  decimalZeroFractions = true;

  floats: Extremes<number> | undefined;
  /** NaN or an infinity among the floats: no range can hold them. */
  nonFinite = false;

  dates: Extremes<string> | undefined;

  /** Nanoseconds since the epoch, UTC. */
  timestamps: Extremes<bigint> | undefined;
  timestampFractionDigits = 0;
  timestampWithTime = false;
  timestampZoned = false;
  timestampZoneless = false;

  lengths: Extremes<number> | undefined;
  readonly shape = new StringShape();
  /** A value that would be an integer but for its leading zeros, for the draft's comment. */
  leadingZeroExample: string | undefined;

  /** Exact value → count while tracking lasts. */
  distinct: Map<string, number> | undefined = new Map();
  /** A value repeated (stays true once seen, even after tracking stops). */
  repeated = false;
  /** Why tracking stopped: too many distinct values, or one too long to track. */
  distinctStopped: 'too_many' | 'too_long' | undefined;

  constructor(private readonly maxDistinct: number) {}

  observe(raw: RawCell): void {
    if (raw === null) {
      this.nulls++;
      return;
    }
    this.values++;
    if (typeof raw === 'string') this.observeText(raw);
    else this.observeNative(raw);
    this.track(typeof raw === 'string' ? raw : String(raw));
  }

  /** Counts a cell that is absent (a JSON key missing from a row): read as null. */
  observeMissing(count: number): void {
    this.nulls += count;
  }

  private track(key: string): void {
    const map = this.distinct;
    if (!map) {
      return;
    }
    if (key.length > MAX_TRACKED_LENGTH) {
      this.stopTracking('too_long');
      return;
    }
    const seen = map.get(key);
    if (seen !== undefined) {
      map.set(key, seen + 1);
      this.repeated = true;
    } else if (map.size >= this.maxDistinct) {
      this.stopTracking('too_many');
    } else map.set(key, 1);
  }

  private stopTracking(reason: 'too_many' | 'too_long'): void {
    this.distinct = undefined;
    this.distinctStopped = reason;
  }

  private observeText(raw: string): void {
    this.lengths = widen(this.lengths, lengthOf(raw));
    this.shape.observe(raw);
    const t = raw.trim();
    if (this.boolean && !BOOLEAN_WORDS.has(t.toLowerCase())) this.boolean = false;
    const leadingZero = LEADING_ZERO.test(t);
    if (leadingZero && this.leadingZeroExample === undefined && (INT_TEXT.test(t) || FIXED_TEXT.test(t)))
      this.leadingZeroExample = raw;
    if (this.integer) {
      if (leadingZero || !INT_TEXT.test(t)) this.integer = false;
      else {
        const asNumber = Number(t);
        this.observeInteger(Number.isSafeInteger(asNumber) ? asNumber : BigInt(t));
      }
    }
    if (this.decimal) {
      const m = leadingZero ? null : FIXED_TEXT.exec(t);
      if (!m) this.decimal = false;
      else {
        const [, sign, whole = '', fraction = ''] = m;
        if (this.decimalScale !== undefined && fraction.length !== this.decimalScale) this.decimal = false;
        else {
          this.decimalScale = fraction.length;
          const unscaled = BigInt(`${sign === '-' ? '-' : ''}${whole}${fraction}`);
          this.decimals = widen(this.decimals, unscaled);
          this.decimalDigits = Math.max(this.decimalDigits, digitCount(unscaled), fraction.length);
          if (this.decimalZeroFractions && /[1-9]/.test(fraction)) this.decimalZeroFractions = false;
        }
      }
    }
    if (this.float) {
      const v = leadingZero ? NOT_CONFORMING : FLOAT64.parse(raw);
      if (v === NOT_CONFORMING) this.float = false;
      else this.observeFloat(v as number);
    }
    if (this.date) {
      const v = DATE.parse(raw);
      if (v === NOT_CONFORMING) this.date = false;
      else this.dates = widen(this.dates, v as string);
    }
    if (this.timestamp) {
      const ns = parseTimestamp(raw, 'ns', 'UTC');
      if (ns === undefined) this.timestamp = false;
      else {
        this.timestamps = widen(this.timestamps, ns);
        if (TIME_PART.test(t)) this.timestampWithTime = true;
        const fraction = FRACTION.exec(t)?.[1];
        if (fraction !== undefined)
          this.timestampFractionDigits = Math.max(
            this.timestampFractionDigits,
            fraction.replace(/0+$/, '').length,
          );
        if (TIME_PART.test(t) && ZONE_SUFFIX.test(t)) this.timestampZoned = true;
        else this.timestampZoneless = true;
      }
    }
  }

  private observeNative(raw: number | bigint | boolean): void {
    this.text = false;
    this.date = false;
    this.timestamp = false;
    this.lengths = undefined;
    if (typeof raw === 'boolean') {
      this.integer = this.decimal = this.float = false;
      return;
    }
    this.boolean = false;
    this.decimal = false; // a JSON number's text is not its scale: floats, not fixed-point
    if (typeof raw === 'bigint') {
      this.float = false;
      if (this.integer) this.observeInteger(raw);
      return;
    }
    if (this.integer) {
      if (Number.isSafeInteger(raw)) this.observeInteger(raw === 0 ? 0 : raw);
      else this.integer = false;
    }
    if (this.float) this.observeFloat(raw);
  }

  private observeInteger(v: Integer): void {
    this.integers = widen(this.integers, v);
    if (this.int32 && (typeof v === 'bigint' || v < INT32_MIN || v > INT32_MAX)) this.int32 = false;
    if (this.int64 && typeof v === 'bigint' && (v < INT64_MIN || v > INT64_MAX)) this.int64 = false;
    this.integerDigits = Math.max(this.integerDigits, digitCount(v));
  }

  private observeFloat(v: number): void {
    if (!Number.isFinite(v)) this.nonFinite = true;
    else this.floats = widen(this.floats, Object.is(v, -0) ? 0 : v);
  }
}
