/** Streaming JSON Lines reader: one JSON object per line, blank lines ignored, CRLF accepted. */
import { FormatError } from '../errors';
import { JSON_MAX_RECORD_LENGTH, JsonBatcher, parseJsonExact, type JsonBatcherLimits } from './json-records';
import type { RecordBatch } from './record-batch';

export interface JsonReadOptions {
  readonly batchSize?: number;
  /** Longest accepted line or element (characters); default JSON_MAX_RECORD_LENGTH. */
  readonly maxRecordLength?: number;
  /** Distinct keys (columns) accepted; default JSON_MAX_COLUMNS. */
  readonly maxColumns?: number;
  /**
   * False for a range that starts inside the object (jsonl-ranges.ts): a byte order mark is
   * skipped only as the object's first character; anywhere else it is part of a line, which one
   * reader of the whole object would refuse as JSON, and so must the range's reader.
   */
  readonly fromObjectStart?: boolean;
}

export async function* readJsonLines(
  source: AsyncIterable<Uint8Array>,
  options: JsonReadOptions = {},
): AsyncGenerator<RecordBatch> {
  const batcher = new JsonBatcher(batcherLimits(options));
  const maxLength = options.maxRecordLength ?? JSON_MAX_RECORD_LENGTH;
  let first = options.fromObjectStart ?? true;
  // The decoder drops a byte order mark at the start of what it decodes unless told to keep it:
  // a range's reader keeps it (see fromObjectStart).
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: !first });
  let carry = '';
  let line = 0;
  let bytes = 0;

  const handle = (text: string): void => {
    line++;
    if (text.length > maxLength)
      throw new FormatError(`JSON Lines record longer than ${maxLength} characters`, { line });
    const t = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (t.trim() === '') return;
    let value: unknown;
    try {
      value = parseJsonExact(t);
    } catch (error) {
      const reason = error instanceof RangeError ? 'nested too deeply' : (error as Error).message;
      throw new FormatError(`JSON Lines record is not valid JSON: ${reason}`, { line });
    }
    batcher.add(value, { line }, t);
  };

  for await (const chunk of source) {
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch {
      throw new FormatError('JSON Lines input is not valid UTF-8', { byteOffset: bytes });
    }
    bytes += chunk.byteLength;
    if (first) {
      first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    // Line ends are searched in the new text only, and a record's length is checked before it grows:
    // rescanning the carried part of a long record on every chunk made it quadratic in time and memory.
    let nl = text.indexOf('\n');
    let start = 0;
    while (nl !== -1) {
      handle(start === 0 ? carry + text.slice(0, nl) : text.slice(start, nl));
      if (start === 0) carry = '';
      start = nl + 1;
      if (batcher.full) yield batcher.take();
      nl = text.indexOf('\n', start);
    }
    if (carry.length + text.length - start > maxLength)
      throw new FormatError(`JSON Lines record longer than ${maxLength} characters`, { line: line + 1 });
    carry += text.slice(start);
  }
  try {
    carry += decoder.decode();
  } catch {
    throw new FormatError('JSON Lines input ends inside a UTF-8 character', { byteOffset: bytes });
  }
  if (carry.length > 0) handle(carry);
  if (line === 0 || (batcher.size === 0 && batcher.seenColumns.length === 0 && bytes === 0)) {
    throw new FormatError('JSON Lines input is empty', { byteOffset: 0 });
  }
  yield batcher.take();
}

/** The batcher's share of the reader options. */
export function batcherLimits(options: JsonReadOptions): JsonBatcherLimits {
  return {
    ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
    ...(options.maxColumns !== undefined ? { maxColumns: options.maxColumns } : {}),
  };
}
