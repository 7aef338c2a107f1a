/**
 * Streaming RFC 4180 CSV reader: quoted fields with embedded delimiters, quotes ("") and newlines,
 * CRLF or LF line ends, a UTF-8 BOM, a configurable delimiter, with or without a header row. Bytes
 * are decoded with a fatal UTF-8 decoder, so invalid text is an error with its byte offset, not
 * silently replaced characters. Rows are yielded in batches of at most `batchSize`; a partial row
 * at a chunk boundary is carried over, so memory is bounded by the batch size and the longest row.
 */
import { FormatError } from '../errors';
import type { RawCell, RecordBatch } from './record-batch';

export interface CsvReadOptions {
  readonly delimiter?: string;
  /** First row names the columns (default). Without a header, `columns` names them. */
  readonly header?: boolean;
  readonly columns?: readonly string[];
  readonly batchSize?: number;
  /** A single field longer than this is rejected (protects memory from a runaway quote). */
  readonly maxFieldLength?: number;
}

const QUOTE = 34;
const CR = 13;
const LF = 10;

/** Byte offset of the first invalid UTF-8 sequence in `bytes` (after `carry` bytes of a prior chunk). */
function invalidUtf8Offset(bytes: Uint8Array): number {
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

export async function* readCsv(
  source: AsyncIterable<Uint8Array>,
  options: CsvReadOptions = {},
): AsyncGenerator<RecordBatch> {
  const delimiter = (options.delimiter ?? ',').charCodeAt(0);
  const hasHeader = options.header ?? true;
  const batchSize = Math.max(1, options.batchSize ?? 10_000);
  const maxField = options.maxFieldLength ?? 16 * 1024 * 1024;
  const decoder = new TextDecoder('utf-8', { fatal: true });

  let columns: string[] | undefined = hasHeader ? undefined : [...(options.columns ?? [])];
  if (!hasHeader && columns!.length === 0)
    throw new FormatError('CSV without a header needs the column names (from the contract schema)');
  let batch: RawCell[][] = [];
  let firstRow = 1;
  let rowCount = 0;
  let yielded = false;

  // Parser state survives chunk boundaries. Cells of the current row go into one reused scratch
  // array and each row is copied out at its exact width: a fresh array grown by push would
  // allocate several times the slots per row, and rows are the reader's main garbage.
  const cells: RawCell[] = [];
  let nCells = 0;
  let field = '';
  let inQuotes = false;
  let quotedField = false;
  let afterQuote = false; // a quote seen inside a quoted field: either "" or the closing quote
  let line = 1;
  let rowStartLine = 1;
  let bytes = 0;
  let first = true;
  const ready: RecordBatch[] = [];

  const endRow = (): void => {
    if (columns === undefined) {
      columns = cells.slice(0, nCells).map((c) => (c === null ? '' : String(c)));
      if (columns.length === 1 && columns[0] === '')
        throw new FormatError('CSV header row is empty', { line: rowStartLine });
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
    cells[nCells++] = field === '' && !quotedField ? null : field;
    field = '';
    quotedField = false;
  };

  const consume = (text: string): void => {
    let i = 0;
    if (first) {
      first = false;
      if (text.charCodeAt(0) === 0xfeff) i = 1;
    }
    const n = text.length;
    while (i < n) {
      if (inQuotes) {
        if (afterQuote) {
          afterQuote = false;
          if (text.charCodeAt(i) === QUOTE) {
            field += '"';
            i++;
            continue;
          }
          inQuotes = false; // that quote closed the field; fall through to unquoted handling
          continue;
        }
        const q = text.indexOf('"', i);
        const end = q === -1 ? n : q;
        for (let k = text.indexOf('\n', i); k !== -1 && k < end; k = text.indexOf('\n', k + 1)) line++;
        field += text.slice(i, end);
        if (q !== -1) afterQuote = true;
        i = q === -1 ? n : q + 1;
        if (field.length > maxField)
          throw new FormatError(`CSV field longer than ${maxField} characters`, { line: rowStartLine });
        continue;
      }
      const c = text.charCodeAt(i);
      if (c === delimiter) {
        endField();
        i++;
      } else if (c === LF) {
        endField();
        endRow();
        line++;
        rowStartLine = line;
        i++;
      } else if (c === CR) {
        i++; // CRLF: the LF ends the row; a lone CR is dropped
      } else if (c === QUOTE) {
        if (field.length > 0 || quotedField) {
          throw new FormatError('CSV quote inside an unquoted field (or text after a closing quote)', {
            line,
          });
        }
        inQuotes = true;
        quotedField = true;
        i++;
      } else {
        if (quotedField)
          throw new FormatError('CSV text after a closing quote; expected a delimiter or line end', { line });
        // Fast path: copy a run of plain characters at once.
        let j = i + 1;
        while (j < n) {
          const d = text.charCodeAt(j);
          if (d === delimiter || d === LF || d === CR || d === QUOTE) break;
          j++;
        }
        field += text.slice(i, j);
        if (field.length > maxField)
          throw new FormatError(`CSV field longer than ${maxField} characters`, { line });
        i = j;
      }
    }
  };

  let pending: Uint8Array | undefined; // bytes of a chunk whose decode failed are re-checked for the offset
  for await (const chunk of source) {
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch {
      pending = chunk;
      throw new FormatError('CSV is not valid UTF-8', { byteOffset: bytes + invalidUtf8Offset(pending) });
    }
    bytes += chunk.byteLength;
    consume(text);
    while (ready.length > 0) {
      yielded = true;
      yield ready.shift()!;
    }
  }
  try {
    consume(decoder.decode());
  } catch {
    throw new FormatError('CSV ends inside a UTF-8 character', { byteOffset: bytes });
  }
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
