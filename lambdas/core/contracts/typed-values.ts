/**
 * Typed values per column, exactly. Text formats give strings and typed formats give native
 * values; a column codec turns either into one representation per contract type, says when it
 * cannot (NOT_CONFORMING, never a silent coercion), and reduces values to canonical text for the
 * checksums that prove a conversion changed nothing.
 *
 * Representations: string → string; int32 → number; int64 → number when safe, else bigint;
 * float32/float64 → number; boolean → boolean; date → 'YYYY-MM-DD'; timestamp → bigint count of the
 * column's unit (ms/us/ns) since the epoch, UTC (a naive column: since 1970-01-01T00:00 local, and
 * its text carries no zone); decimal → bigint unscaled value (scale from the column). float32 text
 * is the shortest decimal that reads back to the same float32 ('0.016666668', not the double's
 * '0.01666666753590107'). Dates and timestamps are computed with civil-calendar arithmetic, never `Date`, so
 * microseconds, year 9999 and the machine's time zone cannot change a value.
 */
import { NAIVE_ZONE, type ColumnSpec, type ColumnType, type TimestampUnit } from './output-contract';

export type TypedValue = string | number | bigint | boolean | null;

export const NOT_CONFORMING = Symbol('not-conforming');
export type Parsed = Exclude<TypedValue, null> | typeof NOT_CONFORMING;

export interface ColumnCodec {
  readonly column: ColumnSpec;
  /** Parses a non-null raw value (text, or a native value from a typed format). */
  parse(raw: unknown): Parsed;
  /** Canonical text of a value: equal values, equal text, whatever format they came from. */
  canonical(v: TypedValue): string;
  /** Text for CSV cells and other text formats; round-trips through parse. */
  format(v: Exclude<TypedValue, null>): string;
  /** Value for JSON output: a JSON number only where JSON numbers are exact. */
  toJson(v: TypedValue): unknown;
  /** Orders two values of this column. */
  compare(a: Exclude<TypedValue, null>, b: Exclude<TypedValue, null>): number;
  /** Compares a value with a plain number bound (quality rules), exactly. */
  compareToNumber(v: Exclude<TypedValue, null>, bound: number): number;
}

const NULL_TEXT = '\u2400';
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
/** Values at or beyond this round to infinity in float32 (2^128 - 2^103). */
const FLOAT32_LIMIT = 3.4028235677973366e38;
const INT_TEXT = /^[+-]?\d+$/;
const INT_RANGES = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [INT32_MIN, INT32_MAX],
} as const;
const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const FLOAT_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const DATE_TEXT = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP_TEXT =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;
const DECIMAL_TEXT = /^([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const UNIT_DIGITS: Record<TimestampUnit, number> = { ms: 3, us: 6, ns: 9 };

// ---- calendar arithmetic (proleptic Gregorian, after H. Hinnant's days_from_civil) ----

export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function validDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  if (m === 2 && d === 29) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return d <= MONTH_DAYS[m - 1]!;
}

const pad = (n: number | bigint, width: number): string => String(n).padStart(width, '0');

export function formatDate(days: number): string {
  const [y, m, d] = civilFromDays(days);
  return `${y < 0 ? '-' : ''}${pad(Math.abs(y), 4)}-${pad(m, 2)}-${pad(d, 2)}`;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

function offsetSeconds(zone: string): number {
  // A naive column's zone-less text counts from the local epoch, the same arithmetic as UTC's.
  if (zone === 'Z' || zone === 'z' || zone === 'UTC' || zone === NAIVE_ZONE) return 0;
  const m = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
  if (!m) return NaN;
  const h = Number(m[2]);
  const min = Number(m[3] ?? '0');
  if (h > 23 || min > 59) return NaN;
  return (m[1] === '-' ? -1 : 1) * (h * 3600 + min * 60);
}

const UNIT_FACTOR: Record<TimestampUnit, number> = { ms: 1e3, us: 1e6, ns: 1e9 };
const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));

function digit(text: string, i: number): number {
  const c = text.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1;
}

function two(text: string, i: number): number {
  const a = digit(text, i);
  const b = digit(text, i + 1);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
}

// parseTimestampFastParts's result, in module variables so neither caller allocates for it.
let FAST_SECONDS = 0;
let FAST_FRACTION = 0;

/**
 * Fast path for the shape nearly every pipeline writes, `YYYY-MM-DD[T ]HH:MM:SS[.f…][Z]`, read
 * with character codes instead of a regular expression (validation runs this per value).
 * Returns undefined to let the general parser decide anything else.
 */
function parseTimestampFast(text: string, unit: TimestampUnit, zoneOffset: number): bigint | undefined {
  if (!parseTimestampFastParts(text, unit, zoneOffset)) return undefined;
  const value = FAST_SECONDS * UNIT_FACTOR[unit] + FAST_FRACTION;
  return Number.isSafeInteger(value)
    ? BigInt(value)
    : BigInt(FAST_SECONDS) * BigInt(UNIT_FACTOR[unit]) + BigInt(FAST_FRACTION);
}

/**
 * parseTimestampFast's value as a number, NaN when the fast path declines or the count is not a
 * safe integer (the caller then takes the codec's parse): validation keeps timestamps as numbers
 * in its per-value loop instead of allocating a BigInt per cell.
 */
export function timestampCountParser(column: ColumnSpec): (text: string) => number {
  const unit = column.unit ?? 'us';
  const naive = column.zone === NAIVE_ZONE;
  const zoneOffset = offsetSeconds(column.zone ?? 'UTC');
  const factor = UNIT_FACTOR[unit];
  return (text) => {
    // A zone on a naive column's value: the codec's parse says it does not conform.
    if (naive && hasZoneLetter(text)) return NaN;
    if (!parseTimestampFastParts(text, unit, zoneOffset)) return NaN;
    const value = FAST_SECONDS * factor + FAST_FRACTION;
    return Number.isSafeInteger(value) ? value : NaN;
  };
}

/** Whether text ends in the UTC designator 'Z' (the fast path's only zone). */
function hasZoneLetter(text: string): boolean {
  const last = text.charCodeAt(text.length - 1);
  return last === 90 || last === 122;
}

/**
 * A naive column's value: local date-time text without a zone. A value naming a zone (Z, +05:30)
 * does not conform: taking it as local time, or shifting it, would change what it says.
 */
function parseNaiveTimestamp(text: string, unit: TimestampUnit): bigint | undefined {
  if (hasZoneLetter(text)) return undefined;
  const fast = parseTimestampFast(text, unit, 0);
  if (fast !== undefined) return fast;
  if (TIMESTAMP_TEXT.exec(text.trim())?.[8] !== undefined) return undefined;
  return parseTimestampText(text, unit, 'UTC');
}

/**
 * The shortest decimal text that reads back (through Math.fround) to the same float32. Nine
 * significant digits always suffice for a float32; the double's own text is the fallback.
 */
export function float32Text(v: number): string {
  if (!Number.isFinite(v) || v === 0) return numberCanonical(v);
  if (Math.fround(Number(v.toPrecision(9))) !== v) return String(v);
  // More digits only come closer to v, so the digits that round-trip are a suffix of 1..9: a
  // binary search finds the fewest in four toPrecision calls instead of up to nine.
  let lo = 1;
  let hi = 9;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (Math.fround(Number(v.toPrecision(mid))) === v) hi = mid;
    else lo = mid + 1;
  }
  return String(Number(v.toPrecision(lo)));
}

/** The fast path's parsing: true with FAST_SECONDS / FAST_FRACTION set, false to decline. */
function parseTimestampFastParts(text: string, unit: TimestampUnit, zoneOffset: number): boolean {
  const n = text.length;
  if (
    n < 19 ||
    text.charCodeAt(4) !== 45 ||
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(13) !== 58 ||
    text.charCodeAt(16) !== 58
  ) {
    return false;
  }
  const sep = text.charCodeAt(10);
  if (sep !== 84 && sep !== 32) return false;
  const y1 = two(text, 0);
  const y2 = two(text, 2);
  const mo = two(text, 5);
  const d = two(text, 8);
  const h = two(text, 11);
  const mi = two(text, 14);
  const se = two(text, 17);
  if (y1 < 0 || y2 < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || se < 0) return false;
  const y = y1 * 100 + y2;
  if (!validDate(y, mo, d) || h > 23 || mi > 59 || se > 59) return false;
  let i = 19;
  let fraction = 0;
  const digits = UNIT_DIGITS[unit];
  if (i < n && (text.charCodeAt(i) === 46 || text.charCodeAt(i) === 44)) {
    i++;
    let k = 0;
    while (i < n) {
      const c = digit(text, i);
      if (c < 0) break;
      if (k < digits) fraction = fraction * 10 + c;
      else if (c !== 0) return false; // would lose precision
      k++;
      i++;
    }
    if (k === 0 || k > 9) return false;
    for (; k < digits; k++) fraction *= 10;
  }
  let offset = zoneOffset;
  if (i < n) {
    const z = text.charCodeAt(i);
    if ((z === 90 || z === 122) && i === n - 1) offset = 0;
    else return false; // offsets and spaces: the general parser
  }
  FAST_SECONDS = daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - offset;
  FAST_FRACTION = fraction;
  return true;
}

/** Parses ISO-8601-like text into a count of `unit` since the epoch; undefined when invalid or lossy. */
export function parseTimestamp(text: string, unit: TimestampUnit, zone: string): bigint | undefined {
  return parseTimestampFast(text, unit, offsetSeconds(zone)) ?? parseTimestampText(text, unit, zone);
}

/** The general parser behind parseTimestamp's fast path. */
function parseTimestampText(text: string, unit: TimestampUnit, zone: string): bigint | undefined {
  const m = TIMESTAMP_TEXT.exec(text.trim());
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const [h, mi, s] = [Number(m[4] ?? '0'), Number(m[5] ?? '0'), Number(m[6] ?? '0')];
  if (!validDate(y, mo, d) || h > 23 || mi > 59 || s > 59) return undefined;
  const offset = offsetSeconds(m[8] ?? zone);
  if (Number.isNaN(offset)) return undefined;
  const digits = UNIT_DIGITS[unit];
  const fraction = m[7] ?? '';
  if (fraction.length > digits && /[1-9]/.test(fraction.slice(digits))) return undefined; // would lose precision
  const seconds = BigInt(daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - offset);
  return seconds * 10n ** BigInt(digits) + BigInt(fraction.slice(0, digits).padEnd(digits, '0') || '0');
}

export function formatTimestamp(value: bigint, unit: TimestampUnit): string {
  const digits = UNIT_DIGITS[unit];
  const factor = 10n ** BigInt(digits);
  const seconds = floorDiv(value, factor);
  const fraction = value - seconds * factor;
  const days = floorDiv(seconds, 86400n);
  const rest = Number(seconds - days * 86400n);
  const time = `${pad(Math.floor(rest / 3600), 2)}:${pad(Math.floor(rest / 60) % 60, 2)}:${pad(rest % 60, 2)}`;
  let frac = '';
  if (fraction !== 0n) {
    frac = pad(fraction, digits);
    while (frac.length > 3 && frac.endsWith('000')) frac = frac.slice(0, -3);
    frac = `.${frac}`;
  }
  return `${formatDate(Number(days))}T${time}${frac}Z`;
}

// ---- exact decimals ----

/** An exact decimal m × 10^e. */
interface Exact {
  readonly m: bigint;
  readonly e: number;
}

/** Exponents beyond this cannot fit any decimal(38, s) and would cost unbounded BigInt work. */
const MAX_EXPONENT = 400;

function exactFromText(text: string): Exact | undefined {
  const match = DECIMAL_TEXT.exec(text.trim());
  if (!match) return undefined;
  const [, sign, intPart = '', fracPart = '', exp] = match;
  if (intPart === '' && fracPart === '') return undefined;
  if (exp !== undefined && Math.abs(Number(exp)) > MAX_EXPONENT) return undefined;
  if (intPart.length + fracPart.length > 1000) return undefined;
  const m = BigInt(`${intPart}${fracPart}` || '0');
  return { m: sign === '-' ? -m : m, e: Number(exp ?? '0') - fracPart.length };
}

function exactFromNumber(n: number): Exact | undefined {
  return Number.isFinite(n) ? exactFromText(String(n)) : undefined;
}

function compareExact(a: Exact, b: Exact): number {
  const e = Math.min(a.e, b.e);
  const am = a.m * 10n ** BigInt(a.e - e);
  const bm = b.m * 10n ** BigInt(b.e - e);
  return am < bm ? -1 : am > bm ? 1 : 0;
}

/** Unscaled value at `scale`, if the decimal fits `precision` without losing digits. */
function toUnscaled(x: Exact, precision: number, scale: number): bigint | undefined {
  let unscaled: bigint;
  if (x.e >= -scale) unscaled = x.m * 10n ** BigInt(x.e + scale);
  else {
    const divisor = 10n ** BigInt(-scale - x.e);
    if (x.m % divisor !== 0n) return undefined; // more fraction digits than the scale keeps
    unscaled = x.m / divisor;
  }
  const digits = (unscaled < 0n ? -unscaled : unscaled).toString().length;
  return digits > precision ? undefined : unscaled;
}

function formatUnscaled(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

function sign(n: number): number {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

/** Exact comparison of an integer (number or bigint) with a number bound. */
function compareInteger(v: number | bigint, bound: number): number {
  if (typeof v === 'number') return sign(v - bound);
  if (!Number.isFinite(bound)) return bound > 0 ? -1 : 1;
  return compareExact({ m: v, e: 0 }, exactFromNumber(bound)!);
}

// ---- codecs ----

function parseFloatText(raw: string, float32: boolean): number | typeof NOT_CONFORMING {
  // Fast path for plain decimal text (digits, sign, point, exponent): Number() is exact and quick,
  // and the first/last character checks rule out the forms Number() accepts but we do not
  // (whitespace, hex/binary/octal prefixes, 'Infinity').
  const c0 = raw.charCodeAt(0);
  const cl = raw.charCodeAt(raw.length - 1);
  if (((c0 >= 48 && c0 <= 57) || c0 === 45 || c0 === 46) && ((cl >= 48 && cl <= 57) || cl === 46)) {
    const c1 = raw.charCodeAt(1);
    if (!(c0 === 48 && ((c1 >= 65 && c1 <= 90) || (c1 >= 97 && c1 <= 122)) && c1 !== 69 && c1 !== 101)) {
      const n = Number(raw);
      if (!Number.isNaN(n)) {
        if (!Number.isFinite(n) || (float32 && Math.abs(n) >= FLOAT32_LIMIT)) return NOT_CONFORMING;
        return n;
      }
    }
  }
  const t = raw.trim();
  const lower = t.toLowerCase().replace(/^\+/, '');
  if (lower === 'nan') return NaN;
  if (lower === 'inf' || lower === 'infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  if (!FLOAT_TEXT.test(t)) return NOT_CONFORMING;
  const n = Number(t);
  if (!Number.isFinite(n)) return NOT_CONFORMING; // finite text beyond the double range
  if (float32 && Math.abs(n) >= FLOAT32_LIMIT) return NOT_CONFORMING;
  return n;
}

/** Integers of up to 15 digits, read digit by digit (no regular expression, no allocation). */
function parseSmallInt(text: string): number | undefined {
  const n = text.length;
  let i = 0;
  let negative = false;
  const c0 = text.charCodeAt(0);
  if (c0 === 45 || c0 === 43) {
    negative = c0 === 45;
    i = 1;
  }
  if (n - i === 0 || n - i > 15) return undefined;
  let v = 0;
  for (; i < n; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return undefined;
    v = v * 10 + d;
  }
  return negative ? -v : v;
}

function numberCanonical(n: number): string {
  return Object.is(n, -0) ? '-0' : String(n);
}

function withCanonical(codec: Omit<ColumnCodec, 'canonical'>): ColumnCodec {
  return { ...codec, canonical: (v) => (v === null ? NULL_TEXT : codec.format(v)) };
}

export function columnCodec(column: ColumnSpec): ColumnCodec {
  return withCanonical(codecFor(column));
}

function codecFor(column: ColumnSpec): Omit<ColumnCodec, 'canonical'> {
  const type: ColumnType = column.type;
  const base = { column };
  switch (type) {
    case 'string': {
      // A UUID column takes the text typed readers give (lower-case, hyphenated), so writing it
      // as 16 bytes and reading it back gives the same text.
      const uuid = column.physical === 'uuid';
      return {
        ...base,
        parse: (raw) => (typeof raw === 'string' && (!uuid || UUID_TEXT.test(raw)) ? raw : NOT_CONFORMING),
        format: (v) => v as string,
        toJson: (v) => v,
        compare: (a, b) => ((a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0),
        compareToNumber: () => NaN,
      };
    }
    case 'int32':
    case 'int64': {
      const is32 = type === 'int32';
      // int8/int16 columns of typed files keep their narrower range, so writing them back fits.
      const [min32, max32] =
        INT_RANGES[column.physical === 'int8' || column.physical === 'int16' ? column.physical : 'int32'];
      return {
        ...base,
        parse(raw) {
          let n: number | bigint;
          if (typeof raw === 'string') {
            const fast = parseSmallInt(raw);
            if (fast !== undefined)
              return is32 && (fast < min32 || fast > max32) ? NOT_CONFORMING : fast === 0 ? 0 : fast;
            const t = raw.trim();
            if (!INT_TEXT.test(t)) return NOT_CONFORMING;
            n = Number(t);
            if (!Number.isSafeInteger(n)) n = BigInt(t);
          } else if (typeof raw === 'number') {
            if (!Number.isSafeInteger(raw)) return NOT_CONFORMING;
            n = raw;
          } else if (typeof raw === 'bigint') {
            n = Number.isSafeInteger(Number(raw)) ? Number(raw) : raw;
          } else return NOT_CONFORMING;
          if (is32) return typeof n === 'number' && n >= min32 && n <= max32 ? n : NOT_CONFORMING;
          if (typeof n === 'bigint' && (n < INT64_MIN || n > INT64_MAX)) return NOT_CONFORMING;
          return n === 0 ? 0 : n; // -0 is 0 for integers
        },
        format: (v) => String(v),
        toJson: (v) => (typeof v === 'bigint' ? v.toString() : v),
        compare: (a, b) => {
          const x = a as number | bigint;
          const y = b as number | bigint;
          return x < y ? -1 : x > y ? 1 : 0;
        },
        compareToNumber: (v, bound) => compareInteger(v as number | bigint, bound),
      };
    }
    case 'float32':
    case 'float64': {
      const is32 = type === 'float32';
      const round = is32 ? Math.fround : (n: number) => n;
      const text = is32 ? (n: number) => float32Text(Math.fround(n)) : numberCanonical;
      return {
        ...base,
        parse(raw) {
          if (typeof raw === 'number')
            return is32 && Math.abs(raw) >= FLOAT32_LIMIT && Number.isFinite(raw)
              ? NOT_CONFORMING
              : round(raw);
          // A whole number read from JSON as a bigint: a float column takes its nearest double.
          if (typeof raw === 'bigint') {
            const n = round(Number(raw));
            return Number.isFinite(n) && !(is32 && Math.abs(n) >= FLOAT32_LIMIT) ? n : NOT_CONFORMING;
          }
          if (typeof raw !== 'string') return NOT_CONFORMING;
          const n = parseFloatText(raw, is32);
          return n === NOT_CONFORMING ? n : round(n);
        },
        format: (v) => text(v as number),
        // JSON has no NaN, Infinity or -0: those go as text, which parse reads back exactly. A
        // float32 goes as the number of its shortest text, which JSON prints as that text.
        toJson: (v) =>
          typeof v !== 'number'
            ? v
            : !Number.isFinite(v) || Object.is(v, -0)
              ? numberCanonical(v)
              : is32
                ? Number(float32Text(Math.fround(v)))
                : v,
        compare: (a, b) => sign((a as number) - (b as number)),
        // A float32 value is compared with the bound as float32 stores it: 0.1 <= 0.1 holds.
        compareToNumber: (v, bound) => {
          const b = round(bound);
          return (v as number) < b ? -1 : (v as number) > b ? 1 : Number.isNaN(v) ? NaN : 0;
        },
      };
    }
    case 'boolean':
      return {
        ...base,
        parse(raw) {
          if (typeof raw === 'boolean') return raw;
          if (typeof raw !== 'string') return NOT_CONFORMING;
          const t = raw.trim().toLowerCase();
          if (t === 'true' || t === '1') return true;
          if (t === 'false' || t === '0') return false;
          return NOT_CONFORMING;
        },
        format: (v) => (v ? 'true' : 'false'),
        toJson: (v) => v,
        compare: (a, b) => Number(a) - Number(b),
        compareToNumber: () => NaN,
      };
    case 'date':
      return {
        ...base,
        parse(raw) {
          if (raw instanceof Date)
            return Number.isNaN(raw.getTime())
              ? NOT_CONFORMING
              : formatDate(Math.floor(raw.getTime() / 86_400_000));
          if (typeof raw !== 'string') return NOT_CONFORMING;
          const m = DATE_TEXT.exec(raw.trim());
          if (!m || !validDate(Number(m[1]), Number(m[2]), Number(m[3]))) return NOT_CONFORMING;
          return raw.trim();
        },
        format: (v) => v as string,
        toJson: (v) => v,
        compare: (a, b) => ((a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0),
        compareToNumber: () => NaN,
      };
    case 'timestamp': {
      const unit = column.unit ?? 'us';
      const zone = column.zone ?? 'UTC';
      // Naive values are written without a zone: a 'Z' would turn a local time into an instant.
      const naive = zone === NAIVE_ZONE;
      const suffix = naive ? '' : 'Z';
      const perMs = 10n ** BigInt(UNIT_DIGITS[unit] - 3);
      // Formatting runs per value in writers: values within the double range take number
      // arithmetic and a one-day cache of the date text; the rest take the exact BigInt path.
      const perSecond = UNIT_FACTOR[unit];
      const digits = UNIT_DIGITS[unit];
      // The column's own offset, once: parse runs per value (parseTimestamp, split in two).
      const zoneOffset = offsetSeconds(zone);
      let cachedDay = NaN;
      let cachedDate = '';
      const format = (v: Exclude<TypedValue, null>): string => {
        const n = typeof v === 'number' ? v : Number(v);
        if (!Number.isSafeInteger(n)) {
          const exact = formatTimestamp(BigInt(v), unit);
          return naive ? exact.slice(0, -1) : exact;
        }
        const seconds = Math.floor(n / perSecond);
        const fraction = n - seconds * perSecond;
        const day = Math.floor(seconds / 86400);
        if (day !== cachedDay) {
          cachedDay = day;
          cachedDate = formatDate(day);
        }
        const rest = seconds - day * 86400;
        let out = `${cachedDate}T${TWO_DIGITS[Math.floor(rest / 3600)]}:${TWO_DIGITS[Math.floor(rest / 60) % 60]}:${TWO_DIGITS[rest % 60]}`;
        if (fraction !== 0) {
          let frac = String(fraction).padStart(digits, '0');
          while (frac.length > 3 && frac.endsWith('000')) frac = frac.slice(0, -3);
          out += `.${frac}`;
        }
        return `${out}${suffix}`;
      };
      return {
        ...base,
        parse(raw) {
          if (typeof raw === 'string' && naive) return parseNaiveTimestamp(raw, unit) ?? NOT_CONFORMING;
          if (typeof raw === 'string')
            return (
              parseTimestampFast(raw, unit, zoneOffset) ??
              parseTimestampText(raw, unit, zone) ??
              NOT_CONFORMING
            );
          if (raw instanceof Date)
            return Number.isNaN(raw.getTime()) ? NOT_CONFORMING : BigInt(raw.getTime()) * perMs;
          if (typeof raw === 'bigint') return raw; // already a count of the column's unit
          return NOT_CONFORMING;
        },
        format,
        toJson: (v) => (v === null ? null : format(v)),
        compare: (a, b) => ((a as bigint) < (b as bigint) ? -1 : (a as bigint) > (b as bigint) ? 1 : 0),
        compareToNumber: () => NaN,
      };
    }
    case 'decimal': {
      const precision = column.precision ?? 38;
      const scale = column.scale ?? 0;
      return {
        ...base,
        parse(raw) {
          let exact: Exact | undefined;
          if (typeof raw === 'string') exact = exactFromText(raw);
          else if (typeof raw === 'number') exact = exactFromNumber(raw);
          else if (typeof raw === 'bigint') exact = { m: raw, e: 0 };
          if (!exact) return NOT_CONFORMING;
          return toUnscaled(exact, precision, scale) ?? NOT_CONFORMING;
        },
        format: (v) => formatUnscaled(v as bigint, scale),
        toJson: (v) => (v === null ? null : formatUnscaled(v as bigint, scale)),
        compare: (a, b) => ((a as bigint) < (b as bigint) ? -1 : (a as bigint) > (b as bigint) ? 1 : 0),
        compareToNumber: (v, bound) => {
          const b = exactFromNumber(bound);
          return b ? compareExact({ m: v as bigint, e: -scale }, b) : bound > 0 ? -1 : 1;
        },
      };
    }
  }
}

// ---- the same fast paths, read from UTF-8 bytes (the columnar CSV path) ----
//
// Each accepts exactly a subset of what the string parse accepts and gives the same value for it;
// anything else returns the decline value, and the caller decodes the cell and takes the codec's
// parse. So the bytes path can only be faster than the text path, never different.

/** The integer range an int32 column accepts (int8/int16 physical columns keep theirs); null for int64. */
export function integerRange(column: ColumnSpec): readonly [number, number] | null {
  if (column.type !== 'int32') return null;
  return INT_RANGES[column.physical === 'int8' || column.physical === 'int16' ? column.physical : 'int32'];
}

/** parseSmallInt over bytes[s, e): an integer of up to 15 digits with an optional sign, else NaN. */
export function smallIntFromBytes(bytes: Uint8Array, s: number, e: number): number {
  let i = s;
  let negative = false;
  const c0 = bytes[s];
  if (c0 === 45 || c0 === 43) {
    negative = c0 === 45;
    i++;
  }
  if (e - i === 0 || e - i > 15) return NaN;
  let v = 0;
  for (; i < e; i++) {
    const d = bytes[i]! - 48;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
  }
  return negative ? -v : v;
}

const POWERS_OF_TEN = Array.from({ length: 16 }, (_, k) => 10 ** k);

/**
 * A plain decimal `[-]digits[.digits]` of at most 15 digits in all, as Number(text) reads it, else
 * NaN. With the digits an integer below 2^53 and the divisor an exact power of ten (≤ 10^15), the
 * one division is correctly rounded, so the result is the double Number() gives (Clinger's fast
 * path); -0 stays -0.
 */
export function plainDecimalFromBytes(bytes: Uint8Array, s: number, e: number): number {
  let i = s;
  const negative = bytes[s] === 45;
  if (negative) i++;
  let m = 0;
  let digits = 0;
  let fraction = -1;
  for (; i < e; i++) {
    const c = bytes[i]!;
    const d = c - 48;
    if (d >= 0 && d <= 9) {
      m = m * 10 + d;
      digits++;
    } else if (c === 46 && fraction < 0) fraction = digits;
    else return NaN;
  }
  if (digits === 0 || digits > 15) return NaN;
  // A point must have digits on both sides here ('5.' and '.5' take the text path).
  if (fraction === 0 || fraction === digits) return NaN;
  const x = fraction < 0 ? m : m / POWERS_OF_TEN[digits - fraction]!;
  return negative ? -x : x;
}

function twoFromBytes(bytes: Uint8Array, i: number): number {
  const a = bytes[i]! - 48;
  const b = bytes[i + 1]! - 48;
  return a < 0 || a > 9 || b < 0 || b > 9 ? -1 : a * 10 + b;
}

/**
 * timestampCountParser over bytes: the count of the column's unit for the common shape
 * `YYYY-MM-DD[T ]HH:MM:SS[.f…][Z]`, or NaN to let the codec's parse decide (other shapes, offsets,
 * counts beyond 2^53).
 */
export function timestampCountFromBytes(
  column: ColumnSpec,
): (bytes: Uint8Array, s: number, e: number) => number {
  const unit = column.unit ?? 'us';
  const naive = column.zone === NAIVE_ZONE;
  const zoneOffset = offsetSeconds(column.zone ?? 'UTC');
  const factor = UNIT_FACTOR[unit];
  const digits = UNIT_DIGITS[unit];
  // The last date read and its day number: consecutive rows mostly share a date, which then is
  // neither checked nor converted again.
  let lastDate = -1;
  let lastDays = 0;
  return (bytes, s, e) => {
    const n = e - s;
    if (
      n < 19 ||
      bytes[s + 4] !== 45 ||
      bytes[s + 7] !== 45 ||
      bytes[s + 13] !== 58 ||
      bytes[s + 16] !== 58
    ) {
      return NaN;
    }
    const sep = bytes[s + 10];
    if (sep !== 84 && sep !== 32) return NaN;
    const y1 = twoFromBytes(bytes, s);
    const y2 = twoFromBytes(bytes, s + 2);
    const mo = twoFromBytes(bytes, s + 5);
    const d = twoFromBytes(bytes, s + 8);
    const h = twoFromBytes(bytes, s + 11);
    const mi = twoFromBytes(bytes, s + 14);
    const se = twoFromBytes(bytes, s + 17);
    if (y1 < 0 || y2 < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || se < 0) return NaN;
    const date = ((y1 * 100 + y2) * 100 + mo) * 100 + d;
    if (date !== lastDate) {
      const y = y1 * 100 + y2;
      if (!validDate(y, mo, d)) return NaN;
      lastDate = date;
      lastDays = daysFromCivil(y, mo, d);
    }
    if (h > 23 || mi > 59 || se > 59) return NaN;
    let i = s + 19;
    let fraction = 0;
    if (i < e && (bytes[i] === 46 || bytes[i] === 44)) {
      i++;
      let k = 0;
      while (i < e) {
        const c = bytes[i]! - 48;
        if (c < 0 || c > 9) break;
        if (k < digits) fraction = fraction * 10 + c;
        else if (c !== 0) return NaN; // would lose precision
        k++;
        i++;
      }
      if (k === 0 || k > 9) return NaN;
      for (; k < digits; k++) fraction *= 10;
    }
    let offset = zoneOffset;
    if (i < e) {
      const z = bytes[i];
      // A zone on a naive column's value does not conform: the codec's parse says so.
      if ((z === 90 || z === 122) && i === e - 1 && !naive) offset = 0;
      else return NaN;
    }
    const value = (lastDays * 86400 + h * 3600 + mi * 60 + se - offset) * factor + fraction;
    return Number.isSafeInteger(value) ? value : NaN;
  };
}
