/**
 * Writers for the text formats: CSV (RFC 4180 quoting, only where needed), JSON Lines and a JSON
 * array. Values are rendered by the column codecs, so what is written reads back to the same
 * typed values. Output is encoded in chunks and handed to the sink as it grows. CSV also takes
 * typed columns, encoded straight into a byte buffer: digits of integers and decimals without a
 * string per cell, text cells without joining strings first.
 */
import { NAIVE_ZONE, type ColumnSpec, type CsvOptions } from '../contracts/output-contract';
import { FormatError } from '../errors';
import { csvCellEncoder, type CsvCellEncoder } from './csv-cell';
import type { ByteSink } from './byte-io';
import type { TableWriter, TypedRow } from './table-io';
import { utf8Strings, type DictionaryColumn, type TypedColumn, type Utf8Column } from './typed-column';
import { columnCodec, formatDate, type ColumnCodec } from '../contracts/typed-values';

const FLUSH_AT = 1 << 20;
const utf8 = new TextEncoder();

/** A growable byte buffer that text is encoded into. */
class ByteBuffer {
  bytes = new Uint8Array(FLUSH_AT + (FLUSH_AT >> 2));
  n = 0;

  /** Makes room for k more bytes. */
  ensure(k: number): void {
    if (this.n + k <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.n + k));
    grown.set(this.bytes.subarray(0, this.n));
    this.bytes = grown;
  }

  /** Appends text as UTF-8; ASCII (all generated numbers, most text) byte by byte. */
  text(s: string): void {
    const len = s.length;
    this.ensure(len * 3);
    const b = this.bytes;
    let n = this.n;
    for (let i = 0; i < len; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        this.n = n + utf8.encodeInto(s.slice(i), b.subarray(n)).written;
        return;
      }
      b[n++] = c;
    }
    this.n = n;
  }

  /**
   * The bytes so far, copied (the sink may keep them); the buffer starts over. Handing the sink
   * the full buffer and allocating a fresh one instead cost more in the Parquet-to-CSV conversion
   * (a fresh megabyte's page faults and its collection) than the copy saved.
   */
  take(): Uint8Array {
    const out = this.bytes.slice(0, this.n);
    this.n = 0;
    return out;
  }

  /**
   * The bytes so far, not copied, and the buffer starts over in `spare` (a fresh one the first
   * time): the caller owns the buffer they are in, which may be the next spare once the sink is
   * done with them.
   */
  swap(spare: Uint8Array<ArrayBuffer> | undefined): Uint8Array {
    const full = this.bytes.subarray(0, this.n);
    this.bytes = spare ?? new Uint8Array(FLUSH_AT + (FLUSH_AT >> 2));
    this.n = 0;
    return full;
  }
}

const UNIT_DIGITS = { ms: 3, us: 6, ns: 9 } as const;
const DATE_CACHE = 1 << 12;
const NO_BYTES = new Uint8Array(0);
/** Powers of ten up to 10^16, each exact. */
const POW10 = Array.from({ length: 17 }, (_, k) => 10 ** k);
/** Decimals of at most this many digits after the point are tried before a double's own text. */
const MAX_FRACTION_DIGITS = 6;
/** The two ASCII digits of 0 to 99, at 2i and 2i + 1. */
const DIGIT_PAIRS = Uint8Array.from(
  { length: 200 },
  (_, i) => 48 + (i & 1 ? (i >> 1) % 10 : Math.floor(i / 20)),
);
const INT32_LIMIT = 2 ** 31;

/**
 * Writes timestamps of a column (counts of its unit, safe integers) as the timestamp codec formats
 * them ('2024-03-01T12:00:00.25Z'; no 'Z' for a naive column), into bytes: the date text is cached
 * per day, and the time is written digit by digit.
 */
function timestampWriter(out: ByteBuffer, spec: ColumnSpec, codec: ColumnCodec): (v: number) => void {
  const digits = UNIT_DIGITS[spec.unit ?? 'us'];
  const perSecond = 10 ** digits;
  const zulu = spec.zone !== NAIVE_ZONE;
  // Generated and real timestamps jump between days row by row: the date bytes of the days seen
  // are kept in a direct-mapped cache (DATE_CACHE slots, by day modulo DATE_CACHE; a year of days
  // never collides), found by an array index where a Map lookup of a double key cost more.
  const slotDays = new Float64Array(DATE_CACHE).fill(NaN);
  const slotDates: Uint8Array[] = Array.from({ length: DATE_CACHE }, () => NO_BYTES);
  // Consecutive rows mostly share a day: the last day's bytes are at hand without a lookup.
  let lastDay = NaN;
  let date: Uint8Array = NO_BYTES;
  return (v) => {
    const seconds = Math.floor(v / perSecond);
    const fractionExact = v - seconds * perSecond;
    // Near 2^53 the quotient can round across a second: the codec's own text, whatever it is.
    if (fractionExact < 0 || fractionExact >= perSecond) return out.text(codec.format(v));
    // Below 10^9, so int32 arithmetic from here: % and / of doubles are library calls.
    let fraction = fractionExact | 0;
    const day = Math.floor(seconds / 86400);
    if (day !== lastDay) {
      const slot = day & (DATE_CACHE - 1);
      if (slotDays[slot] !== day) {
        slotDays[slot] = day;
        slotDates[slot] = utf8.encode(formatDate(day));
      }
      lastDay = day;
      date = slotDates[slot]!;
    }
    const rest = (seconds - day * 86400) | 0;
    const dateLength = date.length;
    out.ensure(dateLength + 21);
    const b = out.bytes;
    let n = out.n;
    // A byte loop: set() of a dozen bytes costs more than copying them.
    for (let k = 0; k < dateLength; k++) b[n + k] = date[k]!;
    n += dateLength;
    const h = (rest / 3600) | 0;
    const minutes = (rest / 60) | 0;
    const m = minutes - h * 60;
    const sec = rest - minutes * 60;
    b[n] = 84; // 'T'
    b[n + 1] = DIGIT_PAIRS[h << 1]!;
    b[n + 2] = DIGIT_PAIRS[(h << 1) + 1]!;
    b[n + 3] = 58; // ':'
    b[n + 4] = DIGIT_PAIRS[m << 1]!;
    b[n + 5] = DIGIT_PAIRS[(m << 1) + 1]!;
    b[n + 6] = 58;
    b[n + 7] = DIGIT_PAIRS[sec << 1]!;
    b[n + 8] = DIGIT_PAIRS[(sec << 1) + 1]!;
    n += 9;
    if (fraction !== 0) {
      // Whole groups of three trailing zeros go, keeping at least three digits.
      let width: number = digits;
      while (width > 3) {
        const q = (fraction / 1000) | 0;
        if (q * 1000 !== fraction) break;
        fraction = q;
        width -= 3;
      }
      b[n] = 46; // '.'
      let i = width;
      for (; i > 1; i -= 2) {
        const q = (fraction / 100) | 0;
        const pair = (fraction - q * 100) << 1;
        b[n + i] = DIGIT_PAIRS[pair + 1]!;
        b[n + i - 1] = DIGIT_PAIRS[pair]!;
        fraction = q;
      }
      if (i === 1) b[n + 1] = 48 + fraction;
      n += width + 1;
    }
    if (zulu) b[n++] = 90; // 'Z'
    out.n = n;
  };
}

abstract class TextWriter implements TableWriter {
  protected readonly codecs: ColumnCodec[];
  private buffer: string[] = [];
  private size = 0;
  /** Bytes encoded ahead of `buffer` (which only ever follows them). */
  protected readonly out = new ByteBuffer();
  protected started = false;

  constructor(
    protected readonly sink: ByteSink,
    protected readonly schema: readonly ColumnSpec[],
  ) {
    this.codecs = schema.map(columnCodec);
  }

  protected abstract header(): string;
  protected abstract row(row: TypedRow, index: number): string;
  protected abstract footer(): string;
  protected rows = 0;

  protected push(text: string): void {
    this.buffer.push(text);
    this.size += text.length;
  }

  /** Moves text pushed so far into the byte buffer, so bytes encoded next follow it. */
  protected settle(): void {
    if (this.buffer.length === 0) return;
    this.out.text(this.buffer.join(''));
    this.buffer = [];
    this.size = 0;
  }

  /**
   * The sink's write of the last flushed bytes, while it runs: the next bytes are encoded meanwhile
   * instead of waiting on the file or the network (the conversion's write phase idled a quarter
   * second on them). One write at most is in flight, and the sink's writes stay one after another:
   * each flush waits for the previous write before starting its own. The bytes in flight are
   * never touched while it runs: the sink's own copy (take), or, for a sink done with a chunk once
   * its write resolves (releasesChunks), one of two buffers the writer alternates between, the
   * other being filled meanwhile. Two buffers of FLUSH_AT and a quarter (or the largest a row grew
   * one to) at most, reused: a fresh buffer per flush cost more in page faults than the copy.
   */
  private inFlight: Promise<void> | undefined;
  /** The buffer the write in flight (or the last write) was given, whole: the next to fill. */
  private spare: Uint8Array<ArrayBuffer> | undefined;

  /** Waits for the write in flight, if any; its failure is this call's. */
  private async settleWrite(): Promise<void> {
    const pending = this.inFlight;
    if (pending === undefined) return;
    this.inFlight = undefined;
    await pending;
  }

  protected async flush(): Promise<void> {
    this.settle();
    if (this.out.n === 0) return;
    let chunk: Uint8Array;
    if (this.sink.releasesChunks === true) {
      // The spare's write has ended before it is filled again.
      await this.settleWrite();
      const whole = this.out.bytes;
      chunk = this.out.swap(this.spare);
      this.spare = whole;
    } else {
      chunk = this.out.take();
      await this.settleWrite();
    }
    const write = this.sink.write(chunk);
    // Observed at the next flush, close or abort; not an unhandled rejection meanwhile.
    write.catch(() => undefined);
    this.inFlight = write;
  }

  async write(rows: readonly TypedRow[]): Promise<void> {
    if (!this.started) {
      this.started = true;
      this.push(this.header());
    }
    for (const row of rows) {
      this.push(this.row(row, this.rows++));
      if (this.size >= FLUSH_AT) await this.flush();
    }
  }

  async close(): Promise<void> {
    if (!this.started) {
      this.started = true;
      this.push(this.header());
    }
    this.push(this.footer());
    await this.flush();
    await this.settleWrite();
    await this.sink.close();
  }

  async abort(): Promise<void> {
    this.buffer = [];
    this.out.n = 0;
    // The sink is aborted once its last write has ended, not beneath it (its failure was reported).
    await this.settleWrite().catch(() => undefined);
    return this.sink.abort();
  }
}

/** How many decimal digits u (0 <= u < 10^16) has; 1 for 0. */
function digitCount(u: number): number {
  if (u < 1e8) {
    if (u < 1e4) return u < 100 ? (u < 10 ? 1 : 2) : u < 1000 ? 3 : 4;
    return u < 1e6 ? (u < 1e5 ? 5 : 6) : u < 1e7 ? 7 : 8;
  }
  let digits = 9;
  while (digits < 16 && u >= POW10[digits]!) digits++;
  return digits;
}

/**
 * Writes the digits of u (0 <= u < 2^53) so that the last ends just before `end`, exactly
 * `count` of them (zeros pad the front; count >= digitCount(u)). Digits come two at a time, in
 * int32 arithmetic below 2^31: a division per digit in doubles costs several times more.
 */
function digitsBefore(b: Uint8Array, end: number, u: number, count: number): void {
  let p = end;
  let x = u;
  while (x >= INT32_LIMIT) {
    const q = Math.floor(x / 1e8);
    let low = x - q * 1e8;
    for (let k = 0; k < 4; k++) {
      const q2 = (low / 100) | 0;
      const pair = (low - q2 * 100) << 1;
      b[--p] = DIGIT_PAIRS[pair + 1]!;
      b[--p] = DIGIT_PAIRS[pair]!;
      low = q2;
    }
    x = q;
  }
  let y = x | 0;
  while (y >= 100) {
    const q = (y / 100) | 0;
    const pair = (y - q * 100) << 1;
    b[--p] = DIGIT_PAIRS[pair + 1]!;
    b[--p] = DIGIT_PAIRS[pair]!;
    y = q;
  }
  if (y >= 10) {
    b[--p] = DIGIT_PAIRS[(y << 1) + 1]!;
    b[--p] = DIGIT_PAIRS[y << 1]!;
  } else if (y > 0 || p === end) b[--p] = 48 + y;
  const start = end - count;
  while (p > start) b[--p] = 48;
}

/**
 * An unscaled integer as text at `scale` (what the decimal codec writes: '-0.05' for -5 at 2; at
 * scale 0, what String(v) writes), for |v| <= 2^53.
 */
function writeScaled(out: ByteBuffer, v: number, scale: number): void {
  out.ensure(SCALED_BYTES + scale);
  out.n = scaledInto(out.bytes, out.n, v, scale);
}

/** At most this many bytes, plus the scale, make the text of a scaled safe integer (sign, 16 digits, point). */
const SCALED_BYTES = 19;

/** writeScaled's text into b at n, which has room for SCALED_BYTES + scale bytes; returns the end. */
function scaledInto(b: Uint8Array, at: number, v: number, scale: number): number {
  let n = at;
  let u = v;
  if (u < 0) {
    b[n++] = 45; // '-'
    u = -u;
  }
  if (scale === 0) {
    const digits = digitCount(u);
    digitsBefore(b, n + digits, u, digits);
    return n + digits;
  }
  // The whole part and the fraction, exactly: a quotient rounded across a whole number is undone.
  let whole = 0;
  let fraction = u;
  if (scale < POW10.length && u >= POW10[scale]!) {
    const unit = POW10[scale]!;
    whole = Math.floor(u / unit);
    if (whole * unit > u) whole--;
    else if ((whole + 1) * unit <= u) whole++;
    fraction = u - whole * unit;
  }
  const digits = digitCount(whole);
  digitsBefore(b, n + digits, whole, digits);
  n += digits;
  b[n++] = 46; // '.'
  digitsBefore(b, n + scale, fraction, scale);
  return n + scale;
}

/** Digits of a safe integer, into the buffer (what String(v) writes). */
function writeInteger(out: ByteBuffer, v: number): void {
  writeScaled(out, v, 0);
}

/**
 * Writes String(v) of a double (the float64 codec's text, '-0' for -0) when v is 0 or a decimal
 * of at most 15 significant digits and at most MAX_FRACTION_DIGITS after the point, with
 * 1e-6 <= |v| < 1e15; returns false, having written nothing, for any other v.
 *
 * Why this is String(v): m / 10^k, with m < 10^15 and 10^k exact, is correctly rounded, so when
 * it equals |v| the decimal m·10^-k reads back as |v|. A double in the normal range is the
 * reading of at most one decimal of 15 or fewer significant digits (15 digits survive a round
 * trip through a double), and String(v) is the shortest decimal reading back as v: that same
 * decimal, written without an exponent for 1e-6 <= |v| < 1e21, with no zero ending its fraction.
 */
function writeShortDecimal(out: ByteBuffer, v: number): boolean {
  out.ensure(SHORT_DECIMAL_BYTES);
  const end = shortDecimalInto(out.bytes, out.n, v);
  if (end < 0) return false;
  out.n = end;
  return true;
}

/** At most this many bytes make writeShortDecimal's text (sign, 15 digits, point, fraction digits). */
const SHORT_DECIMAL_BYTES = SCALED_BYTES + MAX_FRACTION_DIGITS;

/**
 * writeShortDecimal's text into b at n, which has room for SHORT_DECIMAL_BYTES; returns the end,
 * or -1, having written nothing, for a v it does not write.
 */
function shortDecimalInto(b: Uint8Array, at: number, v: number): number {
  if (v === 0) {
    let n = at;
    if (Object.is(v, -0)) b[n++] = 45;
    b[n++] = 48;
    return n;
  }
  const u = v < 0 ? -v : v;
  if (!(u >= 1e-6 && u < 1e15)) return -1;
  for (let k = 0; k <= MAX_FRACTION_DIGITS; k++) {
    const scale = POW10[k]!;
    let m = Math.round(u * scale);
    if (m >= 1e15) return -1;
    if (m / scale === u) {
      // String(v) ends no fraction with a zero (the first k that reads back has none anyway).
      let digits = k;
      while (digits > 0 && Math.floor(m / 10) * 10 === m) {
        m /= 10;
        digits--;
      }
      return scaledInto(b, at, v < 0 ? -m : m, digits);
    }
  }
  return -1;
}

const CELL_OTHER = 0;
const CELL_INTEGER = 1;
const CELL_SCALED = 2;
const CELL_FLOAT = 3;
const CELL_TIMESTAMP = 4;
const CELL_DICTIONARY = 5;
const NO_NUMBERS = new Float64Array(0);
const NO_INDICES = new Int32Array(0);
const nothing = (): void => undefined;

/** A typed column as the text writers encode it: a UTF-8 column comes to them as texts. */
type TextColumn = Exclude<TypedColumn, Utf8Column>;

/**
 * One column of a writeColumns call: its kind of cell and what writing it needs. Every plan has
 * every field (of one class, in one order), so the writer's loop reads them at one shape.
 */
class CellPlan {
  scale = 0;
  indices: Int32Array = NO_INDICES;
  cells: readonly Uint8Array[] = [];
  timestamp: (v: number) => void = nothing;
  encode: (r: number) => void = nothing;

  constructor(
    readonly code: number,
    readonly codec: ColumnCodec,
    readonly numbers: Float64Array,
    readonly valid: Uint8Array | null,
  ) {}
}

/**
 * Bytes that a row's integer, decimal, double and dictionary cells, its delimiters and its newline need
 * at most: the room writeColumns makes once per row for them.
 */
function fixedRowBytes(plans: readonly CellPlan[], delimiterBytes: number): number {
  let bytes = 1 + delimiterBytes * plans.length;
  for (const p of plans) {
    if (p.code === CELL_INTEGER) bytes += SCALED_BYTES;
    else if (p.code === CELL_SCALED) bytes += SCALED_BYTES + p.scale;
    else if (p.code === CELL_FLOAT) bytes += SHORT_DECIMAL_BYTES;
    else if (p.code === CELL_DICTIONARY)
      bytes += p.cells.reduce((most, cell) => Math.max(most, cell.length), 0);
  }
  return bytes;
}

export class CsvWriter extends TextWriter {
  private readonly delimiter: string;
  private readonly withHeader: boolean;
  private readonly quote: string;
  private readonly cell: CsvCellEncoder;
  /** Per column, the last dictionary written and its texts' cell bytes (a row group's batches share one). */
  private readonly dictionaryCells: ({ texts: readonly string[]; cells: Uint8Array[] } | null)[];

  constructor(sink: ByteSink, schema: readonly ColumnSpec[], options: Partial<CsvOptions> = {}) {
    super(sink, schema);
    this.delimiter = options.delimiter ?? ',';
    this.withHeader = options.header ?? true;
    this.quote = options.quote ?? '"';
    this.cell = csvCellEncoder(options);
    this.dictionaryCells = schema.map(() => null);
  }

  protected header(): string {
    return this.withHeader ? `${this.schema.map((c) => this.cell(c.name)).join(this.delimiter)}\n` : '';
  }

  protected row(row: TypedRow): string {
    let out = '';
    for (let i = 0; i < this.codecs.length; i++) {
      if (i > 0) out += this.delimiter;
      const v = row[i];
      if (v !== null && v !== undefined) out += this.cell(this.codecs[i]!.format(v));
    }
    return `${out}\n`;
  }

  protected footer(): string {
    return '';
  }

  async writeColumns(given: readonly TypedColumn[], length: number): Promise<void> {
    // A column of UTF-8 bytes is written as its texts: quoting and escaping are decided on text.
    const columns = given.map((c): TextColumn => (c.kind === 'utf8' ? utf8Strings(c, length) : c));
    if (columns.length !== this.schema.length) {
      throw new FormatError(`${columns.length} columns given; the schema has ${this.schema.length}`);
    }
    if (!this.started) {
      this.started = true;
      this.push(this.header());
    }
    this.settle();
    const plans = columns.map((column, c) => this.cellPlan(column, c));
    const delimiter = utf8.encode(this.delimiter);
    const single = delimiter.length === 1 ? delimiter[0]! : -1;
    const out = this.out;
    const width = plans.length;
    // Room for a whole row of the fixed-width cells (integers, decimals, doubles, dictionary texts), their
    // delimiters and the newline is made once per row; those cells are then written at a local
    // offset. Other cells make their own room, with the offset handed over and back around them.
    // A cell making its own room may use up what was made for the row: room is made again after
    // it (`fixed` bounds the rest of the row too).
    const fixed = fixedRowBytes(plans, delimiter.length);
    for (let r = 0; r < length; r++) {
      out.ensure(fixed);
      let b = out.bytes;
      let n = out.n;
      for (let c = 0; c < width; c++) {
        if (c > 0) {
          if (single >= 0) b[n++] = single;
          else for (let k = 0; k < delimiter.length; k++) b[n++] = delimiter[k]!;
        }
        // The usual cells are written here, each kind by a direct call V8 can inline; a call
        // through a closure per column is a call site of many targets, never inlined.
        const p = plans[c]!;
        const code = p.code;
        if (code === CELL_OTHER) {
          out.n = n;
          p.encode(r);
          out.ensure(fixed);
          b = out.bytes;
          n = out.n;
        } else if (p.valid === null || p.valid[r] === 1) {
          switch (code) {
            case CELL_INTEGER:
              n = scaledInto(b, n, p.numbers[r]!, 0);
              break;
            case CELL_SCALED:
              n = scaledInto(b, n, p.numbers[r]!, p.scale);
              break;
            case CELL_FLOAT: {
              const v = p.numbers[r]!;
              const end = shortDecimalInto(b, n, v);
              if (end >= 0) n = end;
              else {
                out.n = n;
                out.text(p.codec.format(v));
                out.ensure(fixed);
                b = out.bytes;
                n = out.n;
              }
              break;
            }
            case CELL_TIMESTAMP:
              out.n = n;
              p.timestamp(p.numbers[r]!);
              out.ensure(fixed);
              b = out.bytes;
              n = out.n;
              break;
            case CELL_DICTIONARY: {
              const k = p.indices[r]!;
              if (k < 0) break;
              const bytes = p.cells[k]!;
              const len = bytes.length;
              if (len <= 16) for (let j = 0; j < len; j++) b[n + j] = bytes[j]!;
              else b.set(bytes, n);
              n += len;
              break;
            }
          }
        }
      }
      b[n++] = 10;
      out.n = n;
      if (n >= FLUSH_AT) await this.flush();
    }
    this.rows += length;
  }

  /**
   * How writeColumns writes a column: a kind of cell it writes itself (numbers, timestamps and
   * dictionary texts under a dialect whose delimiter and quote they cannot hold), or CELL_OTHER,
   * written by the column's cellEncoder.
   */
  private cellPlan(column: TextColumn, c: number): CellPlan {
    const spec = this.schema[c]!;
    const codec = this.codecs[c]!;
    const plain = !/[0-9A-Za-z.:+\- ]/.test(this.delimiter + this.quote);
    if (plain && column.kind === 'integer') {
      if (spec.type === 'int64' || (spec.type === 'decimal' && (spec.scale ?? 0) === 0))
        return new CellPlan(CELL_INTEGER, codec, column.values, column.valid);
      if (spec.type === 'decimal') {
        const plan = new CellPlan(CELL_SCALED, codec, column.values, column.valid);
        plan.scale = spec.scale ?? 0;
        return plan;
      }
      if (spec.type === 'timestamp') {
        const plan = new CellPlan(CELL_TIMESTAMP, codec, column.values, column.valid);
        plan.timestamp = timestampWriter(this.out, spec, codec);
        return plan;
      }
    }
    if (plain && column.kind === 'float64' && spec.type === 'float64')
      return new CellPlan(CELL_FLOAT, codec, column.values, column.valid);
    if (column.kind === 'dictionary') {
      const plan = new CellPlan(CELL_DICTIONARY, codec, NO_NUMBERS, null);
      plan.indices = column.indices;
      plan.cells = this.dictionaryBytes(column, c);
      return plan;
    }
    const plan = new CellPlan(CELL_OTHER, codec, NO_NUMBERS, null);
    plan.encode = this.cellEncoder(column, c);
    return plan;
  }

  /** Each distinct text of a dictionary column quoted and encoded once (kept while the dictionary is). */
  private dictionaryBytes(column: DictionaryColumn, c: number): Uint8Array[] {
    let cached = this.dictionaryCells[c]!;
    if (cached === null || cached.texts !== column.dictionary) {
      cached = { texts: column.dictionary, cells: column.dictionary.map((t) => utf8.encode(this.cell(t))) };
      this.dictionaryCells[c] = cached;
    }
    return cached.cells;
  }

  /**
   * The delimiter and quote as char codes when both are single ASCII characters (the fast text
   * path compares them per character), else null.
   */
  private plainText(): [number, number] | null {
    const d = this.delimiter;
    const q = this.quote;
    if (d.length !== 1 || q.length !== 1 || d.charCodeAt(0) >= 0x7f || q.charCodeAt(0) >= 0x7f) return null;
    return [d.charCodeAt(0), q.charCodeAt(0)];
  }

  /**
   * Writes row r of a column (nothing for a null) as write() would: the codec's text, quoted where
   * the dialect needs it. Dictionary columns never come here: cellPlan writes them as CELL_DICTIONARY. Numbers, dates and timestamps never hold a quote, newline or space, so
   * they skip the quoting test unless the delimiter or quote is a character they can hold.
   */
  private cellEncoder(column: Exclude<TextColumn, DictionaryColumn>, c: number): (r: number) => void {
    const out = this.out;
    const codec = this.codecs[c]!;
    const spec = this.schema[c]!;
    const cell = this.cell;
    const plain = !/[0-9A-Za-z.:+\- ]/.test(this.delimiter + this.quote);
    switch (column.kind) {
      case 'string': {
        const values = column.values;
        const fast = this.plainText();
        if (fast === null) {
          return (r) => {
            const v = values[r];
            if (v !== null && v !== undefined) out.text(cell(v));
          };
        }
        const [delimiter, quote] = fast;
        return (r) => {
          const v = values[r];
          if (v === null || v === undefined) return;
          // ASCII text with no quote, delimiter or line break, not empty and not starting or
          // ending in a space or control character, needs no quoting: copied as it is checked.
          const len = v.length;
          if (len > 0 && v.charCodeAt(0) > 32 && v.charCodeAt(len - 1) > 32) {
            out.ensure(len);
            const b = out.bytes;
            const start = out.n;
            let i = 0;
            for (; i < len; i++) {
              const ch = v.charCodeAt(i);
              if (ch >= 0x7f || ch === delimiter || ch === quote || ch === 10 || ch === 13) break;
              b[start + i] = ch;
            }
            if (i === len) {
              out.n = start + len;
              return;
            }
          }
          out.text(cell(v));
        };
      }
      case 'values': {
        const values = column.values;
        return (r) => {
          const v = values[r];
          if (v !== null && v !== undefined) out.text(cell(codec.format(v)));
        };
      }
      case 'integer':
      case 'int32': {
        const { values, valid } = column;
        const scale = spec.type === 'decimal' ? (spec.scale ?? 0) : -1;
        if (plain && (spec.type === 'int32' || spec.type === 'int64' || spec.type === 'decimal')) {
          if (scale > 0)
            return (r) => {
              if (valid === null || valid[r] === 1) writeScaled(out, values[r]!, scale);
            };
          return (r) => {
            if (valid === null || valid[r] === 1) writeInteger(out, values[r]!);
          };
        }
        if (plain && spec.type === 'timestamp' && column.kind === 'integer') {
          const timestamp = timestampWriter(out, spec, codec);
          return (r) => {
            if (valid === null || valid[r] === 1) timestamp(values[r]!);
          };
        }
        const exact = spec.type === 'decimal';
        return (r) => {
          if (valid !== null && valid[r] === 0) return;
          const v = values[r]!;
          const text = codec.format(exact ? BigInt(v) : v);
          out.text(plain ? text : cell(text));
        };
      }
      case 'float64':
      case 'boolean': {
        const { values, valid } = column;
        if (plain && column.kind === 'float64' && spec.type === 'float64') {
          const floats = column.values;
          return (r) => {
            if (valid !== null && valid[r] === 0) return;
            const v = floats[r]!;
            if (!writeShortDecimal(out, v)) out.text(codec.format(v));
          };
        }
        const bool = column.kind === 'boolean';
        return (r) => {
          if (valid !== null && valid[r] === 0) return;
          const text = codec.format(bool ? values[r] === 1 : values[r]!);
          out.text(plain ? text : cell(text));
        };
      }
    }
  }
}

function jsonObject(codecs: readonly ColumnCodec[], row: TypedRow): string {
  const parts: string[] = [];
  for (let i = 0; i < codecs.length; i++) {
    const codec = codecs[i]!;
    parts.push(`${JSON.stringify(codec.column.name)}:${JSON.stringify(codec.toJson(row[i] ?? null))}`);
  }
  return `{${parts.join(',')}}`;
}

export class JsonLinesWriter extends TextWriter {
  protected header(): string {
    return '';
  }
  protected row(row: TypedRow): string {
    return `${jsonObject(this.codecs, row)}\n`;
  }
  protected footer(): string {
    return '';
  }
}

export class JsonArrayWriter extends TextWriter {
  protected header(): string {
    return '[';
  }
  protected row(row: TypedRow, index: number): string {
    return `${index === 0 ? '\n' : ',\n'}${jsonObject(this.codecs, row)}`;
  }
  protected footer(): string {
    return '\n]\n';
  }
}
