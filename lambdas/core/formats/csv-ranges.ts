/**
 * Splits one CSV object into byte ranges whose boundaries are record starts, so that separate
 * readers can each take a range (the header prepended) and together read exactly the rows one
 * reader would. A line end inside a quoted field is not a record boundary, and from the middle of
 * a file nothing says whether a position is inside quotes; so a tentative split point is resolved
 * by reading a window after it under both hypotheses — the line end just before the candidate
 * ended a record, or it was text inside a quoted field — and a boundary is accepted only when
 * exactly one of them parses consistently: the rows that follow have the header's field count and
 * no quote errors. When neither or both do, the window is widened, and past the widest window the
 * split is given up: the plan then has fewer ranges, never a wrong one.
 *
 * On a valid file the true hypothesis always parses consistently, so an accepted boundary is a
 * real one. A file with errors can mislead the heuristic; a reader of the range before such a
 * boundary then ends inside a quoted field, which it reports, so a caller that reads every range
 * and falls back to one pass on any error never returns rows from a wrong split.
 */
import type { ByteSource } from './byte-io';
import { CSV_MAX_ROW_BYTES, type CsvReadOptions } from './csv-reader';

/** Bytes [start, end) of the object: whole records, header excluded. */
export interface CsvRange {
  readonly start: number;
  readonly end: number;
}

export interface CsvRangePlan {
  /** The header record with its line end is bytes [0, headerEnd); 0 for a file without a header. */
  readonly headerEnd: number;
  /** Fields of the header (or the schema's columns without one). */
  readonly columns: number;
  /** Consecutive ranges covering [headerEnd, size), in file order; at least one. */
  readonly ranges: readonly CsvRange[];
}

export interface CsvRangeOptions extends Pick<
  CsvReadOptions,
  'delimiter' | 'quote' | 'escape' | 'lenientQuotes' | 'header' | 'columns'
> {
  /** A range smaller than this is not worth a reader of its own (default 1 MiB). */
  readonly minRangeBytes?: number;
  /** Complete rows that must parse consistently after a boundary (default 16). */
  readonly checkRows?: number;
  /** First window read after a tentative split point (default 64 KiB); doubled as needed. */
  readonly window?: number;
  /**
   * The reader's row limit: a hypothesis that puts more bytes than this in one row is
   * inconsistent, which settles a window without any quote (default CSV_MAX_ROW_BYTES). The widest
   * window read is one byte more than this.
   */
  readonly maxRowBytes?: number;
}

const LF = 10;
const CR = 13;

interface Dialect {
  readonly delimiter: number;
  readonly quote: number;
  readonly escape: number;
  readonly doubled: boolean;
  readonly lenient: boolean;
}

function dialectOf(options: CsvRangeOptions): Dialect {
  const quote = (options.quote ?? '"').charCodeAt(0);
  const escape = (options.escape ?? options.quote ?? '"').charCodeAt(0);
  return {
    delimiter: (options.delimiter ?? ',').charCodeAt(0),
    quote,
    escape,
    doubled: escape === quote,
    lenient: options.lenientQuotes ?? false,
  };
}

/** How one hypothesis fared over a window. */
type Outcome =
  /** Parses consistently; the first record after the window's start begins at text index `boundary`. */
  | { readonly kind: 'ok'; readonly boundary: number; readonly fields: number }
  /** A row with the wrong field count or a quote error. */
  | { readonly kind: 'bad' }
  /** The window ended before enough rows were seen; `partialFrom` is where the open row began (-1: before the window). */
  | { readonly kind: 'short'; readonly partialFrom: number };

/**
 * Walks `text` (the window) from index 0 the way readCsv walks a file. `inQuotes` is the state
 * at index 0. The first row is not checked when it began before the window (`counted` false);
 * its end is the boundary. Then `want` complete rows must have `columns` fields each (a blank
 * line stands for no row, as readCsv skips it, unless the table has one column). With `columns`
 * undefined the first row is the header: its end and field count are returned.
 */
function scan(
  text: string,
  inQuotesAtStart: boolean,
  counted: boolean,
  columns: number | undefined,
  want: number,
  atEof: boolean,
  d: Dialect,
): Outcome {
  const n = text.length;
  let inQuotes = inQuotesAtStart;
  let afterQuote = false;
  let afterEscape = false;
  let quotedField = false;
  let fieldText = false; // the current unquoted field holds text
  let nFields = 0;
  let rows = 0;
  let boundary = counted ? 0 : -1;
  let rowStart = counted ? 0 : -1;
  let i = 0;
  // A BOM opens the object, and readCsv skips it: only the header's window starts there.
  if (columns === undefined && n > 0 && text.charCodeAt(0) === 0xfeff) i = 1;

  /** Ends the current row; false when it is inconsistent. */
  const endRow = (): boolean => {
    nFields++;
    const blank = nFields === 1 && !fieldText && !quotedField;
    if (boundary >= 0 && columns !== undefined) {
      if (!(nFields === columns || (blank && columns > 1))) return false;
      if (!(blank && columns > 1)) rows++;
    }
    return true;
  };

  while (i < n) {
    const c = text.charCodeAt(i);
    if (inQuotes) {
      if (afterQuote) {
        afterQuote = false;
        if (c === d.quote) {
          i++;
          continue;
        }
        inQuotes = false;
        continue; // the quote closed the field: this character is read outside quotes
      }
      if (afterEscape) {
        afterEscape = false;
        if (c === d.quote || c === d.escape) i++;
        continue;
      }
      if (c === d.quote) {
        if (d.doubled) afterQuote = true;
        else inQuotes = false;
      } else if (!d.doubled && c === d.escape) afterEscape = true;
      i++;
      continue;
    }
    if (c === d.delimiter) {
      nFields++;
      fieldText = false;
      quotedField = false;
      if (columns !== undefined && boundary >= 0 && nFields >= columns) return { kind: 'bad' };
    } else if (c === LF || c === CR) {
      // CR LF is one line end; a lone CR is one too (as readCsv reads it). Whether a CR is
      // followed by an LF must be seen before the next record's start is known.
      let next = i + 1;
      if (c === CR) {
        if (next >= n && !atEof) break;
        if (next < n && text.charCodeAt(next) === LF) next++;
      }
      const fields = nFields + 1;
      if (!endRow()) return { kind: 'bad' };
      if (columns === undefined) return { kind: 'ok', boundary: next, fields };
      if (boundary < 0) boundary = next;
      rowStart = next;
      nFields = 0;
      fieldText = false;
      quotedField = false;
      if (rows >= want) return { kind: 'ok', boundary, fields: columns };
      i = next;
      continue;
    } else if (c === d.quote) {
      if (quotedField) return { kind: 'bad' };
      if (fieldText) {
        if (!d.lenient) return { kind: 'bad' };
      } else {
        inQuotes = true;
        quotedField = true;
      }
    } else {
      if (quotedField) return { kind: 'bad' };
      fieldText = true;
    }
    i++;
  }
  if (!atEof || i < n) return { kind: 'short', partialFrom: rowStart };
  // The end of the object: as readCsv ends it.
  if (inQuotes && !afterQuote) return { kind: 'bad' };
  if (fieldText || quotedField || nFields > 0) {
    const fields = nFields + 1;
    if (!endRow()) return { kind: 'bad' };
    if (columns === undefined) return { kind: 'ok', boundary: n, fields };
  }
  if (columns === undefined) return { kind: 'bad' };
  return { kind: 'ok', boundary: boundary < 0 ? n : boundary, fields: columns };
}

const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** Byte length of text[0, index) of a window decoded from UTF-8. */
function bytesOf(text: string, index: number): number {
  return Buffer.byteLength(text.slice(0, index), 'utf8');
}

/** Whether bytes[offset] starts a line: after an LF, or after a CR that no LF follows. */
function followsLineEnd(bytes: Uint8Array, offset: number): boolean {
  const before = bytes[offset - 1];
  return before === LF || (before === CR && bytes[offset] !== LF && offset < bytes.byteLength);
}

interface Header {
  readonly end: number;
  readonly columns: number;
}

async function readHeader(
  source: ByteSource,
  size: number,
  options: CsvRangeOptions,
  d: Dialect,
): Promise<Header | undefined> {
  if (options.header === false) return { end: 0, columns: options.columns?.length ?? 0 };
  const maxRowBytes = options.maxRowBytes ?? CSV_MAX_ROW_BYTES;
  for (let window = options.window ?? 64 * 1024; ; window *= 2) {
    const bytes = await source.readRange(0, Math.min(size, window));
    const atEof = bytes.byteLength >= size;
    const text = decoder.decode(bytes);
    const r = scan(text, false, false, undefined, 0, atEof, d);
    // The header must end with a line end before the object does: a file that is only a header has no rows to split.
    if (r.kind === 'ok') {
      const end = bytesOf(text, r.boundary);
      return end < size && followsLineEnd(bytes, end) ? { end, columns: r.fields } : undefined;
    }
    if (r.kind === 'bad' || atEof || window > maxRowBytes) return undefined;
  }
}

/**
 * The first record start at or after byte `at`, with the row checks above; undefined when it
 * cannot be settled (the caller then does not split there).
 */
async function resolveBoundary(
  source: ByteSource,
  size: number,
  at: number,
  columns: number,
  headerEndsWithCR: boolean,
  options: CsvRangeOptions,
  d: Dialect,
): Promise<number | undefined> {
  const want = Math.max(1, options.checkRows ?? 16);
  const maxRowBytes = options.maxRowBytes ?? CSV_MAX_ROW_BYTES;
  const widest = maxRowBytes + 1;
  // The candidate: just after the first LF at or after `at` (an LF byte never occurs inside a
  // multi-byte UTF-8 character, so the candidate is a character boundary).
  let candidate = -1;
  for (let window = options.window ?? 64 * 1024; ; window *= 2) {
    const bytes = await source.readRange(at, Math.min(size, at + window));
    const lf = bytes.indexOf(LF);
    if (lf >= 0) {
      candidate = at + lf + 1;
      break;
    }
    if (at + bytes.byteLength >= size || window > widest) return undefined;
  }
  if (candidate >= size) return undefined;
  for (let window = options.window ?? 64 * 1024; ; window *= 2) {
    const bytes = await source.readRange(candidate, Math.min(size, candidate + window));
    const atEof = candidate + bytes.byteLength >= size;
    const text = decoder.decode(bytes);
    const outside = scan(text, false, true, columns, want, atEof, d);
    let inside = scan(text, true, false, columns, want, atEof, d);
    // Inside quotes, a row open across the whole widest window is longer than the reader accepts.
    if (inside.kind === 'short' && inside.partialFrom < 0 && bytes.byteLength > maxRowBytes)
      inside = { kind: 'bad' };
    // A header ending in a lone CR, prepended to a range that starts with an LF, would read as
    // one CR LF line end and lose the range's first (blank) line: no range may start so.
    const seamless = (offset: number): boolean =>
      !headerEndsWithCR || (offset < bytes.byteLength && bytes[offset] !== LF);
    if (outside.kind === 'ok' && inside.kind === 'bad') return seamless(0) ? candidate : undefined;
    if (inside.kind === 'ok' && outside.kind === 'bad') {
      const offset = bytesOf(text, inside.boundary);
      // Text offsets map to bytes only where the window decoded without replacement characters:
      // the boundary must sit right after a line end in the bytes themselves.
      return followsLineEnd(bytes, offset) && seamless(offset) ? candidate + offset : undefined;
    }
    // Both consistent (ambiguous), both inconsistent (the file has errors here), or not enough seen.
    const undecided = outside.kind === 'short' || inside.kind === 'short';
    if (!undecided || atEof || bytes.byteLength >= widest) return undefined;
  }
}

/**
 * Plans up to `count` ranges of about equal size. Fewer when the object is small (under
 * minRangeBytes a range) or a split point cannot be settled.
 */
export async function planCsvRanges(
  source: ByteSource,
  count: number,
  options: CsvRangeOptions = {},
): Promise<CsvRangePlan> {
  const size = await source.size();
  const d = dialectOf(options);
  const header = await readHeader(source, size, options, d);
  if (!header) return { headerEnd: 0, columns: 0, ranges: [{ start: 0, end: size }] };
  const body = size - header.end;
  const headerEndsWithCR = header.end > 0 && (await source.readRange(header.end - 1, header.end))[0] === CR;
  const minRange = Math.max(1, options.minRangeBytes ?? 1024 * 1024);
  const n = Math.max(1, Math.min(Math.floor(count), Math.floor(body / minRange)));
  const cuts: number[] = [];
  for (let k = 1; k < n; k++) {
    const at = header.end + Math.floor((body * k) / n);
    if (cuts.length > 0 && at < cuts[cuts.length - 1]!) continue;
    const b = await resolveBoundary(source, size, at, header.columns, headerEndsWithCR, options, d);
    if (b !== undefined && b > (cuts[cuts.length - 1] ?? header.end) && b < size) cuts.push(b);
  }
  const edges = [header.end, ...cuts, size];
  const ranges = edges.slice(1).map((end, i) => ({ start: edges[i]!, end }));
  return { headerEnd: header.end, columns: header.columns, ranges };
}

const CHUNK = 1024 * 1024;

/**
 * Range `index` of a plan as a source of its own: the header bytes, then the range's bytes, read
 * with ranged reads of the object a chunk at a time.
 */
export function csvRangeSource(source: ByteSource, plan: CsvRangePlan, index: number): ByteSource {
  const range = plan.ranges[index];
  if (!range) throw new RangeError(`no range ${index} in a plan of ${plan.ranges.length}`);
  const head = plan.headerEnd;
  const size = head + (range.end - range.start);
  /** Virtual [start, end) onto the object's bytes: the header, then the range. */
  const read = async (start: number, end: number): Promise<Uint8Array> => {
    start = Math.max(0, start);
    end = Math.min(size, end);
    if (end <= start) return new Uint8Array();
    const parts: Uint8Array[] = [];
    if (start < head) parts.push(await source.readRange(start, Math.min(head, end)));
    if (end > head)
      parts.push(await source.readRange(range.start + Math.max(0, start - head), range.start + (end - head)));
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  };
  return {
    name: source.name,
    size: () => Promise.resolve(size),
    async *stream() {
      if (head > 0) yield await source.readRange(0, head);
      for (let at = range.start; at < range.end; at += CHUNK)
        yield await source.readRange(at, Math.min(range.end, at + CHUNK));
    },
    readRange: read,
  };
}
