/**
 * The columnar engine's first stage: one column of a ColumnBatch typed against its contract column
 * and measured. Text cells (CSV) are typed from their bytes where the shape is the common one
 * (plain integers and decimals, ISO timestamps), so no JS string exists for them; any other shape
 * is decoded and given to the column codec's parse, which is the specification. Typed vectors and
 * raw cells go through the codec's parse as the row readers' cells did.
 *
 * The result (ScannedColumn) keeps per row a tag and the value in the cheapest place: numbers in a
 * Float64Array, everything else in a plain array only when a check reads the column. Findings per
 * cell go to `status` and `flagged` exactly as the row engine records them.
 */
import { isAscii } from 'node:buffer';

import { NAIVE_ZONE, type ColumnSpec } from '../contracts/output-contract';
import {
  integerRange,
  NOT_CONFORMING,
  plainDecimalFromBytes,
  smallIntFromBytes,
  timestampCountFromBytes,
  type ColumnCodec,
  type TypedValue,
} from '../contracts/typed-values';
import {
  rawCellOf,
  TEXT_ESCAPED,
  TEXT_NULL,
  type ColumnVector,
  type DictionaryVector,
  type Float64Vector,
  type Int32Vector,
  type Int64Vector,
  type TextVector,
  type TimestampVector,
} from '../formats/column-batch';
import { int64Cell } from '../formats/parquet-types';
import type { RawCell } from '../formats/record-batch';
import type { ColumnMetrics } from '../metrics/column-metrics';

/** No value: a null cell, a cell that does not conform (status says which), or an absent column. */
export const TAG_NULL = 0;
/** The value is `num[r]` (a number). */
export const TAG_NUMBER = 1;
/** The value is `other[r]` (bigint, string, boolean). */
export const TAG_OTHER = 2;
/** The cell does not conform to the column's type. */
export const TAG_BAD = 3;

/** A cell's finding in `status` (one byte per cell of the batch, column-major). */
export const CELL_NULL = 1; // null in a non-nullable column
export const CELL_NOT_CONFORMING = 2;

export interface ScannedColumn {
  readonly tags: Uint8Array;
  readonly num: Float64Array;
  readonly other: TypedValue[];
}

export interface ScanTarget {
  readonly column: ColumnSpec;
  readonly codec: ColumnCodec;
  readonly metrics: ColumnMetrics;
  /** Where the batch's typed values go; null when no check reads the column (metrics only). */
  readonly out: ScannedColumn | null;
  /**
   * Whether a check reads the values in `out`; false when the column's checks judge only whether a
   * cell holds a value (not_null, type_conforms), so `tags` suffice and text need not be decoded.
   */
  readonly values: boolean;
  readonly status: Uint8Array;
  /** This column's first cell in `status`. */
  readonly base: number;
  readonly flagged: Uint8Array;
  /** The column is present in the input (so far); an absent one counts no nulls. */
  readonly present: boolean;
  readonly nullable: boolean;
}

export function newScannedColumn(n: number): ScannedColumn {
  return { tags: new Uint8Array(n), num: new Float64Array(n), other: new Array<TypedValue>(n) };
}

/**
 * The values a scan measures, gathered for ColumnMetrics' batch methods (addNumbers,
 * addTimestampCounts). A scan hands them over before any cell that goes through the codec, which
 * measures its value itself, so the metrics see every value in row order as per cell. One array
 * for every scan: scans do not nest and each hands over all it gathered before it returns. Bound:
 * 8 bytes per row of the largest batch so far.
 */
let gathered = new Float64Array(0);

function gatherBuffer(n: number): Float64Array {
  if (gathered.length < n) gathered = new Float64Array(n);
  return gathered;
}

/** The value of row r of a scanned column, as the row checks see it (null for no value). */
export function scannedValue(c: ScannedColumn, r: number): TypedValue {
  const tag = c.tags[r];
  return tag === TAG_NUMBER ? c.num[r]! : tag === TAG_OTHER ? c.other[r]! : null;
}

/** A column missing from this batch: every cell is null. Returns the first flagged row, or -1. */
export function scanAbsentColumn(n: number, t: ScanTarget): number {
  if (t.out) t.out.tags.fill(TAG_NULL, 0, n);
  if (!t.present) return -1;
  for (let r = 0; r < n; r++) t.metrics.addNull();
  if (t.nullable || n === 0) return -1;
  t.status.fill(CELL_NULL, t.base, t.base + n);
  t.flagged.fill(1, 0, n);
  return 0;
}

/** Types and measures one column; returns the first row with a finding, -1 when none. */
export function scanColumn(vector: ColumnVector, n: number, t: ScanTarget): number {
  if (vector.kind === 'text') return scanText(vector, n, t);
  if (vector.kind === 'timestamp' && countsAsIs(vector, t.column)) return scanTimestampCounts(vector, n, t);
  if (vector.kind === 'dictionary' && t.column.type === 'string' && t.column.physical !== 'uuid')
    return scanDictionary(vector, n, t);
  if (vector.kind === 'float64' || vector.kind === 'int32') return scanNumbers(vector, n, t);
  if (vector.kind === 'int64') return scanInt64(vector, n, t);
  if (vector.kind === 'cells' && t.column.type === 'string' && t.column.physical !== 'uuid')
    return scanStringCells(vector.values, n, t);
  // Typed vectors give the cells the row readers gave; the codec types them as before.
  const cells: RawCell[] =
    vector.kind === 'cells'
      ? (vector.values as RawCell[])
      : Array.from({ length: n }, (_, r) => rawCellOf(vector, r));
  return scanCells(cells, n, t);
}

/** Marks a null cell; returns whether it is a finding (a null in a non-nullable column). */
function nullCell(t: ScanTarget, r: number): boolean {
  if (t.out) t.out.tags[r] = TAG_NULL;
  if (!t.present) return false;
  t.metrics.addNull();
  if (t.nullable) return false;
  t.status[t.base + r] = CELL_NULL;
  t.flagged[r] = 1;
  return true;
}

function badCell(t: ScanTarget, r: number): void {
  t.metrics.addNonConforming();
  t.status[t.base + r] = CELL_NOT_CONFORMING;
  t.flagged[r] = 1;
  if (t.out) t.out.tags[r] = TAG_BAD;
}

/** Records a typed value: metrics and, when a check reads the column, the value. */
function typedCell(t: ScanTarget, r: number, v: Exclude<TypedValue, null>): void {
  const out = t.out;
  if (typeof v === 'number') {
    if (t.column.type === 'string') t.metrics.add(v);
    else t.metrics.addNumber(v);
    if (out) {
      out.tags[r] = TAG_NUMBER;
      out.num[r] = v;
    }
    return;
  }
  if (typeof v === 'string' && t.column.type === 'string') t.metrics.addString(v);
  else t.metrics.add(v);
  if (out) {
    out.tags[r] = TAG_OTHER;
    out.other[r] = v;
  }
}

/** Raw cells through the codec, as the row engine types them. */
function scanCells(cells: readonly RawCell[], n: number, t: ScanTarget): number {
  let first = -1;
  for (let r = 0; r < n; r++) if (rawCell(cells[r] ?? null, r, t) && first < 0) first = r;
  return first;
}

/**
 * Raw cells of a string column (not a UUID one), such as Parquet's plain strings: the codec gives
 * a string back as it is and refuses any other value, so strings are measured without the call.
 */
function scanStringCells(cells: readonly RawCell[], n: number, t: ScanTarget): number {
  const out = t.out;
  const metrics = t.metrics;
  let first = -1;
  for (let r = 0; r < n; r++) {
    const cell = cells[r] ?? null;
    if (typeof cell === 'string') {
      metrics.addString(cell);
      if (out) {
        out.tags[r] = TAG_OTHER;
        out.other[r] = cell;
      }
    } else if (rawCell(cell, r, t) && first < 0) first = r;
  }
  return first;
}

/**
 * A text vector's bytes as a Buffer (for decoding) and whether this batch's cells of the column are
 * all ASCII (then they decode as latin1, cheaper than UTF-8). The check covers the byte span of
 * this vector's rows, never the whole buffer: the CSV reader appends later chunks to the buffer a
 * batch points into, so an answer about the buffer would not hold for the next batch.
 */
function decoderOf(v: TextVector): { buffer: Buffer; ascii: boolean } {
  // The span from the lowest start to the highest end, whatever order the reader laid cells in.
  let lo = Infinity;
  let hi = 0;
  for (let r = 0; r < v.start.length; r++) {
    if (v.start[r]! < lo) lo = v.start[r]!;
    if (v.end[r]! > hi) hi = v.end[r]!;
  }
  if (lo > hi) lo = hi;
  const buffer =
    v.bytes === lastBytes ? lastBuffer : Buffer.from(v.bytes.buffer, v.bytes.byteOffset, v.bytes.byteLength);
  lastBytes = v.bytes;
  lastBuffer = buffer;
  return { buffer, ascii: isAscii(v.bytes.subarray(lo, hi)) };
}
let lastBytes: Uint8Array | null = null;
let lastBuffer: Buffer = Buffer.alloc(0);

function textOf(v: TextVector, d: { buffer: Buffer; ascii: boolean }, r: number): string {
  const s = v.start[r]!;
  const e = v.end[r]!;
  const text = s === e ? '' : d.buffer.toString(d.ascii ? 'latin1' : 'utf8', s, e);
  return (v.flags[r]! & TEXT_ESCAPED) !== 0 ? v.unescape(text) : text;
}

function scanText(v: TextVector, n: number, t: ScanTarget): number {
  switch (t.column.type) {
    case 'int32':
    case 'int64':
      return scanTextIntegers(v, n, t);
    case 'float32':
    case 'float64':
      return scanTextFloats(v, n, t);
    case 'timestamp':
      return scanTextTimestamps(v, n, t);
    case 'string':
      return scanTextStrings(v, n, t);
    default:
      return scanTextAny(v, n, t);
  }
}

/** The codec's parse of a decoded cell: the fallback of every fast path. */
function slowCell(v: TextVector, d: { buffer: Buffer; ascii: boolean }, r: number, t: ScanTarget): boolean {
  return rawCell(textOf(v, d, r), r, t);
}

/**
 * The decoder of a vector whose cells are mostly typed from their bytes (numbers, timestamps),
 * made at the first cell that needs decoding: decoderOf reads every offset of the batch and checks
 * the whole span for ASCII, work a column whose cells all take the fast path never needs.
 */
class LazyDecoder {
  private d: { buffer: Buffer; ascii: boolean } | null = null;
  constructor(private readonly v: TextVector) {}
  slowCell(r: number, t: ScanTarget): boolean {
    this.d ??= decoderOf(this.v);
    return slowCell(this.v, this.d, r, t);
  }
}

function scanTextAny(v: TextVector, n: number, t: ScanTarget): number {
  const d = decoderOf(v);
  const flags = v.flags;
  let first = -1;
  for (let r = 0; r < n; r++) {
    const finding = (flags[r]! & TEXT_NULL) !== 0 ? nullCell(t, r) : slowCell(v, d, r, t);
    if (finding && first < 0) first = r;
  }
  return first;
}

function scanTextIntegers(v: TextVector, n: number, t: ScanTarget): number {
  const d = new LazyDecoder(v);
  const { bytes, start, end, flags } = v;
  const out = t.out;
  const metrics = t.metrics;
  const range = integerRange(t.column);
  const lo = range ? range[0] : -Infinity;
  const hi = range ? range[1] : Infinity;
  const buf = gatherBuffer(n);
  let k = 0;
  let first = -1;
  for (let r = 0; r < n; r++) {
    const f = flags[r]!;
    if ((f & TEXT_NULL) !== 0) {
      if (nullCell(t, r) && first < 0) first = r;
      continue;
    }
    const x = f === 0 ? smallIntFromBytes(bytes, start[r]!, end[r]!) : NaN;
    if (x === x) {
      if (x < lo || x > hi) {
        badCell(t, r);
        if (first < 0) first = r;
        continue;
      }
      const value = x === 0 ? 0 : x; // -0 is 0 for integers
      buf[k++] = value;
      if (out) {
        out.tags[r] = TAG_NUMBER;
        out.num[r] = value;
      }
    } else {
      metrics.addNumbers(buf, 0, k);
      k = 0;
      if (d.slowCell(r, t) && first < 0) first = r;
    }
  }
  metrics.addNumbers(buf, 0, k);
  return first;
}

function scanTextFloats(v: TextVector, n: number, t: ScanTarget): number {
  const d = new LazyDecoder(v);
  const { bytes, start, end, flags } = v;
  const out = t.out;
  const metrics = t.metrics;
  const round = t.column.type === 'float32' ? Math.fround : null;
  const buf = gatherBuffer(n);
  let k = 0;
  let first = -1;
  for (let r = 0; r < n; r++) {
    const f = flags[r]!;
    if ((f & TEXT_NULL) !== 0) {
      if (nullCell(t, r) && first < 0) first = r;
      continue;
    }
    let x = f === 0 ? plainDecimalFromBytes(bytes, start[r]!, end[r]!) : NaN;
    if (x === x) {
      if (round) x = round(x);
      buf[k++] = x;
      if (out) {
        out.tags[r] = TAG_NUMBER;
        out.num[r] = x;
      }
    } else {
      metrics.addNumbers(buf, 0, k);
      k = 0;
      if (d.slowCell(r, t) && first < 0) first = r;
    }
  }
  metrics.addNumbers(buf, 0, k);
  return first;
}

function scanTextTimestamps(v: TextVector, n: number, t: ScanTarget): number {
  const d = new LazyDecoder(v);
  const { bytes, start, end, flags } = v;
  const out = t.out;
  const metrics = t.metrics;
  const count = timestampCountFromBytes(t.column);
  // Safe counts stay numbers (no BigInt per cell unless a check reads the column); their min/max
  // is folded in once per batch, the same since order does not change a minimum.
  let lo = Infinity;
  let hi = -Infinity;
  const buf = gatherBuffer(n);
  let k = 0;
  let first = -1;
  for (let r = 0; r < n; r++) {
    const f = flags[r]!;
    if ((f & TEXT_NULL) !== 0) {
      if (nullCell(t, r) && first < 0) first = r;
      continue;
    }
    const c = f === 0 ? count(bytes, start[r]!, end[r]!) : NaN;
    if (c === c) {
      buf[k++] = c;
      if (c < lo) lo = c;
      if (c > hi) hi = c;
      if (out) {
        out.tags[r] = TAG_OTHER;
        out.other[r] = BigInt(c);
      }
    } else {
      metrics.addTimestampCounts(buf, 0, k);
      k = 0;
      if (d.slowCell(r, t) && first < 0) first = r;
    }
  }
  metrics.addTimestampCounts(buf, 0, k);
  if (lo <= hi) metrics.foldRange(BigInt(lo), BigInt(hi));
  return first;
}

function scanTextStrings(v: TextVector, n: number, t: ScanTarget): number {
  // A UUID column's parse checks the text's shape: the codec decides.
  if (t.column.physical === 'uuid') return scanTextAny(v, n, t);
  const d = decoderOf(v);
  const { bytes, start, end, flags } = v;
  const out = t.out;
  const metrics = t.metrics;
  // When no check reads the values, ASCII cells are measured from their bytes, without a string.
  const fromBytes = !t.values && d.ascii;
  let first = -1;
  for (let r = 0; r < n; r++) {
    const f = flags[r]!;
    if ((f & TEXT_NULL) !== 0) {
      if (nullCell(t, r) && first < 0) first = r;
      continue;
    }
    if (fromBytes && (f & TEXT_ESCAPED) === 0) {
      metrics.addAsciiText(bytes, start[r]!, end[r]!);
      if (out) out.tags[r] = TAG_OTHER; // a value (the tag-only checks need no more)
      continue;
    }
    const text = textOf(v, d, r);
    metrics.addString(text);
    if (out) {
      out.tags[r] = TAG_OTHER;
      out.other[r] = text;
    }
  }
  return first;
}

/**
 * A timestamp vector whose counts are the column's values as they are, in the column's unit. The
 * row reader made text of each count and the codec parsed it: an instant's text ends in 'Z', read
 * as UTC whatever the column's zone (a naive column refuses it); a local date-time's text has no
 * zone, read in the column's zone, which leaves the count as it is when that zone is UTC or naive.
 */
function countsAsIs(v: TimestampVector, column: ColumnSpec): boolean {
  if (column.type !== 'timestamp' || v.unit !== (column.unit ?? 'us')) return false;
  const zone = column.zone ?? 'UTC';
  return v.utc ? zone !== NAIVE_ZONE : zone === 'UTC' || zone === NAIVE_ZONE;
}

const UNIT_PER_SECOND = { ms: 1_000n, us: 1_000_000n, ns: 1_000_000_000n } as const;
/** Seconds from the epoch to 0000-01-01T00:00:00 and to the last second of 9999. */
const FIRST_SECOND = -62_167_219_200n;
const LAST_SECOND = 253_402_300_799n;

function scanTimestampCounts(v: TimestampVector, n: number, t: ScanTarget): number {
  const { values, valid } = v;
  const out = t.out;
  const metrics = t.metrics;
  // Counts whose text has a four-digit year: outside it the codec refuses the text, so those take
  // the row reader's cell and the codec, as before.
  const perSecond = UNIT_PER_SECOND[v.unit];
  const min = FIRST_SECOND * perSecond;
  const max = (LAST_SECOND + 1n) * perSecond - 1n;
  // Safe counts are compared as numbers: a bound past 2^53 rounds, but stays beyond every safe count.
  const minNumber = Number(min);
  const maxNumber = Number(max);
  const words = wordsOf(values);
  let lo = Infinity;
  let hi = -Infinity;
  const buf = gatherBuffer(n);
  let k = 0;
  let first = -1;
  for (let r = 0; r < n; r++) {
    if (valid !== null && valid[r] === 0) {
      if (nullCell(t, r) && first < 0) first = r;
      continue;
    }
    const safe = safeAt(words, r);
    if (safe === safe) {
      if (safe < minNumber || safe > maxNumber) {
        metrics.addTimestampCounts(buf, 0, k);
        k = 0;
        if (rawCell(rawCellOf(v, r), r, t) && first < 0) first = r;
        continue;
      }
      buf[k++] = safe;
      if (safe < lo) lo = safe;
      if (safe > hi) hi = safe;
      if (out) {
        out.tags[r] = TAG_OTHER;
        out.other[r] = BigInt(safe);
      }
      continue;
    }
    // A count past 2^53 (ns): measured per cell, after the values gathered before it.
    metrics.addTimestampCounts(buf, 0, k);
    k = 0;
    const x = values[r]!;
    if (x < min || x > max) {
      if (rawCell(rawCellOf(v, r), r, t) && first < 0) first = r;
      continue;
    }
    const c = Number(x);
    if (Number.isSafeInteger(c)) {
      metrics.addTimestampCount(c);
      if (c < lo) lo = c;
      if (c > hi) hi = c;
    } else metrics.add(x);
    if (out) {
      out.tags[r] = TAG_OTHER;
      out.other[r] = x;
    }
  }
  metrics.addTimestampCounts(buf, 0, k);
  if (lo <= hi) metrics.foldRange(BigInt(lo), BigInt(hi));
  return first;
}

/** A BigInt64Array's 32-bit halves (little-endian), to read safe values without a BigInt each. */
function wordsOf(values: BigInt64Array): Int32Array {
  return new Int32Array(values.buffer, values.byteOffset, values.length * 2);
}

/** Value r of a BigInt64Array as a number when it is a safe integer (|v| < 2^53), else NaN. */
function safeAt(words: Int32Array, r: number): number {
  const high = words[2 * r + 1]!;
  return high > -2097152 && high < 2097152 ? high * 4294967296 + (words[2 * r]! >>> 0) : NaN;
}

/**
 * int64 vectors: a safe value is the number the row reader gave; the codec types it. In an int64
 * column the codec gives a safe integer back as it is (never -0 here), so it is measured directly.
 */
function scanInt64(v: Int64Vector, n: number, t: ScanTarget): number {
  const { values, valid } = v;
  const words = wordsOf(values);
  const direct = t.column.type === 'int64';
  const out = t.out;
  const metrics = t.metrics;
  const buf = gatherBuffer(n);
  let k = 0;
  let first = -1;
  for (let r = 0; r < n; r++) {
    if (valid !== null && valid[r] === 0) {
      if (nullCell(t, r) && first < 0) first = r;
      continue;
    }
    const safe = safeAt(words, r);
    if (direct && safe === safe) {
      buf[k++] = safe;
      if (out) {
        out.tags[r] = TAG_NUMBER;
        out.num[r] = safe;
      }
      continue;
    }
    metrics.addNumbers(buf, 0, k);
    k = 0;
    if (rawCell(safe === safe ? safe : int64Cell(values[r]!), r, t) && first < 0) first = r;
  }
  metrics.addNumbers(buf, 0, k);
  return first;
}

/** One raw cell through the codec, as the row engine types it; true when it is a finding. */
function rawCell(raw: RawCell, r: number, t: ScanTarget): boolean {
  if (raw === null) return nullCell(t, r);
  const parsed = t.codec.parse(raw);
  if (parsed === NOT_CONFORMING) {
    badCell(t, r);
    return true;
  }
  typedCell(t, r, parsed);
  return false;
}

/**
 * Dictionary-encoded strings: each row's value is its dictionary entry, no string made per row.
 * The metrics see each entry once, with the number of rows holding it: nothing they keep depends
 * on how often or in which order a value arrives, except the order distinct values are first
 * counted in, so entries are added in the order of their first row.
 */
function scanDictionary(v: DictionaryVector, n: number, t: ScanTarget): number {
  const { indices, dictionary } = v;
  const out = t.out;
  const other = out && t.values ? out.other : null;
  const times = new Int32Array(dictionary.length);
  const order: number[] = [];
  let first = -1;
  for (let r = 0; r < n; r++) {
    const i = indices[r]!;
    if (i < 0) {
      if (nullCell(t, r) && first < 0) first = r;
      continue;
    }
    const seen = times[i]!;
    if (seen === 0) order.push(i);
    times[i] = seen + 1;
    if (out) out.tags[r] = TAG_OTHER;
    if (other) other[r] = dictionary[i]!;
  }
  const metrics = t.metrics;
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    metrics.addStringRepeated(dictionary[i]!, times[i]!);
  }
  return first;
}

/**
 * float64 and int32 vectors: each value is the raw cell the row reader gave, typed by the codec.
 * A float64 column's codec gives a number back as it is, and an int64 column's an int32 (never
 * -0), so those are measured directly.
 */
function scanNumbers(v: Float64Vector | Int32Vector, n: number, t: ScanTarget): number {
  const { values, valid } = v;
  const type = t.column.type;
  if (type === 'float64' || (type === 'int64' && v.kind === 'int32'))
    return scanNumbersAsIs(values, valid, n, t);
  let first = -1;
  for (let r = 0; r < n; r++) {
    const finding = valid !== null && valid[r] === 0 ? nullCell(t, r) : rawCell(values[r]!, r, t);
    if (finding && first < 0) first = r;
  }
  return first;
}

function scanNumbersAsIs(
  values: Float64Array | Int32Array,
  valid: Uint8Array | null,
  n: number,
  t: ScanTarget,
): number {
  const out = t.out;
  const metrics = t.metrics;
  // Nulls only count (addNull), so every value can be gathered first: the metrics see the values
  // in row order.
  const buf = gatherBuffer(n);
  let k = 0;
  let first = -1;
  for (let r = 0; r < n; r++) {
    if (valid !== null && valid[r] === 0) {
      if (nullCell(t, r) && first < 0) first = r;
      continue;
    }
    const x = values[r]!;
    buf[k++] = x;
    if (out) {
      out.tags[r] = TAG_NUMBER;
      out.num[r] = x;
    }
  }
  metrics.addNumbers(buf, 0, k);
  return first;
}
