/**
 * Streaming RFC 4180 CSV reader: quoted fields with embedded delimiters, quotes ("") and newlines,
 * CRLF or LF line ends, a UTF-8 BOM, and a header row. Bytes are decoded with a fatal UTF-8
 * decoder so invalid text is an error, not silently replaced characters. Rows are yielded in
 * batches; a partial row at a chunk boundary is carried over, so memory is bounded by the batch size
 * and the longest row.
 */
import { FormatError } from '../errors';
import type { RecordBatch } from './record-batch';

export interface CsvReadOptions {
  readonly delimiter?: string;
  readonly batchSize?: number;
  /** A single field longer than this is rejected (protects memory from a runaway quote). */
  readonly maxFieldLength?: number;
}

const QUOTE = 34;
const CR = 13;
const LF = 10;

export async function* readCsv(
  source: AsyncIterable<Uint8Array>,
  options: CsvReadOptions = {},
): AsyncGenerator<RecordBatch> {
  const delimiter = (options.delimiter ?? ',').charCodeAt(0);
  const batchSize = options.batchSize ?? 10_000;
  const maxField = options.maxFieldLength ?? 16 * 1024 * 1024;
  const decoder = new TextDecoder('utf-8', { fatal: true });

  let columns: string[] | undefined;
  let batch: (string | null)[][] = [];
  let firstRow = 1;
  let rowCount = 0;

  // Parser state survives chunk boundaries.
  let row: (string | null)[] = [];
  let field = '';
  let inQuotes = false;
  let quotedField = false;
  let afterQuote = false; // a quote seen inside a quoted field: either "" or the closing quote
  let line = 1;
  let rowStartLine = 1;
  let bytes = 0;
  let first = true;

  const endRow = (): void => {
    if (columns === undefined) {
      columns = row.map((c) => c ?? '');
      if (columns.length === 0 || (columns.length === 1 && columns[0] === '')) {
        throw new FormatError('CSV header row is empty', { line: rowStartLine });
      }
    } else if (row.length === 1 && row[0] === null) {
      // A blank line carries no data (common at the end of files).
    } else {
      if (row.length !== columns.length) {
        throw new FormatError(`CSV row has ${row.length} fields; the header has ${columns.length}`, {
          line: rowStartLine,
        });
      }
      batch.push(row);
      rowCount++;
    }
    row = [];
  };
  const endField = (): void => {
    row.push(field === '' && !quotedField ? null : field);
    field = '';
    quotedField = false;
  };

  function* flushBatch(force: boolean): Generator<RecordBatch> {
    if (columns && (batch.length >= batchSize || (force && batch.length > 0))) {
      yield { columns, rows: batch, firstRow };
      firstRow = rowCount + 1;
      batch = [];
    }
  }

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
        if (q === -1) {
          field += text.slice(i);
          for (let k = i; k < n; k++) if (text.charCodeAt(k) === LF) line++;
          i = n;
        } else {
          field += text.slice(i, q);
          for (let k = i; k < q; k++) if (text.charCodeAt(k) === LF) line++;
          afterQuote = true;
          i = q + 1;
        }
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

  for await (const chunk of source) {
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch {
      throw new FormatError('CSV is not valid UTF-8', { byteOffset: bytes });
    }
    bytes += chunk.byteLength;
    consume(text);
    yield* flushBatch(false);
  }
  try {
    consume(decoder.decode());
  } catch {
    throw new FormatError('CSV ends inside a UTF-8 character', { byteOffset: bytes });
  }
  if (inQuotes && !afterQuote)
    throw new FormatError('CSV ends inside a quoted field (unterminated quote)', { line: rowStartLine });
  if (field !== '' || quotedField || row.length > 0) {
    endField();
    endRow();
  }
  if (columns === undefined) throw new FormatError('CSV is empty: no header row', { byteOffset: 0 });
  yield* flushBatch(true);
}
