/**
 * Streaming RFC 4180 CSV reader: quoted fields with embedded delimiters, quotes ("") and newlines,
 * CRLF, LF or CR line ends, a UTF-8 BOM, a configurable delimiter, quote and escape character,
 * with or without a header row. Bytes are decoded with a fatal UTF-8 decoder, so invalid text is
 * an error with its byte offset, not silently replaced characters. Rows are yielded in batches of
 * at most `batchSize`; a partial row at a chunk boundary is carried over. Memory is bounded by the
 * batch size and the row limits: a row's fields are counted and its bytes measured while it is
 * scanned, so a runaway row (a line of commas, an unclosed quote) stops at the limit instead of
 * growing until Node runs out of memory.
 */
import { ContractError, FormatError } from '../errors';
import type { RawCell, RecordBatch } from './record-batch';

/**
 * Columns a header (or a schema, without one) may name. The same bound as JSON_MAX_COLUMNS for
 * JSON keys: the validation report holds an entry per column, and a header wider than this is
 * more likely a runaway delimiter than a table someone reviews column by column.
 */
export const CSV_MAX_COLUMNS = 10_000;
/**
 * Fields one row may hold, counted while scanning. 16,384 is the width of an Excel sheet (column
 * XFD); a data row wider than its header is an error anyway, and counting stops here instead of
 * allocating a slot per delimiter: a 25 MB line of commas made 26 million slots and peaked at
 * 786 MB of memory; a 150 MB line crashed Node with a fatal invalid size error.
 */
export const CSV_MAX_FIELDS_PER_ROW = 16_384;
/**
 * Bytes one row may span (line end excluded). 16 MiB is the default maxFieldLength, so a row
 * holding one field of the longest accepted length (in ASCII) still reads, while a row, held as
 * strings until its batch is handed on, stays a small share of the validate function's memory.
 */
export const CSV_MAX_ROW_BYTES = 16 * 1024 * 1024;
/** Longest accepted field, in characters (a runaway quote swallows the rest of the file). */
export const CSV_MAX_FIELD_LENGTH = 16 * 1024 * 1024;

export interface CsvReadOptions {
  readonly delimiter?: string;
  /** Character that encloses a field holding delimiters, quotes or line ends (default `"`). */
  readonly quote?: string;
  /**
   * Character that, inside a quoted field, makes the next quote (or escape) character text.
   * Default: the quote itself, so a quote is written twice (RFC 4180). May be another character
   * such as a backslash.
   */
  readonly escape?: string;
  /** A quote inside an unquoted field is text (as DuckDB and Python's csv read it), not an error. */
  readonly lenientQuotes?: boolean;
  /** First row names the columns (default). Without a header, `columns` names them. */
  readonly header?: boolean;
  readonly columns?: readonly string[];
  readonly batchSize?: number;
  /** A single field longer than this is rejected (protects memory from a runaway quote). */
  readonly maxFieldLength?: number;
  /** Default CSV_MAX_COLUMNS. */
  readonly maxColumns?: number;
  /** Default CSV_MAX_FIELDS_PER_ROW. */
  readonly maxFieldsPerRow?: number;
  /** Default CSV_MAX_ROW_BYTES. */
  readonly maxRowBytes?: number;
}

const CR = 13;
const LF = 10;

/** One UTF-16 character of a dialect, checked: a line end or a clash would make rows ambiguous. */
export function dialectChar(value: string, what: string): number {
  if (value.length !== 1)
    throw new ContractError(`CSV ${what} must be one character, not ${JSON.stringify(value)}`);
  const code = value.charCodeAt(0);
  if (code === CR || code === LF) throw new ContractError(`CSV ${what} cannot be a line end`);
  return code;
}

/** Byte offset of the first invalid UTF-8 sequence in `bytes` (after `carry` bytes of a prior chunk). */
export function invalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const need =
      b < 0x80
        ? 0
        : b >= 0xc2 && b <= 0xdf
          ? 1
          : b >= 0xe0 && b <= 0xef
            ? 2
            : b >= 0xf0 && b <= 0xf4
              ? 3
              : -1;
    if (need < 0) return i;
    for (let k = 1; k <= need; k++) {
      if (i + k >= bytes.length) return i; // truncated at the end of the input
      const c = bytes[i + k]!;
      if ((c & 0xc0) !== 0x80) return i;
      if (
        k === 1 &&
        ((b === 0xe0 && c < 0xa0) ||
          (b === 0xed && c > 0x9f) ||
          (b === 0xf0 && c < 0x90) ||
          (b === 0xf4 && c > 0x8f))
      ) {
        return i;
      }
    }
    i += need + 1;
  }
  return bytes.length;
}

/**
 * Bytes at the end of a validly decoded chunk that start a character the next chunk completes,
 * read from its last three bytes; `slow` counts them from the decoded text when the chunk is too
 * short to hold the character's lead byte.
 */
function heldBack(chunk: Uint8Array, slow: () => number): number {
  const n = chunk.byteLength;
  for (let k = 1; k <= 3 && k <= n; k++) {
    const b = chunk[n - k]!;
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: the lead is further back
    const length = b < 0x80 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
    return length > k ? k : 0;
  }
  return n >= 3 ? 0 : slow();
}

export async function* readCsv(
  source: AsyncIterable<Uint8Array>,
  options: CsvReadOptions = {},
): AsyncGenerator<RecordBatch> {
  const delimiterText = options.delimiter ?? ',';
  const quoteText = options.quote ?? '"';
  const escapeText = options.escape ?? quoteText;
  const delimiter = dialectChar(delimiterText, 'delimiter');
  const QUOTE = dialectChar(quoteText, 'quote');
  const ESCAPE = dialectChar(escapeText, 'escape');
  if (QUOTE === delimiter)
    throw new ContractError(`CSV delimiter and quote are the same character (${JSON.stringify(quoteText)})`);
  if (ESCAPE === delimiter)
    throw new ContractError(
      `CSV delimiter and escape are the same character (${JSON.stringify(escapeText)})`,
    );
  // Escape distinct from quote: a quote inside a quoted field ends it, and only the escape makes
  // one text. The same character: a quote is escaped by doubling it (RFC 4180).
  const doubledQuotes = ESCAPE === QUOTE;
  const lenientQuotes = options.lenientQuotes ?? false;
  const hasHeader = options.header ?? true;
  const batchSize = Math.max(1, options.batchSize ?? 10_000);
  const maxField = options.maxFieldLength ?? CSV_MAX_FIELD_LENGTH;
  const maxColumns = options.maxColumns ?? CSV_MAX_COLUMNS;
  const maxFieldsPerRow = options.maxFieldsPerRow ?? CSV_MAX_FIELDS_PER_ROW;
  const maxRowBytes = options.maxRowBytes ?? CSV_MAX_ROW_BYTES;
  const decoder = new TextDecoder('utf-8', { fatal: true });

  let columns: string[] | undefined = hasHeader ? undefined : [...(options.columns ?? [])];
  if (!hasHeader && columns!.length === 0)
    throw new FormatError('CSV without a header needs the column names (from the contract schema)');
  if (columns !== undefined && columns.length > maxColumns)
    throw new FormatError(
      `CSV schema names ${columns.length} columns, more than the ${maxColumns} allowed (maxColumns)`,
    );
  let batch: RawCell[][] = [];
  let firstRow = 1;
  let rowCount = 0;
  let yielded = false;

  // Parser state survives chunk boundaries. Cells of the current row go into one reused scratch
  // array and each row is copied out at its exact width: a fresh array grown by push would
  // allocate several times the slots per row, and rows are the reader's main garbage.
  const cells: RawCell[] = [];
  let nCells = 0;
  /** Fields the current row may hold: the header's limit until the header is read, then the rows'. */
  let fieldCap = columns === undefined ? maxColumns : maxFieldsPerRow;
  let field = '';
  let inQuotes = false;
  let quotedField = false;
  let afterQuote = false; // doubled quotes: a quote seen inside a quoted field, either "" or the closing one
  let afterEscape = false; // distinct escape: an escape seen inside a quoted field
  let afterCR = false; // a CR ended the row: an LF right after it belongs to the same line end
  let line = 1;
  let rowStartLine = 1;
  let bytes = 0;
  let first = true;
  const ready: RecordBatch[] = [];

  // Byte positions. The parser walks decoded text; a row's byte span is worked out only when it
  // matters (a long row, a chunk end, an error): in an all-ASCII chunk a character index is a byte
  // offset, elsewhere a cursor adds up the UTF-8 length of the text walked since the last question.
  let chunkText = ''; // the text being parsed, for byteAt
  let textStart = 0; // byte offset of text[0]
  let ascii = true;
  let cursorChar = 0;
  let cursorByte = 0;
  let rowStartChar = 0; // where the current row starts in `text`, or -1 when in an earlier chunk
  let rowStartByte = 0; // the same as a byte offset, when rowStartChar is -1

  const byteAt = (i: number): number => {
    if (ascii) return textStart + i;
    if (i < cursorChar) {
      cursorChar = 0;
      cursorByte = 0;
    }
    cursorByte += Buffer.byteLength(chunkText.slice(cursorChar, i), 'utf8');
    cursorChar = i;
    return textStart + cursorByte;
  };
  const rowStartOffset = (): number => (rowStartChar < 0 ? rowStartByte : byteAt(rowStartChar));
  /** Where the current row is: its line, data row number (none for the header) and first byte. */
  const rowLocation = (): { line: number; row?: number; byteOffset: number } => ({
    line: rowStartLine,
    ...(columns !== undefined ? { row: rowCount + 1 } : {}),
    byteOffset: rowStartOffset(),
  });
  const rowTooLong = (): FormatError =>
    new FormatError(
      `CSV row spans more than ${maxRowBytes} bytes (maxRowBytes); a quote left open or a missing line end?`,
      rowLocation(),
    );
  /** Checks the row that ends at text[end] against maxRowBytes. */
  const checkRowBytes = (end: number): void => {
    // A row inside this chunk is at most 3 bytes per UTF-16 unit: short rows need no counting.
    if (rowStartChar >= 0 && (end - rowStartChar) * 3 <= maxRowBytes) return;
    const start = rowStartOffset();
    if (byteAt(end) - start > maxRowBytes) throw rowTooLong();
  };

  const endRow = (): void => {
    if (columns === undefined) {
      columns = cells.slice(0, nCells).map((c) => (c === null ? '' : String(c)));
      fieldCap = maxFieldsPerRow;
      if (columns.length === 1 && columns[0] === '')
        throw new FormatError('CSV header row is empty', { line: rowStartLine });
      // A Set keeps the duplicate check linear in the header's width.
      const seen = new Set<string>();
      for (const c of columns) {
        if (seen.has(c))
          throw new FormatError(`CSV header names column '${c}' twice`, { line: rowStartLine });
        seen.add(c);
      }
    } else if (nCells === 1 && cells[0] === null && columns.length > 1) {
      // A blank line carries no data (common at the end of files).
    } else {
      if (nCells !== columns.length) {
        throw new FormatError(
          `CSV row has ${nCells} fields; ${hasHeader ? 'the header has' : 'the schema names'} ${columns.length}`,
          { line: rowStartLine },
        );
      }
      batch.push(cells.slice(0, nCells));
      rowCount++;
      if (batch.length >= batchSize) {
        ready.push({ columns, rows: batch, firstRow });
        firstRow = rowCount + 1;
        batch = [];
      }
    }
    nCells = 0;
  };
  const endField = (): void => {
    if (nCells >= fieldCap) {
      throw new FormatError(
        columns === undefined
          ? `CSV header has more than ${maxColumns} columns (maxColumns)`
          : `CSV row has more than ${maxFieldsPerRow} fields (maxFieldsPerRow)`,
        rowLocation(),
      );
    }
    cells[nCells++] = field === '' && !quotedField ? null : field;
    field = '';
    quotedField = false;
  };
  /** Ends the row whose line end is at text[i]; the next row starts at `next`. */
  const endLine = (i: number, next: number): void => {
    checkRowBytes(i);
    endField();
    endRow();
    line++;
    rowStartLine = line;
    rowStartChar = next;
  };

  // The text is a parameter, not the closure's variable: a local keeps the hot loop's loads cheap.
  const consume = (text: string): void => {
    const n = text.length;
    // Locals for the per-character loop (closure variables are loaded from the context each time).
    const delim = delimiter;
    const quote = QUOTE;
    const quoteChar = quoteText;
    let i = 0;
    if (first && n > 0) {
      first = false;
      if (text.charCodeAt(0) === 0xfeff) i = 1;
    }
    while (i < n) {
      if (inQuotes) {
        if (afterQuote) {
          afterQuote = false;
          if (text.charCodeAt(i) === QUOTE) {
            field += quoteText;
            i++;
            continue;
          }
          inQuotes = false; // that quote closed the field; fall through to unquoted handling
          continue;
        }
        if (afterEscape) {
          afterEscape = false;
          const e = text.charCodeAt(i);
          if (e === QUOTE || e === ESCAPE) {
            field += text[i];
            i++;
            continue;
          }
          // As PostgreSQL reads it: an escape before any other character is text, kept as is,
          // so a Windows path or a regular expression in a quoted field loses no byte.
          field += escapeText;
          continue;
        }
        const q = text.indexOf(quoteChar, i);
        const x = doubledQuotes ? -1 : text.indexOf(escapeText, i);
        const stop = q === -1 ? x : x === -1 ? q : Math.min(q, x);
        const end = stop === -1 ? n : stop;
        for (let k = text.indexOf('\n', i); k !== -1 && k < end; k = text.indexOf('\n', k + 1)) line++;
        field += text.slice(i, end);
        if (stop === q && q !== -1) {
          if (doubledQuotes) afterQuote = true;
          else inQuotes = false; // with a distinct escape, a bare quote always closes the field
        } else if (stop !== -1) afterEscape = true;
        i = stop === -1 ? n : stop + 1;
        if (field.length > maxField)
          throw new FormatError(`CSV field longer than ${maxField} characters`, { line: rowStartLine });
        continue;
      }
      const c = text.charCodeAt(i);
      if (afterCR) {
        afterCR = false;
        if (c === LF) {
          i++;
          rowStartChar = i;
          continue;
        }
      }
      if (c === delimiter) {
        endField();
        i++;
      } else if (c === LF) {
        endLine(i, i + 1);
        i++;
      } else if (c === CR) {
        // CR LF ends a row, and so does a lone CR, as in Python's csv module and DuckDB (and in
        // files from classic Mac OS). Dropping it would join `3\r4` into `34`, a value the file
        // never held; keeping it as text would put a line end inside an unquoted field, which
        // RFC 4180 does not allow. As a line end, a stray CR shows up as a row of the wrong width.
        endLine(i, i + 1);
        afterCR = true;
        i++;
      } else if (c === QUOTE) {
        if (quotedField)
          throw new FormatError('CSV quote after a closing quote; expected a delimiter or line end', {
            line,
          });
        if (field.length > 0) {
          if (!lenientQuotes)
            throw new FormatError(
              'CSV quote inside an unquoted field; if the data has bare quotes (5" screen), set ' +
                'lenient_quotes: true in the csv block of the contract to read them as text',
              { line },
            );
          field += quoteText;
          i++;
        } else {
          inQuotes = true;
          quotedField = true;
          i++;
        }
      } else {
        if (quotedField)
          throw new FormatError('CSV text after a closing quote; expected a delimiter or line end', { line });
        // Fast path: copy a run of plain characters at once.
        let j = i + 1;
        while (j < n) {
          const d = text.charCodeAt(j);
          if (d === delim || d === LF || d === CR || d === quote) break;
          j++;
        }
        field += text.slice(i, j);
        if (field.length > maxField)
          throw new FormatError(`CSV field longer than ${maxField} characters`, { line });
        i = j;
      }
    }
  };

  /** Parses decoded text spanning bytes [start, end) of the input. */
  const feed = (decoded: string, start: number, end: number, isAscii: boolean): void => {
    chunkText = decoded;
    textStart = start;
    ascii = isAscii;
    cursorChar = 0;
    cursorByte = 0;
    consume(decoded);
    // The row still open at the end of this text: pin its start as a byte offset, counted back
    // from the end (the open row is usually short), and stop it here if it already spans more
    // than the limit (its fields are never completed otherwise).
    if (rowStartChar >= 0)
      rowStartByte = ascii
        ? start + rowStartChar
        : end - Buffer.byteLength(decoded.slice(rowStartChar), 'utf8');
    rowStartChar = -1;
    if (end - rowStartByte > maxRowBytes) throw rowTooLong();
    chunkText = '';
  };

  let held = 0; // bytes the decoder holds back: the start of a character split across chunks
  let heldBytes: Uint8Array = new Uint8Array(0);
  const head: number[] = []; // the input's first bytes, up to 3
  for await (const chunk of source) {
    let decoded: string;
    try {
      decoded = decoder.decode(chunk, { stream: true });
    } catch {
      // The bad sequence may start in the bytes held back from the chunk before: look for it
      // from there, so the offset is the first invalid byte's in the file.
      const from = bytes - held;
      const joined = held === 0 ? chunk : Buffer.concat([heldBytes, chunk]);
      throw new FormatError('CSV is not valid UTF-8', { byteOffset: from + invalidUtf8Offset(joined) });
    }
    // The decoder drops a BOM at the start of the input: the text starts 3 bytes in, so byte
    // offsets counted from it would be 3 short.
    if (head.length < 3) for (const b of chunk.subarray(0, 3 - head.length)) head.push(b);
    const bom = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf;
    const start = bom && bytes - held < 3 ? 3 : bytes - held;
    // Chunks holding only the BOM's bytes fed no text, yet pinned the open row's start at 0.
    if (bom && rowStartChar < 0 && rowStartByte < 3) rowStartByte = 3;
    bytes += chunk.byteLength;
    // With nothing held back, as many UTF-16 units as bytes means every byte was ASCII.
    const ascii = held === 0 && decoded.length === chunk.byteLength;
    held = ascii ? 0 : heldBack(chunk, () => bytes - start - Buffer.byteLength(decoded, 'utf8'));
    // A character split across chunks: its first bytes (at most 3), which a chunk shorter than
    // them shares with the bytes held before it.
    if (held > 0)
      heldBytes = (held <= chunk.byteLength ? chunk : Buffer.concat([heldBytes, chunk])).slice(-held);
    feed(decoded, start, bytes - held, ascii);
    while (ready.length > 0) {
      yielded = true;
      yield ready.shift()!;
    }
  }
  let rest: string;
  try {
    rest = decoder.decode();
  } catch {
    throw new FormatError('CSV ends inside a UTF-8 character', { byteOffset: bytes });
  }
  feed(rest, bytes - held, bytes, false);
  if (inQuotes && !afterQuote)
    throw new FormatError('CSV ends inside a quoted field (unterminated quote)', { line: rowStartLine });
  if (field !== '' || quotedField || nCells > 0) {
    endField();
    endRow();
  }
  if (columns === undefined) throw new FormatError('CSV is empty: no header row', { byteOffset: 0 });
  for (const b of ready) {
    yielded = true;
    yield b;
  }
  // Always one batch, even for a header-only file, so consumers see the columns.
  if (batch.length > 0 || !yielded) yield { columns, rows: batch, firstRow };
}
