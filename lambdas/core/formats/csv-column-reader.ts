/**
 * CSV read from bytes straight into column batches: each cell is a byte range of the reader's
 * buffer (a `text` vector) instead of a JS string, and a row is a slot in per-column offset
 * arrays instead of an array, so reading a file allocates per batch, not per cell. Profiles of the
 * row reader showed the garbage collection of per-cell strings dominating.
 *
 * The dialect and every rule are readCsv's, checked at the same points so that the same input,
 * split into the same chunks, yields the same cells and fails with the same error at the same
 * location: a chunk is checked for valid UTF-8 before any of its rows is parsed; row bytes are
 * measured at each line end and at the end of each chunk's complete characters; a field's length
 * is checked where readCsv checks it (after each run of plain characters). Dialect characters are
 * ASCII here, so a byte equal to one of them is that character (UTF-8 never uses bytes below 0x80
 * inside a multi-byte character); a non-ASCII dialect falls back to readCsv.
 *
 * Buffering: chunks are appended to a working buffer (or, from a source that offers a ByteReader,
 * read straight into it, in the chunks its stream would yield); scanning resumes where it stopped,
 * with the state of a field or quote carried over. When the buffer is full, only the bytes of the batch
 * being filled (and the row in progress) are copied to a new one; batches already handed on keep
 * the old buffer, which is never written again below its used length. Memory stays bounded by the
 * batch size and the row limits, as with readCsv.
 *
 * With `reuseBatches` (a consumer that is done with a batch when it asks for the next, such as the
 * validator) the buffer is compacted in place instead, and a batch's offset arrays go back to a
 * pool once the next batch is asked for: after the first batches, reading allocates no memory per
 * batch. The pool holds at most the arrays of the batches one chunk completes, plus one: what the
 * reader without it holds at once too.
 */
import { isUtf8 } from 'node:buffer';

import { readerOf } from './byte-io';
import { ContractError, FormatError, type FormatErrorLocation } from '../errors';
import {
  TEXT_ESCAPED,
  TEXT_NULL,
  TEXT_QUOTED,
  type ColumnBatch,
  type ColumnVector,
  type TextVector,
} from './column-batch';
import {
  CSV_MAX_COLUMNS,
  CSV_MAX_FIELD_LENGTH,
  CSV_MAX_FIELDS_PER_ROW,
  CSV_MAX_ROW_BYTES,
  dialectChar,
  invalidUtf8Offset,
  readCsv,
  type CsvReadOptions,
} from './csv-reader';

const CR = 13;
const LF = 10;
/**
 * Cells the offset arrays of the first batch start with (rows = this over the width); they double
 * up to the batch size as rows come, so a wide header over a few rows allocates little.
 */
const FIRST_CELLS = 64 * 1024;
/** Smallest working buffer, so that tiny chunks do not cause a copy each. */
const MIN_BUFFER = 64 * 1024;
// ignoreBOM keeps a header cell's leading U+FEFF (the file's BOM is skipped before any cell).
const DECODER = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * Bytes at the end of bytes[from, to) that begin a character the next chunk may complete: a lead
 * byte followed by fewer continuation bytes than it needs, all still valid (a fatal streaming
 * decoder holds exactly these back and rejects any other incomplete tail at once).
 */
function heldTail(bytes: Uint8Array, from: number, to: number): number {
  for (let k = 1; k <= 3 && to - k >= from; k++) {
    const b = bytes[to - k]!;
    if ((b & 0xc0) === 0x80) continue;
    const need = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (need <= k) return 0;
    if (k >= 2) {
      const c = bytes[to - k + 1]!;
      if (
        (b === 0xe0 && c < 0xa0) ||
        (b === 0xed && c > 0x9f) ||
        (b === 0xf0 && c < 0x90) ||
        (b === 0xf4 && c > 0x8f)
      )
        return 0;
    }
    return k;
  }
  return 0;
}

/** A dialect's unescape of a cell flagged TEXT_ESCAPED. */
function unescaper(quote: string, escape: string): (text: string) => string {
  if (quote === escape) {
    const doubled = quote + quote;
    return (text) => text.replaceAll(doubled, quote);
  }
  // As the reader does: an escape makes the next quote or escape text; before any other
  // character it is itself text (PostgreSQL's rule), so it stays.
  return (text) => {
    let out = '';
    let from = 0;
    for (let i = text.indexOf(escape); i !== -1 && i + 1 < text.length; i = text.indexOf(escape, i)) {
      const next = text[i + 1];
      if (next === quote || next === escape) {
        out += text.slice(from, i);
        from = i + 1;
        i += 2;
      } else i += 1;
    }
    return from === 0 ? text : out + text.slice(from);
  };
}

interface ColumnOptions {
  readonly delimiter: number;
  readonly quote: number;
  readonly escape: number;
  readonly lenientQuotes: boolean;
  readonly hasHeader: boolean;
  readonly columns: string[] | undefined;
  readonly batchSize: number;
  readonly maxField: number;
  readonly maxColumns: number;
  readonly maxFieldsPerRow: number;
  readonly maxRowBytes: number;
  readonly unescape: (text: string) => string;
  readonly reuse: boolean;
}

/** One batch's offset arrays (see CsvColumnScanner.spare). */
interface OffsetArrays {
  readonly starts: Int32Array[];
  readonly ends: Int32Array[];
  readonly flags: Uint8Array[];
}

/** readCsvColumns' options: readCsv's, and whether the consumer lets batches be overwritten. */
export interface CsvColumnReadOptions extends CsvReadOptions {
  /**
   * A batch is valid only until the next one is asked for: its bytes and offset arrays are then
   * overwritten by later rows. For a consumer that copies out whatever it keeps (the validator:
   * metrics, examples and failed rows hold strings and numbers; the conversion's read-back, which
   * digests each batch before asking for the next); never for one that holds a batch's vectors
   * across batches (the conversion's write side). Default false.
   */
  readonly reuseBatches?: boolean;
}

/**
 * The byte-level parser. State lives in fields so that a field, a quote or a row can span any
 * number of chunks; positions are indexes into `buf`, whose first byte is byte `base` of the input.
 */
class CsvColumnScanner {
  buf = new Uint8Array(0);
  used = 0;
  base = 0;
  /** Bytes before this index are known to be valid UTF-8 (and end on a character boundary). */
  valid = 0;
  pos = 0;

  columns: string[] | undefined;
  ncols = 0;
  fieldCap: number;

  // The field in progress.
  fieldStart = 0;
  /** Where the content of a quoted field ends (its closing quote, or the latest quote seen). */
  contentEnd = 0;
  inQuotes = false;
  quotedField = false;
  afterQuote = false;
  afterEscape = false;
  escaped = false;
  /** Escape pairs in the field, each two bytes for one character. */
  collapsed = 0;
  // Incremental character count of a long field (only fields longer in bytes than the limit).
  countStart = -1;
  countPos = 0;
  countUnits = 0;

  afterCR = false;
  /** 0: the input may start with a BOM; 1: one BOM skipped, a second one is skipped too; 2: done. */
  bom = 0;
  line = 1;
  rowStartLine = 1;
  rowStartAbs = 0;
  nCells = 0;
  rowCount = 0;

  // The batch being filled.
  row = 0;
  capacity = 0;
  firstRow = 1;
  starts: Int32Array[] = [];
  ends: Int32Array[] = [];
  flags: Uint8Array[] = [];
  batchStart = 0;
  lastBatchBytes = 0;
  ready: ColumnBatch[] = [];
  /** With `reuse`: the offset arrays of each batch in `ready`, in the same order. */
  readyArrays: OffsetArrays[] = [];
  /** With `reuse`: full-size offset arrays of batches the consumer is done with. */
  readonly spare: OffsetArrays[] = [];
  yielded = false;

  // Header cells until the header row ends.
  readonly headerStart: number[] = [];
  readonly headerEnd: number[] = [];
  readonly headerFlags: number[] = [];

  /** Byte classes outside quotes: 1 for the delimiter, line ends and the quote, 0 for text. */
  readonly special = new Uint8Array(256);
  /**
   * The highest special byte: most text bytes (digits, letters, multi-byte UTF-8) are above it,
   * and one comparison answers for them, cheaper than the table load.
   */
  readonly highestSpecial: number;

  constructor(readonly o: ColumnOptions) {
    this.columns = o.columns;
    this.fieldCap = o.columns === undefined ? o.maxColumns : o.maxFieldsPerRow;
    this.special[o.delimiter] = 1;
    this.special[o.quote] = 1;
    this.special[LF] = 1;
    this.special[CR] = 1;
    this.highestSpecial = Math.max(o.delimiter, o.quote, CR);
    if (o.columns !== undefined) this.startColumns(o.columns.length, FIRST_CELLS / o.columns.length);
  }

  private startColumns(ncols: number, rows: number): void {
    this.ncols = ncols;
    this.capacity = Math.max(1, Math.min(this.o.batchSize, Math.floor(rows)));
    // Every slot is written before it is read (a row's cells are stored before the row counts), so
    // reused arrays need no clearing.
    const spare = this.capacity === this.o.batchSize ? this.spare.pop() : undefined;
    if (spare !== undefined) {
      this.starts = spare.starts;
      this.ends = spare.ends;
      this.flags = spare.flags;
      return;
    }
    this.starts = [];
    this.ends = [];
    this.flags = [];
    for (let k = 0; k < ncols; k++) {
      this.starts.push(new Int32Array(this.capacity));
      this.ends.push(new Int32Array(this.capacity));
      this.flags.push(new Uint8Array(this.capacity));
    }
  }

  private grow(): void {
    const capacity = Math.min(this.o.batchSize, this.capacity * 2);
    for (let k = 0; k < this.ncols; k++) {
      const s = new Int32Array(capacity);
      s.set(this.starts[k]!);
      this.starts[k] = s;
      const e = new Int32Array(capacity);
      e.set(this.ends[k]!);
      this.ends[k] = e;
      const f = new Uint8Array(capacity);
      f.set(this.flags[k]!);
      this.flags[k] = f;
    }
    this.capacity = capacity;
  }

  /** Where the current row is: its line, data row number (none for the header) and first byte. */
  rowLocation(): FormatErrorLocation {
    return {
      line: this.rowStartLine,
      ...(this.columns !== undefined ? { row: this.rowCount + 1 } : {}),
      byteOffset: this.rowStartAbs,
    };
  }

  rowTooLong(): FormatError {
    return new FormatError(
      `CSV row spans more than ${this.o.maxRowBytes} bytes (maxRowBytes); a quote left open or a missing line end?`,
      this.rowLocation(),
    );
  }

  /** Adds a chunk: checks its UTF-8 (with any character begun in the previous one) and parses it. */
  push(chunk: Uint8Array): void {
    this.reserve(chunk.byteLength);
    this.buf.set(chunk, this.used);
    this.used += chunk.byteLength;
    this.parseNew();
  }

  /**
   * Room for `n` more bytes at the end of the buffer, for a ByteReader to read into; `pushed` then
   * takes what it read, as `push` takes a chunk.
   */
  room(n: number): Uint8Array {
    this.reserve(n);
    return this.buf.subarray(this.used, this.used + n);
  }

  /** Takes `n` bytes read into `room`: they are checked and parsed as a chunk of that length. */
  pushed(n: number): void {
    this.used += n;
    this.parseNew();
  }

  private parseNew(): void {
    const held = heldTail(this.buf, this.valid, this.used);
    const end = this.used - held;
    if (end > this.valid) {
      const text = this.buf.subarray(this.valid, end);
      if (!isUtf8(text))
        throw new FormatError('CSV is not valid UTF-8', {
          byteOffset: this.base + this.valid + invalidUtf8Offset(text),
        });
      this.valid = end;
    }
    this.scan(end);
  }

  /** After the last chunk: the checks readCsv makes at the end of its input. */
  finish(): void {
    if (this.valid < this.used)
      throw new FormatError('CSV ends inside a UTF-8 character', { byteOffset: this.base + this.used });
    this.scan(this.used);
    if (this.inQuotes && !this.afterQuote)
      throw new FormatError('CSV ends inside a quoted field (unterminated quote)', {
        line: this.rowStartLine,
      });
    if (this.pos > this.fieldStart || this.quotedField || this.nCells > 0) {
      this.endField(this.pos);
      this.endRow(this.pos);
    }
    if (this.columns === undefined) throw new FormatError('CSV is empty: no header row', { byteOffset: 0 });
  }

  /**
   * The consumer asked for the batch after the oldest one handed on (with `reuse`): that batch's
   * offset arrays may take later rows. Only full-size ones are kept, so each array in the pool is
   * one batch's.
   */
  private release(): void {
    const arrays = this.readyArrays.shift();
    if (arrays !== undefined && arrays.starts[0]?.length === this.o.batchSize) this.spare.push(arrays);
  }

  /**
   * Hands on the completed batches, oldest first; each is released when the consumer asks for the
   * one after it.
   */
  *handOn(): Generator<ColumnBatch> {
    while (this.ready.length > 0) {
      this.yielded = true;
      yield this.ready.shift()!;
      this.release();
    }
  }

  /** The batch still being filled, if it holds rows or no batch has been handed on. */
  last(): ColumnBatch | undefined {
    return this.row > 0 || !this.yielded ? this.batch() : undefined;
  }

  /**
   * Makes room for `n` bytes after `used`, and one more: plainRows' stop byte (see plainRun).
   * Bytes from `used` on belong to no batch (handed-on batches hold the buffer only below it), so
   * they may be written in place.
   */
  private reserve(n: number): void {
    if (this.used + n >= this.buf.byteLength) {
      // Keep only the batch being filled (its first row onward); earlier bytes belong to batches
      // already handed on, which hold the old buffer.
      const keep = this.batchStart;
      const carried = this.used - keep;
      if (this.o.reuse && carried + n < this.buf.byteLength) {
        // Every batch handed on is done with (a chunk is read only when the next batch is asked
        // for, and none is waiting): its bytes are overwritten.
        this.buf.copyWithin(0, keep, this.used);
        this.shift(keep);
        return;
      }
      const size = Math.max(
        MIN_BUFFER,
        2 * (carried + n),
        this.lastBatchBytes + (this.lastBatchBytes >> 2) + n,
      );
      const next = new Uint8Array(size);
      next.set(this.buf.subarray(keep, this.used));
      this.buf = next;
      this.shift(keep);
    }
  }

  /** Moves every position the parser holds `by` bytes down (the buffer was compacted). */
  private shift(by: number): void {
    if (by === 0) return;
    this.base += by;
    this.used -= by;
    this.valid -= by;
    this.pos -= by;
    this.fieldStart -= by;
    this.contentEnd -= by;
    this.batchStart -= by;
    if (this.countStart >= 0) {
      this.countStart -= by;
      this.countPos -= by;
    }
    for (let k = 0; k < this.headerStart.length; k++) {
      this.headerStart[k]! -= by;
      this.headerEnd[k]! -= by;
    }
    const rows = this.row;
    const partial = Math.min(this.nCells, this.ncols);
    for (let k = 0; k < this.ncols; k++) {
      const s = this.starts[k]!;
      const e = this.ends[k]!;
      const upTo = k < partial ? rows + 1 : rows;
      for (let r = 0; r < upTo; r++) {
        s[r]! -= by;
        e[r]! -= by;
      }
    }
  }

  /** Characters (UTF-16 units) of the field's content up to `end`, as readCsv's string would hold. */
  private fieldLength(end: number): number {
    const bytes = end - this.fieldStart - this.collapsed;
    // A character takes at least one byte per UTF-16 unit: a field no longer in bytes is short enough.
    if (bytes <= this.o.maxField) return bytes;
    if (this.countStart !== this.fieldStart) {
      this.countStart = this.fieldStart;
      this.countPos = this.fieldStart;
      this.countUnits = 0;
    }
    const buf = this.buf;
    let units = this.countUnits;
    for (let i = this.countPos; i < end; i++) {
      const b = buf[i]!;
      if ((b & 0xc0) !== 0x80) units++;
      if (b >= 0xf0) units++; // four bytes: a surrogate pair
    }
    this.countUnits = units;
    this.countPos = end;
    return units - this.collapsed;
  }

  private tooLong(line: number): FormatError {
    return new FormatError(`CSV field longer than ${this.o.maxField} characters`, { line });
  }

  private endField(end: number): void {
    const n = this.nCells;
    if (n >= this.fieldCap) {
      throw new FormatError(
        this.columns === undefined
          ? `CSV header has more than ${this.o.maxColumns} columns (maxColumns)`
          : `CSV row has more than ${this.o.maxFieldsPerRow} fields (maxFieldsPerRow)`,
        this.rowLocation(),
      );
    }
    const start = this.fieldStart;
    let flag: number;
    if (this.quotedField) {
      end = this.contentEnd;
      flag = this.escaped ? TEXT_QUOTED | TEXT_ESCAPED : TEXT_QUOTED;
    } else {
      flag = end === start ? TEXT_NULL : 0;
    }
    if (this.columns === undefined) {
      this.headerStart.push(start);
      this.headerEnd.push(end);
      this.headerFlags.push(flag);
    } else if (n < this.ncols) {
      const r = this.row;
      this.starts[n]![r] = start;
      this.ends[n]![r] = end;
      this.flags[n]![r] = flag;
    }
    this.nCells = n + 1;
    this.quotedField = false;
    this.escaped = false;
    this.collapsed = 0;
  }

  /** Ends the row whose last field ends at `end`. */
  private endRow(end: number): void {
    const o = this.o;
    if (this.columns === undefined) {
      const columns: string[] = [];
      for (let k = 0; k < this.nCells; k++) {
        const f = this.headerFlags[k]!;
        const s = this.headerStart[k]!;
        const e = this.headerEnd[k]!;
        const text = (f & TEXT_NULL) !== 0 || s === e ? '' : DECODER.decode(this.buf.subarray(s, e));
        columns.push((f & TEXT_ESCAPED) !== 0 ? o.unescape(text) : text);
      }
      this.headerStart.length = 0;
      this.headerEnd.length = 0;
      this.headerFlags.length = 0;
      this.columns = columns;
      this.fieldCap = o.maxFieldsPerRow;
      if (columns.length === 1 && columns[0] === '')
        throw new FormatError('CSV header row is empty', { line: this.rowStartLine });
      // A Set keeps the duplicate check linear in the header's width.
      const seen = new Set<string>();
      for (const c of columns) {
        if (seen.has(c))
          throw new FormatError(`CSV header names column '${c}' twice`, { line: this.rowStartLine });
        seen.add(c);
      }
      this.startColumns(columns.length, FIRST_CELLS / columns.length);
    } else if (this.nCells === 1 && this.ncols > 1 && (this.flags[0]![this.row]! & TEXT_NULL) !== 0) {
      // A blank line carries no data (common at the end of files).
    } else {
      if (this.nCells !== this.ncols) {
        throw new FormatError(
          `CSV row has ${this.nCells} fields; ${o.hasHeader ? 'the header has' : 'the schema names'} ${this.ncols}`,
          { line: this.rowStartLine },
        );
      }
      this.addRow(end);
    }
    this.nCells = 0;
  }

  /** Counts the row just filled in; hands the batch on when full, or makes room for the next row. */
  private addRow(end: number): void {
    this.row++;
    this.rowCount++;
    if (this.row >= this.o.batchSize) {
      this.ready.push(this.batch());
      this.lastBatchBytes = end - this.batchStart;
      this.firstRow = this.rowCount + 1;
      this.startColumns(this.ncols, this.capacity);
    } else if (this.row === this.capacity) this.grow();
  }

  /**
   * Reads rows from `p`, a row start, while they are plain: as many fields as columns, each
   * unquoted without a quote or quoted without an escape or a line feed, within the limits, the
   * row ended by a line end before `limit`. Returns where it stopped: the start of
   * the first row it left to the general parser (which then reports any error the row holds, or
   * carries it to the next chunk), or the start of the next row once the batch's arrays are full.
   * Most rows of most files are plain; this loop keeps its state in locals, where the general
   * parser must keep it in fields to resume mid-field.
   *
   * Every way out of the loop leads straight to the `return`, and the rare steps (a full batch, the
   * parser's fields after the run) are the caller's (plainRun): V8 compiles this loop on stack
   * while the first call is still in it, before any exit ran, and code after the loop with no type
   * feedback then deoptimized at every later call's exit (an exit outside the compiled loop does
   * not discard that code, so each call entered it again).
   *
   * `buf[limit]` must be a line feed (plainRun puts one there): the field loops stop on it.
   */
  private plainRows(p: number, limit: number): number {
    const o = this.o;
    const buf = this.buf;
    const special = this.special;
    const high = this.highestSpecial;
    const delimiter = o.delimiter;
    const quote = o.quote;
    const escape = o.escape;
    const last = this.ncols - 1;
    const maxField = o.maxField;
    const maxRowBytes = o.maxRowBytes;
    const starts = this.starts;
    const ends = this.ends;
    const flags = this.flags;
    const capacity = this.capacity;
    // Where the row's bytes start: `p`, except for a first row after a second BOM.
    let rowStart = this.rowStartAbs - this.base;
    let row = this.row;
    rows: for (;;) {
      let k = 0;
      let s = p;
      let j = p;
      let c = 0;
      for (;;) {
        let e: number;
        let flag: number;
        if (j < limit && buf[j] === quote) {
          // A quoted field without escapes or line feeds (those the general parser reads).
          // Stops at `limit` at the latest, on the line feed plainRun put there.
          let q = j + 1;
          for (; ; q++) {
            const b = buf[q]!;
            if (b === quote || b === escape || b === LF) break;
          }
          if (q + 1 >= limit || buf[q] !== quote || q - j - 1 > maxField) break rows;
          s = j + 1;
          e = q;
          flag = TEXT_QUOTED;
          j = q + 1;
          c = buf[j]!;
          if (c !== delimiter && c !== LF && c !== CR) break rows;
        } else {
          // Stops at `limit` at the latest, as above.
          for (; ; j++) {
            const b = buf[j]!;
            if (b <= high && special[b] !== 0) break;
          }
          if (j >= limit || j - s > maxField) break rows;
          c = buf[j]!;
          if (c === quote) break rows;
          e = j;
          flag = j === s ? TEXT_NULL : 0;
        }
        if (c !== delimiter) {
          // A row narrower than the header (or blank) or a long row: the general parser's.
          if (k !== last || j - rowStart > maxRowBytes) break rows;
          starts[k]![row] = s;
          ends[k]![row] = e;
          flags[k]![row] = flag;
          break;
        }
        if (k === last) break rows;
        starts[k]![row] = s;
        ends[k]![row] = e;
        flags[k]![row] = flag;
        k++;
        s = ++j;
      }
      let next = j + 1;
      // A CR at the end of the bytes so far: the caller sees it (the byte before the returned
      // position) and skips an LF that starts the next chunk.
      if (c === CR && next < limit && buf[next] === LF) next++;
      this.row = ++row;
      this.rowCount++;
      p = next;
      rowStart = next;
      if (row === capacity || next >= limit) break;
    }
    return p;
  }

  /**
   * plainRows from `p` and what follows it: the parser's position fields where the general
   * parser takes over, and a full batch's arrays handed on or grown. Returns where it stopped.
   */
  private plainRun(p: number, limit: number): number {
    // A header wider than maxFieldsPerRow: every full row is an error, the general parser's.
    if (this.ncols - 1 >= this.o.maxFieldsPerRow) return p;
    // A line feed just past the bytes to parse stops plainRows' field loops there, so they need no
    // bounds check per byte. That byte is beyond every batch's cells (a held UTF-8 tail or unused
    // room, always present: reserve keeps a byte spare) and is restored at once.
    const buf = this.buf;
    if (limit >= buf.byteLength) return p;
    const held = buf[limit]!;
    buf[limit] = LF;
    const rowsBefore = this.rowCount;
    let q: number;
    try {
      q = this.plainRows(p, limit);
    } finally {
      buf[limit] = held;
    }
    if (q === p) return p;
    // Where the general parser takes over: the start of a row, as after any line end. (The
    // first row is left as it was: after a second BOM it starts before `p`.) Each plain row is
    // one line.
    this.line += this.rowCount - rowsBefore;
    this.rowStartLine = this.line;
    this.rowStartAbs = this.base + q;
    this.fieldStart = q;
    this.afterCR = q === limit && this.buf[q - 1] === CR;
    if (this.row === this.capacity) {
      // The row just read filled the arrays: the batch is handed on when full (its bytes end where
      // the next row starts, near enough for sizing the buffer), else the arrays grow.
      if (this.row >= this.o.batchSize) {
        this.ready.push(this.batch());
        this.lastBatchBytes = q - this.batchStart;
        this.firstRow = this.rowCount + 1;
        this.startColumns(this.ncols, this.capacity);
        this.batchStart = q;
      } else this.grow();
    }
    return q;
  }

  private batch(): ColumnBatch {
    const n = this.row;
    const vectors: ColumnVector[] = [];
    for (let k = 0; k < this.ncols; k++) {
      const v: TextVector = {
        kind: 'text',
        bytes: this.buf,
        start: n === this.capacity ? this.starts[k]! : this.starts[k]!.subarray(0, n),
        end: n === this.capacity ? this.ends[k]! : this.ends[k]!.subarray(0, n),
        flags: n === this.capacity ? this.flags[k]! : this.flags[k]!.subarray(0, n),
        unescape: this.o.unescape,
      };
      vectors.push(v);
    }
    if (this.o.reuse) this.readyArrays.push({ starts: this.starts, ends: this.ends, flags: this.flags });
    this.row = 0;
    return { columns: this.columns ?? [], vectors, length: n, firstRow: this.firstRow };
  }

  /** Ends the row whose line end is at `at`; the next row starts at `next`. */
  private endLine(at: number, next: number): void {
    if (this.base + at - this.rowStartAbs > this.o.maxRowBytes) throw this.rowTooLong();
    this.endField(at);
    this.endRow(at);
    this.line++;
    this.rowStartLine = this.line;
    this.rowStartAbs = this.base + next;
    this.fieldStart = next;
    if (this.row === 0) this.batchStart = next;
  }

  /** Parses bytes [pos, limit), all complete and valid characters. */
  private scan(limit: number): void {
    const buf = this.buf;
    const o = this.o;
    const delimiter = o.delimiter;
    const QUOTE = o.quote;
    const ESCAPE = o.escape;
    const doubled = QUOTE === ESCAPE;
    const special = this.special;
    const high = this.highestSpecial;
    const maxField = o.maxField;
    let p = this.pos;
    while (this.bom < 2 && p < limit) {
      // The decoder drops a BOM at the start of the input and readCsv a second one after it; the
      // first row starts after the first (its bytes, and a second BOM, count toward the row).
      if (buf[p] === 0xef && buf[p + 1] === 0xbb && buf[p + 2] === 0xbf) {
        p += 3;
        if (this.bom === 0) this.rowStartAbs = this.base + p;
        this.fieldStart = p;
        this.bom++;
      } else this.bom = 2;
    }
    let plainFailedAt = -1;
    while (p < limit) {
      if (
        p === this.fieldStart &&
        this.nCells === 0 &&
        !this.inQuotes &&
        !this.quotedField &&
        !this.afterCR &&
        this.columns !== undefined &&
        p !== plainFailedAt
      ) {
        const q = this.plainRun(p, limit);
        if (q === p) plainFailedAt = p;
        p = q;
        continue;
      }
      if (this.inQuotes) {
        if (this.afterQuote) {
          this.afterQuote = false;
          if (buf[p] === QUOTE) {
            this.escaped = true;
            this.collapsed++;
            p++;
            continue;
          }
          this.inQuotes = false; // that quote closed the field; the byte is read outside quotes
          continue;
        }
        if (this.afterEscape) {
          this.afterEscape = false;
          const e = buf[p];
          if (e === QUOTE || e === ESCAPE) {
            this.escaped = true;
            this.collapsed++;
            p++;
          }
          // Before any other character the escape is text, kept as is (PostgreSQL's rule).
          continue;
        }
        let j = p;
        let b = 0;
        let lines = 0;
        while (j < limit) {
          b = buf[j]!;
          if (b === QUOTE || b === ESCAPE) break;
          if (b === LF) lines++;
          j++;
        }
        this.line += lines;
        if (j < limit) {
          if (b === QUOTE) {
            this.contentEnd = j;
            if (doubled) this.afterQuote = true;
            else this.inQuotes = false; // with a distinct escape, a bare quote always closes the field
          } else this.afterEscape = true;
          p = j + 1;
        } else p = limit;
        if (j - this.fieldStart - this.collapsed > maxField && this.fieldLength(j) > maxField)
          throw this.tooLong(this.rowStartLine);
        continue;
      }
      const c = buf[p]!;
      if (this.afterCR) {
        this.afterCR = false;
        if (c === LF) {
          p++;
          this.rowStartAbs = this.base + p;
          this.fieldStart = p;
          if (this.row === 0) this.batchStart = p;
          continue;
        }
      }
      if (c === delimiter) {
        this.endField(p);
        p++;
        this.fieldStart = p;
      } else if (c === LF) {
        this.endLine(p, p + 1);
        p++;
      } else if (c === CR) {
        // A lone CR ends a row as CR LF does (see readCsv).
        this.endLine(p, p + 1);
        this.afterCR = true;
        p++;
      } else if (c === QUOTE) {
        if (this.quotedField)
          throw new FormatError('CSV quote after a closing quote; expected a delimiter or line end', {
            line: this.line,
          });
        if (p > this.fieldStart) {
          if (!o.lenientQuotes)
            throw new FormatError(
              'CSV quote inside an unquoted field; if the data has bare quotes (5" screen), set ' +
                'lenient_quotes: true in the csv block of the contract to read them as text',
              { line: this.line },
            );
          p++;
        } else {
          this.inQuotes = true;
          this.quotedField = true;
          p++;
          this.fieldStart = p;
          this.contentEnd = p;
        }
      } else {
        if (this.quotedField)
          throw new FormatError('CSV text after a closing quote; expected a delimiter or line end', {
            line: this.line,
          });
        let j = p + 1;
        for (; j < limit; j++) {
          const b = buf[j]!;
          if (b <= high && special[b] !== 0) break;
        }
        p = j;
        if (j - this.fieldStart > maxField && this.fieldLength(j) > maxField) throw this.tooLong(this.line);
      }
    }
    this.pos = p;
    // The row still open at the end of the complete characters: stop it here if it already spans
    // more than the limit (its fields are never completed otherwise).
    if (this.base + limit - this.rowStartAbs > o.maxRowBytes) throw this.rowTooLong();
  }
}

/** readCsv's batches as column batches of raw cells, for a dialect this reader does not scan. */
async function* cellBatches(
  source: AsyncIterable<Uint8Array>,
  options: CsvReadOptions,
): AsyncGenerator<ColumnBatch> {
  for await (const batch of readCsv(source, options)) {
    const vectors: ColumnVector[] = batch.columns.map((_, k) => ({
      kind: 'cells',
      values: batch.rows.map((row) => row[k] ?? null),
    }));
    yield { columns: batch.columns, vectors, length: batch.rows.length, firstRow: batch.firstRow };
  }
}

/**
 * Reads CSV into column batches of `text` vectors: the same dialect, rows, errors and batches as
 * readCsv (see its options), without a JS string per cell or an array per row.
 */
export async function* readCsvColumns(
  source: AsyncIterable<Uint8Array>,
  options: CsvColumnReadOptions = {},
): AsyncGenerator<ColumnBatch> {
  const delimiterText = options.delimiter ?? ',';
  const quoteText = options.quote ?? '"';
  const escapeText = options.escape ?? quoteText;
  const delimiter = dialectChar(delimiterText, 'delimiter');
  const quote = dialectChar(quoteText, 'quote');
  const escape = dialectChar(escapeText, 'escape');
  if (quote === delimiter)
    throw new ContractError(`CSV delimiter and quote are the same character (${JSON.stringify(quoteText)})`);
  if (escape === delimiter)
    throw new ContractError(
      `CSV delimiter and escape are the same character (${JSON.stringify(escapeText)})`,
    );
  if (delimiter >= 0x80 || quote >= 0x80 || escape >= 0x80) {
    yield* cellBatches(source, options);
    return;
  }
  const hasHeader = options.header ?? true;
  const maxColumns = options.maxColumns ?? CSV_MAX_COLUMNS;
  const columns = hasHeader ? undefined : [...(options.columns ?? [])];
  if (columns !== undefined && columns.length === 0)
    throw new FormatError('CSV without a header needs the column names (from the contract schema)');
  if (columns !== undefined && columns.length > maxColumns)
    throw new FormatError(
      `CSV schema names ${columns.length} columns, more than the ${maxColumns} allowed (maxColumns)`,
    );
  const scanner = new CsvColumnScanner({
    delimiter,
    quote,
    escape,
    lenientQuotes: options.lenientQuotes ?? false,
    hasHeader,
    columns,
    batchSize: Math.max(1, options.batchSize ?? 10_000),
    maxField: options.maxFieldLength ?? CSV_MAX_FIELD_LENGTH,
    maxColumns,
    maxFieldsPerRow: options.maxFieldsPerRow ?? CSV_MAX_FIELDS_PER_ROW,
    maxRowBytes: options.maxRowBytes ?? CSV_MAX_ROW_BYTES,
    unescape: unescaper(quoteText, escapeText),
    reuse: options.reuseBatches ?? false,
  });
  const reader = readerOf(source);
  if (reader !== undefined) {
    // Read straight into the scanner's buffer, in chunks as the source's stream would yield them.
    try {
      for (;;) {
        const n = await reader.read(scanner.room(reader.chunkSize));
        if (n === 0) break;
        scanner.pushed(n);
        yield* scanner.handOn();
      }
    } finally {
      await reader.close();
    }
  } else {
    for await (const chunk of source) {
      scanner.push(chunk);
      // Batches completed in a chunk are handed on once the whole chunk parsed, as readCsv does.
      yield* scanner.handOn();
    }
  }
  scanner.finish();
  yield* scanner.handOn();
  const last = scanner.last();
  if (last !== undefined) yield last;
}
