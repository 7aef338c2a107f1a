/**
 * The typing stage of a conversion: a column batch typed against the output's columns, giving one
 * TypedColumn per output column, in schema order, for the writers and the digest. The values, and
 * the error raised for a value that does not fit, are those the column codecs give cell by cell:
 * the codec's parse is the specification, and every faster path here accepts only what it accepts
 * and gives the same value.
 *
 * - Text vectors (CSV): integers, plain decimals and ISO timestamps are read from their bytes, with
 *   no JS string per cell; strings are decoded once per batch where the bytes are ASCII and cut out
 *   of that one string; any other shape is decoded and parsed by the codec.
 * - Typed vectors (Parquet, Arrow): a value the codec would take unchanged is taken straight (a
 *   timestamp count of the column's unit, a date's days, an int64 read without a BigInt when it is
 *   safe); anything else goes through the codec as the row readers' cell.
 * - A column absent from the batch (a JSON key not seen yet) is null in every row.
 *
 * Errors: the first failing cell in row order, then column order, is reported, as typing row by
 * row reports it: columns are typed one at a time, each only up to the earliest failure found so
 * far.
 */
import { isAscii } from 'node:buffer';

import { NAIVE_ZONE, type ColumnSpec } from '../contracts/output-contract';
import {
  columnCodec,
  daysFromCivil,
  formatDate,
  integerRange,
  NOT_CONFORMING,
  plainDecimalFromBytes,
  smallIntFromBytes,
  timestampCountFromBytes,
  type ColumnCodec,
} from '../contracts/typed-values';
import { FormatError } from '../errors';
import {
  rawCellOf,
  TEXT_ESCAPED,
  TEXT_NULL,
  type ColumnBatch,
  type ColumnVector,
  type DictionaryVector,
  type Int64Vector,
  type TextVector,
  type TimestampVector,
} from '../formats/column-batch';
import type { RawCell } from '../formats/record-batch';
import { TypedColumnBuilder, type TypedColumn } from '../formats/typed-column';
import { utf8ColumnOf, type DigestColumn, type Utf8Column } from './table-digest';
import { NumberTextBytes, valueDomain, type ValueBytesColumn } from './value-bytes';

/** The output's columns and, for each, the input column it is read from. */
export interface TypingPlan {
  readonly schema: readonly ColumnSpec[];
  readonly sourceNames: readonly string[];
}

/** No failure in the rows typed. */
const NONE = -1;

const UNIT_PER_SECOND = { ms: 1e3, us: 1e6, ns: 1e9 } as const;
/** Dates and timestamps as text have a four-digit year: the codecs take years 0000 to 9999 only. */
const FIRST_DAY = daysFromCivil(0, 1, 1);
const LAST_DAY = daysFromCivil(9999, 12, 31);

/** Whether an Int32Array over a BigInt64Array's bytes holds each value's low half first. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const TWO_32 = 2 ** 32;
const HIGH_LIMIT = 2 ** 21;

/**
 * A reader of an int64 array's values as numbers without a BigInt per value: the value when it
 * is a safe integer, else NaN (the caller then reads the BigInt). Allocating a BigInt per cell
 * dominates typing a 64-bit column otherwise.
 */
function safeInt64s(values: BigInt64Array): (r: number) => number {
  if (!LITTLE_ENDIAN) {
    return (r) => {
      const v = values[r]!;
      return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : NaN;
    };
  }
  const halves = new Int32Array(values.buffer, values.byteOffset, values.length * 2);
  return (r) => {
    const lo = halves[2 * r]!;
    const hi = halves[2 * r + 1]!;
    // hi in [-2^21, 2^21) is a value in [-2^53, 2^53); -2^53 itself is not safe.
    if (hi < -HIGH_LIMIT || hi >= HIGH_LIMIT || (hi === -HIGH_LIMIT && lo === 0)) return NaN;
    return hi * TWO_32 + (lo >>> 0);
  };
}

/**
 * The decoded text of one batch's bytes, shared by its string columns. Rows interleave the
 * columns, so each column's cells span nearly the whole batch: decoding that span once per column
 * decoded (and checked for ASCII) the batch's bytes once per string column.
 */
interface SharedText {
  readonly bytes: Uint8Array;
  readonly lo: number;
  /** The bytes [lo, lo + whole.length) as text; null where they are not all ASCII. */
  readonly whole: string | null;
}

/** Rows [0, n) of a text vector: the byte span its non-null cells cover, or null for none. */
function cellSpan(v: TextVector, n: number): [number, number] | null {
  const { start, end, flags } = v;
  let lo = Infinity;
  let hi = -Infinity;
  for (let r = 0; r < n; r++) {
    if ((flags[r]! & TEXT_NULL) !== 0) continue;
    if (start[r]! < lo) lo = start[r]!;
    if (end[r]! > hi) hi = end[r]!;
  }
  return hi > lo ? [lo, hi] : null;
}

/**
 * The text of the byte span that covers every non-null cell of the batch's string columns held as
 * text vectors over one buffer, when those bytes are all ASCII (their byte offsets are then
 * character offsets); null otherwise.
 */
function sharedText(vectors: readonly (TextVector | null)[], n: number): SharedText | null {
  let bytes: Uint8Array | null = null;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of vectors) {
    if (v === null) continue;
    if (bytes === null) bytes = v.bytes;
    else if (v.bytes !== bytes) return null;
    const span = cellSpan(v, n);
    if (span === null) continue;
    if (span[0] < lo) lo = span[0];
    if (span[1] > hi) hi = span[1];
  }
  if (bytes === null || !(hi > lo) || !isAscii(bytes.subarray(lo, hi))) return null;
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { bytes, lo, whole: buffer.toString('latin1', lo, hi) };
}

/**
 * The cells of a text vector as strings. For a column whose every cell is wanted as text, where
 * the bytes the cells span are all ASCII, they are decoded once and each cell is a substring of
 * that text (its byte offsets are character offsets), which costs far less than a decoder call
 * per cell; the batch's string columns share that text (sharedText). Other columns decode only the
 * cells their fast paths decline, one by one.
 */
class TextCells {
  private readonly buffer: Buffer;
  private readonly whole: string | null = null;
  private readonly lo: number = 0;

  constructor(
    private readonly v: TextVector,
    n: number,
    every: boolean,
    shared: SharedText | null,
  ) {
    const { bytes } = v;
    this.buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (!every) return;
    const span = cellSpan(v, n);
    if (span === null) return;
    const [lo, hi] = span;
    if (shared !== null && shared.whole !== null && shared.bytes === bytes) {
      if (lo >= shared.lo && hi <= shared.lo + shared.whole.length) {
        this.lo = shared.lo;
        this.whole = shared.whole;
        return;
      }
    }
    this.lo = lo;
    this.whole = isAscii(bytes.subarray(lo, hi)) ? this.buffer.toString('latin1', lo, hi) : null;
  }

  /** Row r's text (not null: the caller has checked TEXT_NULL). */
  at(r: number): string {
    const v = this.v;
    const s = v.start[r]!;
    const e = v.end[r]!;
    let text: string;
    if (s === e) text = '';
    else if (this.whole !== null) text = this.whole.substring(s - this.lo, e - this.lo);
    else text = this.buffer.toString('utf8', s, e);
    return (v.flags[r]! & TEXT_ESCAPED) !== 0 ? v.unescape(text) : text;
  }
}

/** One column's typing: the builder it fills and the rows it must type. */
interface Target {
  readonly spec: ColumnSpec;
  readonly codec: ColumnCodec;
  readonly out: TypedColumnBuilder;
  /** Rows [0, limit) are typed; a failure at or past an earlier one is not the first. */
  readonly limit: number;
}

/**
 * Types a column batch against a plan: one TypedColumn per schema column. Throws the FormatError
 * typing the same rows cell by cell throws for the first cell that does not fit.
 */
export class ColumnBatchTyper {
  private readonly internStrings: boolean;
  private readonly utf8Strings: boolean;
  private readonly codecs: readonly ColumnCodec[];
  private readonly timestampCounts: readonly (((b: Uint8Array, s: number, e: number) => number) | null)[];
  private columns: readonly string[] | undefined;
  private indexOf: number[] = [];
  /** Per column, the encoder of its digest bytes on the read-back (typeForDigest). */
  private readonly numberEncoders: (NumberTextBytes | undefined)[] = [];

  constructor(
    private readonly plan: TypingPlan,
    options: TyperOptions = {},
  ) {
    this.internStrings = options.internStrings ?? false;
    this.utf8Strings = options.utf8Strings ?? false;
    this.codecs = plan.schema.map(columnCodec);
    this.timestampCounts = plan.schema.map((c) =>
      c.type === 'timestamp' ? timestampCountFromBytes(c) : null,
    );
  }

  type(batch: ColumnBatch): TypedColumn[] {
    // Without `bytes`, typeColumns gives typed columns only (no digest bytes).
    return this.typeColumns(batch, false) as TypedColumn[];
  }

  /**
   * The batch's columns for a consumer that only hashes them (the read-back's digest): as type()
   * gives them, except that a plain string column held as a text vector of UTF-8 cells is not
   * typed but kept as its bytes (utf8Bytes), so no string is made for its cells. The rows, the
   * values hashed and the error thrown are those of type().
   */
  typeForDigest(batch: ColumnBatch): DigestColumn[] {
    return this.typeColumns(batch, true);
  }

  /**
   * `typed` (this batch's type()) as the digest takes it: each plain string column held as a
   * text vector of UTF-8 cells as its bytes (utf8Bytes), which hash as the texts typed from them.
   */
  forDigest(batch: ColumnBatch, typed: readonly TypedColumn[]): DigestColumn[] {
    return typed.map((column, i) => (column.kind === 'utf8' ? column : (this.utf8Bytes(batch, i) ?? column)));
  }

  /**
   * Column i of the batch as UTF-8 bytes, when it is a plain string column held as a text vector
   * whose cells' bytes are the UTF-8 of the texts typing gives (utf8ColumnOf) and hold no null
   * the column refuses (typing reports that one); null otherwise.
   */
  private utf8Bytes(batch: ColumnBatch, i: number): Utf8Column | null {
    const spec = this.plan.schema[i]!;
    if (spec.type !== 'string' || spec.physical === 'uuid') return null;
    const at = this.indexOf[i]!;
    const v = at >= 0 ? batch.vectors[at] : undefined;
    if (v?.kind !== 'text') return null;
    if (!spec.nullable) {
      for (let r = 0; r < batch.length; r++) if ((v.flags[r]! & TEXT_NULL) !== 0) return null;
    }
    return utf8ColumnOf(v, batch.length);
  }

  private typeColumns(batch: ColumnBatch, bytes: boolean): DigestColumn[] {
    const { schema } = this.plan;
    if (batch.columns !== this.columns) {
      this.columns = batch.columns;
      const at = new Map(batch.columns.map((c, i) => [c, i]));
      this.indexOf = this.plan.sourceNames.map((name) => at.get(name) ?? -1);
    }
    const n = batch.length;
    const typed: DigestColumn[] = [];
    // Interned columns need no decoded text; one that gives up decodes the shared text then.
    let shared: SharedText | null | undefined;
    const sharedOf = (): SharedText | null => (shared ??= this.sharedText(batch, n));
    let failRow = n;
    let failColumn = -1;
    for (let i = 0; i < schema.length; i++) {
      // A column kept as bytes cannot fail: a string column takes any text, and one with a null
      // it refuses is typed (and reported) as usual.
      const utf8 = bytes || this.utf8Strings ? this.utf8Bytes(batch, i) : null;
      if (utf8 !== null) {
        typed.push(utf8);
        continue;
      }
      const at = this.indexOf[i]!;
      const vector = at >= 0 ? (batch.vectors[at] ?? null) : null;
      const encoded = bytes && vector?.kind === 'text' ? this.numberBytes(vector, i, n) : null;
      if (encoded !== null) {
        typed.push(encoded);
        continue;
      }
      // Typed vectors whose every value the column takes as it is fill a flat column in one loop;
      // only with no earlier failure, since a column is then typed only up to that row.
      const flat = failRow === n && vector !== null ? flatColumn(vector, schema[i]!, n) : null;
      if (flat !== null) {
        typed.push(flat);
        continue;
      }
      const target: Target = {
        spec: schema[i]!,
        codec: this.codecs[i]!,
        out: new TypedColumnBuilder(schema[i]!, Math.max(1, n)),
        limit: failRow,
      };
      const bad = vector === null ? absent(target) : this.typeVector(vector, target, i, sharedOf);
      if (bad !== NONE) {
        failRow = bad;
        failColumn = i;
      }
      typed.push(target.out.finish());
    }
    if (failColumn >= 0) {
      const at = this.indexOf[failColumn]!;
      const vector = at >= 0 ? (batch.vectors[at] ?? null) : null;
      throw notConverted(
        schema[failColumn]!,
        vector === null ? null : rawCellOf(vector, failRow),
        batch.firstRow + failRow,
      );
    }
    return typed;
  }

  /**
   * Column i of the batch as its digest bytes (NumberTextBytes), when it is a number or timestamp
   * column held as text whose every cell is null (where the column takes one) or read by typing's
   * fast path into the digest's domain: the bytes addColumn gives for the column type() gives, with
   * no typed column between. Null otherwise (the column is then typed, failures and all).
   */
  private numberBytes(v: TextVector, i: number, n: number): ValueBytesColumn | null {
    const spec = this.plan.schema[i]!;
    const domain = valueDomain(spec);
    if (domain === null) return null;
    const parse = numberFromBytes(spec, v.bytes, this.timestampCounts[i] ?? null);
    if (parse === null) return null;
    const encoder = (this.numberEncoders[i] ??= new NumberTextBytes());
    return encoder.encode(domain, v, n, spec.nullable, parse);
  }

  /** The text the batch's plain string columns held as text share, when more than one is. */
  private sharedText(batch: ColumnBatch, n: number): SharedText | null {
    const texts: TextVector[] = [];
    this.plan.schema.forEach((spec, i) => {
      const at = this.indexOf[i]!;
      const v = at >= 0 ? batch.vectors[at] : undefined;
      if (v?.kind === 'text' && spec.type === 'string' && spec.physical !== 'uuid') texts.push(v);
    });
    return texts.length > 1 ? sharedText(texts, n) : null;
  }

  private typeVector(v: ColumnVector, t: Target, i: number, shared: () => SharedText | null): number {
    switch (v.kind) {
      case 'text':
        if (this.internStrings && t.spec.type === 'string' && t.spec.physical !== 'uuid')
          return typeTextInterned(v, t, shared);
        return typeText(v, t, this.timestampCounts[i] ?? null, t.spec.type === 'string' ? shared() : null);
      case 'int64':
        return typeInt64(v, t);
      case 'timestamp':
        return typeTimestamps(v, t);
      case 'date':
        return t.spec.type === 'date' ? typeDates(v.values, v.valid, t) : typeCells(v, t);
      case 'dictionary':
        return typeDictionary(v, t);
      case 'float64':
        return t.spec.type === 'float64' ? typeFloat64(v.values, v.valid, t) : typeCells(v, t);
      default:
        return typeCells(v, t);
    }
  }
}

export interface TyperOptions {
  /**
   * String columns held as text (CSV) are typed as dictionary columns while a batch's column has
   * at most INTERN_LIMIT distinct texts: each distinct text is decoded once, not once per cell.
   * The values are the same texts; a consumer that takes a dictionary column as it takes a
   * string column (the digest) sees no difference. Off by default: a writer given a dictionary
   * column may encode it differently (Parquet's dictionary pages).
   */
  readonly internStrings?: boolean;
  /**
   * Plain string columns held as text vectors of UTF-8 cells (utf8ColumnOf) are typed as
   * Utf8Columns over the reader's bytes, not as strings: for a writer that encodes text as UTF-8
   * bytes anyway (Parquet), which copies them. The columns are valid until the next batch is read.
   */
  readonly utf8Strings?: boolean;
  /**
   * The typed columns reach only the digest (the read-back): typedBatches types with
   * typeForDigest, so string columns of UTF-8 bytes are hashed from their bytes, and yields no
   * columns.
   */
  readonly digestOnly?: boolean;
}

/** Types one batch (a convenience over ColumnBatchTyper for a single batch). */
export function typeColumnBatch(
  batch: ColumnBatch,
  plan: TypingPlan,
  options: TyperOptions = {},
): TypedColumn[] {
  return new ColumnBatchTyper(plan, options).type(batch);
}

/** The error for a cell that cannot be converted: a null in a non-nullable column, or a misfit. */
function notConverted(spec: ColumnSpec, raw: RawCell, row: number): FormatError {
  if (raw === null)
    return new FormatError(`row ${row}: ${spec.name} is null but not nullable; cannot convert`);
  return new FormatError(
    `row ${row}: '${String(raw).slice(0, 60)}' in ${spec.name} is not ${spec.type}; cannot convert`,
  );
}

/** A null: appended, or the failure when the column is not nullable. */
function nullAt(t: Target): boolean {
  if (!t.spec.nullable) return true;
  t.out.append(null);
  return false;
}

function absent(t: Target): number {
  for (let r = 0; r < t.limit; r++) if (nullAt(t)) return r;
  return NONE;
}

/** Any vector, cell by cell through the codec, as the row readers' cells. */
function typeCells(v: ColumnVector, t: Target): number {
  const { codec, out } = t;
  for (let r = 0; r < t.limit; r++) {
    const raw = rawCellOf(v, r);
    if (raw === null) {
      if (nullAt(t)) return r;
      continue;
    }
    const parsed = codec.parse(raw);
    if (parsed === NOT_CONFORMING) return r;
    out.append(parsed);
  }
  return NONE;
}

/**
 * The fast path typeText reads an unquoted cell without escapes of a number or timestamp column
 * by: its value, or NaN where it declines (the codec then decides). Null for other types.
 */
function numberFromBytes(
  spec: ColumnSpec,
  bytes: Uint8Array,
  timestampCount: ((b: Uint8Array, s: number, e: number) => number) | null,
): ((s: number, e: number) => number) | null {
  switch (spec.type) {
    case 'int32':
    case 'int64': {
      const range = integerRange(spec);
      const lo = range ? range[0] : -Infinity;
      const hi = range ? range[1] : Infinity;
      return (s, e) => {
        const x = smallIntFromBytes(bytes, s, e);
        // Out of range is the codec's NOT_CONFORMING too: the slow path says so.
        return x < lo || x > hi ? NaN : x === 0 ? 0 : x; // -0 is 0 for integers
      };
    }
    case 'float32':
      return (s, e) => Math.fround(plainDecimalFromBytes(bytes, s, e));
    case 'float64':
      return (s, e) => plainDecimalFromBytes(bytes, s, e);
    case 'timestamp':
      return timestampCount === null ? null : (s, e) => timestampCount(bytes, s, e);
    default:
      return null;
  }
}

function typeText(
  v: TextVector,
  t: Target,
  timestampCount: ((b: Uint8Array, s: number, e: number) => number) | null,
  shared: SharedText | null,
): number {
  const { bytes, start, end, flags } = v;
  const { spec, codec, out } = t;
  const cells = new TextCells(v, t.limit, spec.type === 'string', shared);
  // Each fast path applies to an unquoted cell without escapes; the others, and whatever a fast
  // path declines (NaN), are decoded and parsed by the codec.
  const fast = numberFromBytes(spec, bytes, timestampCount);
  switch (spec.type) {
    case 'string':
      // A UUID column's parse checks the text's shape; any other string column takes text as it is.
      if (spec.physical !== 'uuid') {
        for (let r = 0; r < t.limit; r++) {
          if ((flags[r]! & TEXT_NULL) !== 0) {
            if (nullAt(t)) return r;
          } else out.append(cells.at(r));
        }
        return NONE;
      }
      break;
  }
  for (let r = 0; r < t.limit; r++) {
    const f = flags[r]!;
    if ((f & TEXT_NULL) !== 0) {
      if (nullAt(t)) return r;
      continue;
    }
    if (fast !== null && f === 0) {
      const x = fast(start[r]!, end[r]!);
      if (x === x) {
        out.appendNumber(x);
        continue;
      }
    }
    const parsed = codec.parse(cells.at(r));
    if (parsed === NOT_CONFORMING) return r;
    out.append(parsed);
  }
  return NONE;
}

/**
 * Distinct texts per batch and column an interned column holds before it is typed as texts
 * instead: a low-cardinality column (a category, a status) stays far under it, and a column of
 * mostly distinct values (names, e-mail addresses) gives up after a few hundred cells.
 */
const INTERN_LIMIT = 256;
/** Hash slots of the interning table: a power of two, four per entry at the limit. */
const INTERN_SLOTS = 1024;

/**
 * A plain string column of a text vector as dictionary indices: cells are found in a table keyed
 * by their bytes, so equal bytes (equal texts) share one decoded string. A cell with escapes, or a
 * column past INTERN_LIMIT distinct texts, turns the rows so far into texts (the builder does) and
 * the rest are typed as typeText types them.
 */
function typeTextInterned(v: TextVector, t: Target, shared: () => SharedText | null): number {
  const { bytes, start, end, flags } = v;
  const { out, limit } = t;
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const indices = new Int32Array(limit);
  const dictionary: string[] = [];
  const entryStart: number[] = [];
  const entryEnd: number[] = [];
  const slots = new Int32Array(INTERN_SLOTS);
  let r = 0;
  rows: for (; r < limit; r++) {
    const f = flags[r]!;
    if ((f & TEXT_NULL) !== 0) {
      if (!t.spec.nullable) {
        out.takeDictionary(indices.slice(0, r), dictionary);
        return r;
      }
      indices[r] = -1;
      continue;
    }
    if ((f & TEXT_ESCAPED) !== 0) break;
    const s = start[r]!;
    const e = end[r]!;
    let h = e - s;
    for (let k = s; k < e; k++) h = (Math.imul(h, 31) + bytes[k]!) | 0;
    let slot = (h ^ (h >>> 13)) & (INTERN_SLOTS - 1);
    for (;;) {
      const at = slots[slot]!;
      if (at === 0) {
        if (dictionary.length === INTERN_LIMIT) break rows;
        dictionary.push(s === e ? '' : buffer.toString('utf8', s, e));
        entryStart.push(s);
        entryEnd.push(e);
        slots[slot] = dictionary.length;
        indices[r] = dictionary.length - 1;
        break;
      }
      const es = entryStart[at - 1]!;
      if (entryEnd[at - 1]! - es === e - s) {
        let k = 0;
        while (k < e - s && bytes[es + k] === bytes[s + k]) k++;
        if (k === e - s) {
          indices[r] = at - 1;
          break;
        }
      }
      slot = (slot + 1) & (INTERN_SLOTS - 1);
    }
  }
  out.takeDictionary(r === limit ? indices : indices.slice(0, r), dictionary);
  if (r === limit) return NONE;
  const cells = new TextCells(v, limit, true, shared());
  for (; r < limit; r++) {
    if ((flags[r]! & TEXT_NULL) !== 0) {
      if (nullAt(t)) return r;
    } else out.append(cells.at(r));
  }
  return NONE;
}

function typeInt64(v: Int64Vector, t: Target): number {
  const { codec, out } = t;
  const { values, valid } = v;
  const safe = safeInt64s(values);
  const int64 = t.spec.type === 'int64';
  for (let r = 0; r < t.limit; r++) {
    if (valid !== null && valid[r] === 0) {
      if (nullAt(t)) return r;
      continue;
    }
    const x = safe(r);
    // A safe int64 into an int64 column is itself; anything else is the codec's to judge.
    if (int64 && x === x) {
      out.appendNumber(x === 0 ? 0 : x);
      continue;
    }
    const parsed = codec.parse(x === x ? x : values[r]!);
    if (parsed === NOT_CONFORMING) return r;
    out.append(parsed);
  }
  return NONE;
}

/**
 * Timestamps into a timestamp column of the same unit whose text the codec reads back as the same
 * count (an instant into a zoned column; a local date-time into a naive or UTC one), for counts
 * of years 0000 to 9999: taken as they are. Anything else is the codec's, through the text the
 * row readers give.
 */
function typeTimestamps(v: TimestampVector, t: Target): number {
  if (!sameCount(v, t.spec)) return typeCells(v, t);
  const perDay = 86400 * UNIT_PER_SECOND[v.unit];
  const min = FIRST_DAY * perDay;
  const max = (LAST_DAY + 1) * perDay - 1;
  const { values, valid } = v;
  const safe = safeInt64s(values);
  const { codec, out } = t;
  for (let r = 0; r < t.limit; r++) {
    if (valid !== null && valid[r] === 0) {
      if (nullAt(t)) return r;
      continue;
    }
    const x = safe(r);
    if (x >= min && x <= max) {
      out.appendNumber(x);
      continue;
    }
    const raw = rawCellOf(v, r);
    const parsed = raw === null ? NOT_CONFORMING : codec.parse(raw);
    if (parsed === NOT_CONFORMING) return r;
    out.append(parsed);
  }
  return NONE;
}

/**
 * Rows [0, n) of an int64, timestamp or float64 vector as the flat column typeInt64,
 * typeTimestamps or typeFloat64 build for it, in one loop over the vector's arrays without a
 * builder call per value, when every value is one those take as it is (a safe int64 into an int64
 * column; a count in years 0000 to 9999 of the column's own unit; any double into a float64
 * column) and every null is allowed. Null otherwise: the column is then typed value by value,
 * which gives the other values and the failure. The column's arrays are its own, as a builder's:
 * the values (0 in a null's row) and, only where a row is null, the validity (1 present, 0 null).
 */
export function flatColumn(v: ColumnVector, spec: ColumnSpec, n: number): TypedColumn | null {
  switch (v.kind) {
    case 'int64':
      if (spec.type !== 'int64' || !LITTLE_ENDIAN) return null;
      return flatInt64(v.values, v.valid, spec.nullable, n, -Infinity, Infinity);
    case 'timestamp': {
      if (!LITTLE_ENDIAN || !sameCount(v, spec)) return null;
      const perDay = 86400 * UNIT_PER_SECOND[v.unit];
      return flatInt64(v.values, v.valid, spec.nullable, n, FIRST_DAY * perDay, (LAST_DAY + 1) * perDay - 1);
    }
    case 'float64': {
      if (spec.type !== 'float64') return null;
      const { values, valid } = v;
      const out = new Float64Array(Math.max(1, n));
      if (valid === null) {
        out.set(values.subarray(0, n));
        return { kind: 'float64', values: out.subarray(0, n), valid: null };
      }
      const mask = new Uint8Array(Math.max(1, n));
      let nulls = 0;
      for (let r = 0; r < n; r++) {
        if (valid[r] === 0) {
          nulls++;
          continue;
        }
        out[r] = values[r]!;
        mask[r] = 1;
      }
      if (nulls > 0 && !spec.nullable) return null;
      return { kind: 'float64', values: out.subarray(0, n), valid: nulls > 0 ? mask.subarray(0, n) : null };
    }
    default:
      return null;
  }
}

/**
 * Rows [0, n) of an int64 array as an integer column when every non-null value is a safe integer
 * in [min, max] (read from its two 32-bit halves, as safeInt64s reads it) and every null is
 * allowed; null otherwise.
 */
function flatInt64(
  values: BigInt64Array,
  valid: Uint8Array | null,
  nullable: boolean,
  n: number,
  min: number,
  max: number,
): TypedColumn | null {
  const halves = new Int32Array(values.buffer, values.byteOffset, values.length * 2);
  const out = new Float64Array(Math.max(1, n));
  const mask = valid === null ? null : new Uint8Array(Math.max(1, n));
  let nulls = 0;
  for (let r = 0; r < n; r++) {
    if (valid !== null && valid[r] === 0) {
      nulls++;
      continue;
    }
    const lo = halves[2 * r]!;
    const hi = halves[2 * r + 1]!;
    // hi in [-2^21, 2^21) is a value in [-2^53, 2^53); -2^53 itself is not safe.
    if (hi < -HIGH_LIMIT || hi >= HIGH_LIMIT || (hi === -HIGH_LIMIT && lo === 0)) return null;
    const x = hi * TWO_32 + (lo >>> 0);
    if (!(x >= min && x <= max)) return null;
    out[r] = x === 0 ? 0 : x;
    if (mask !== null) mask[r] = 1;
  }
  if (nulls > 0 && !nullable) return null;
  return { kind: 'integer', values: out.subarray(0, n), valid: nulls > 0 ? mask!.subarray(0, n) : null };
}

/**
 * Whether a timestamp column takes a vector's counts as they are: the same unit, and an instant
 * into a zoned column or a local date-time into a naive or UTC one (the codec reads their text
 * back as the same count).
 */
function sameCount(v: TimestampVector, spec: ColumnSpec): boolean {
  const zone = spec.zone ?? 'UTC';
  const naive = zone === NAIVE_ZONE;
  return (
    spec.type === 'timestamp' &&
    (spec.unit ?? 'us') === v.unit &&
    (v.utc ? !naive : naive || zone === 'UTC' || zone === 'Z' || zone === 'z')
  );
}

/** Doubles into a float64 column: the codec takes a number as it is. */
function typeFloat64(values: Float64Array, valid: Uint8Array | null, t: Target): number {
  const { out } = t;
  for (let r = 0; r < t.limit; r++) {
    if (valid !== null && valid[r] === 0) {
      if (nullAt(t)) return r;
      continue;
    }
    out.appendNumber(values[r]!);
  }
  return NONE;
}

/** Days since the epoch into a date column: the codec takes the text of years 0000 to 9999 as it is. */
function typeDates(values: Int32Array, valid: Uint8Array | null, t: Target): number {
  const { codec, out } = t;
  for (let r = 0; r < t.limit; r++) {
    if (valid !== null && valid[r] === 0) {
      if (nullAt(t)) return r;
      continue;
    }
    const days = values[r]!;
    const text = formatDate(days);
    if (days >= FIRST_DAY && days <= LAST_DAY) {
      out.append(text);
      continue;
    }
    const parsed = codec.parse(text);
    if (parsed === NOT_CONFORMING) return r;
    out.append(parsed);
  }
  return NONE;
}

/** Dictionary strings: each distinct string is parsed once, not once per row holding it. */
function typeDictionary(v: DictionaryVector, t: Target): number {
  const { codec, out } = t;
  const { indices, dictionary } = v;
  const plain = t.spec.type === 'string' && t.spec.physical !== 'uuid';
  if (plain) {
    // The texts need no parsing: the column stays indices into them (a copy, as the reader
    // reuses its buffers), and writers and the proof encode each distinct text once.
    if (!t.spec.nullable) {
      for (let r = 0; r < t.limit; r++) if (indices[r]! < 0) return r;
    }
    out.takeDictionary(indices.slice(0, t.limit), dictionary);
    return NONE;
  }
  const parsed = dictionary.map((s) => codec.parse(s));
  for (let r = 0; r < t.limit; r++) {
    const i = indices[r]!;
    if (i < 0) {
      if (nullAt(t)) return r;
      continue;
    }
    const value = parsed[i]!;
    if (value === NOT_CONFORMING) return r;
    out.append(value);
  }
  return NONE;
}
