/**
 * Streaming reader for a JSON array of objects (`[{...}, {...}]`). A small scanner finds where
 * each top-level element ends (tracking strings, escapes and nesting), so elements are parsed one
 * at a time and the whole array never sits in memory.
 */
import { FormatError } from '../errors';
import { JSON_MAX_RECORD_LENGTH, JsonBatcher, parseJsonExact } from './json-records';
import { batcherLimits, type JsonReadOptions } from './jsonl-reader';
import type { RecordBatch } from './record-batch';

export async function* readJsonArray(
  source: AsyncIterable<Uint8Array>,
  options: JsonReadOptions = {},
): AsyncGenerator<RecordBatch> {
  const maxLength = options.maxRecordLength ?? JSON_MAX_RECORD_LENGTH;
  const batcher = new JsonBatcher(batcherLimits(options));
  const decoder = new TextDecoder('utf-8', { fatal: true });

  let state: 'start' | 'before-element' | 'in-element' | 'after-element' | 'done' = 'start';
  let element = '';
  let depth = 0;
  let inString = false;
  let escaped = false;
  let offset = 0; // UTF-8 bytes consumed, for messages
  let here = 0; // byte offset of the character being looked at
  let elementStart = 0;
  let elements = 0;
  let bytes = 0;
  let first = true;

  const finishElement = (): void => {
    let value: unknown;
    try {
      value = parseJsonExact(element);
    } catch (error) {
      const reason = error instanceof RangeError ? 'nested too deeply' : (error as Error).message;
      throw new FormatError(`JSON array element is not valid JSON: ${reason}`, { byteOffset: here });
    }
    batcher.add(value, { byteOffset: elementStart }, element);
    element = '';
  };

  /**
   * Scans `text` from `from`; returns where it stopped: text.length, or just after an element that
   * filled the batch, so the caller yields it before reading on. Stopping mid-chunk keeps a batch
   * within its cell budget however many small, wide records one chunk holds.
   */
  const consume = (text: string, from: number): number => {
    let segment = -1; // start in `text` of the current element's characters not yet appended
    const flush = (end: number): void => {
      if (segment >= 0) element += text.slice(segment, end);
      segment = -1;
    };
    for (let i = from; i < text.length; i++) {
      const c = text.charCodeAt(i);
      here = offset;
      // UTF-8 width: a surrogate pair is 4 bytes, 2 per half.
      offset += c < 0x80 ? 1 : c < 0x800 || (c >= 0xd800 && c <= 0xdfff) ? 2 : 3;
      if (state === 'in-element') {
        if (segment < 0) segment = i;
        if (inString) {
          if (escaped) escaped = false;
          else if (c === 92 /* \\ */) escaped = true;
          else if (c === 34 /* " */) inString = false;
          // A runaway string is bounded like any element.
          if (element.length + (i - segment) > maxLength) {
            throw new FormatError(`JSON array element longer than ${maxLength} characters`, {
              byteOffset: here,
            });
          }
          continue;
        }
        if (c === 34) inString = true;
        else if (c === 123 || c === 91) depth++;
        else if (depth === 0 && c === 93) {
          // A scalar element closed the array (invalid as a record, reported by the batcher).
          flush(i);
          finishElement();
          state = 'done';
        } else if (c === 125 || c === 93) {
          depth--;
          if (depth === 0) {
            flush(i + 1);
            finishElement();
            state = 'after-element';
            if (batcher.full) return i + 1;
          }
        } else if (depth === 0 && (c === 44 || c === 32 || c === 10 || c === 13 || c === 9)) {
          // A scalar element ended (invalid as a record, reported by the batcher).
          flush(i);
          finishElement();
          state = c === 44 ? 'before-element' : 'after-element';
          if (batcher.full) return i + 1;
        }
        if (element.length + (segment >= 0 ? i - segment : 0) > maxLength) {
          throw new FormatError(`JSON array element longer than ${maxLength} characters`, {
            byteOffset: here,
          });
        }
        continue;
      }
      if (c === 32 || c === 10 || c === 13 || c === 9) continue;
      const ch = text[i]!;
      if (state === 'start') {
        if (ch !== '[')
          throw new FormatError(`expected a JSON array ('['), found '${ch}'`, { byteOffset: here });
        state = 'before-element';
      } else if (state === 'before-element') {
        // Counted here, not read off the batcher: a batch taken mid-array leaves it empty.
        if (ch === ']') {
          if (elements > 0)
            throw new FormatError(`expected an array element after ',', found ']'`, { byteOffset: here });
          state = 'done';
          continue;
        }
        elements++;
        state = 'in-element';
        elementStart = here;
        element = '';
        segment = i;
        depth = ch === '{' || ch === '[' ? 1 : 0;
        inString = ch === '"';
      } else if (state === 'after-element') {
        if (ch === ',') state = 'before-element';
        else if (ch === ']') state = 'done';
        else
          throw new FormatError(`expected ',' or ']' after an array element, found '${ch}'`, {
            byteOffset: here,
          });
      } else {
        throw new FormatError(`unexpected '${ch}' after the end of the JSON array`, { byteOffset: here });
      }
    }
    flush(text.length);
    return text.length;
  };

  for await (const chunk of source) {
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch {
      throw new FormatError('JSON input is not valid UTF-8', { byteOffset: bytes });
    }
    bytes += chunk.byteLength;
    if (first) {
      first = false;
      if (text.charCodeAt(0) === 0xfeff) {
        text = text.slice(1);
        offset = 3; // the mark's UTF-8 bytes
      }
    }
    for (let at = consume(text, 0); at < text.length; at = consume(text, at)) yield batcher.take();
    if (batcher.full) yield batcher.take();
  }
  let rest: string;
  try {
    rest = decoder.decode();
  } catch {
    throw new FormatError('JSON input ends inside a UTF-8 character', { byteOffset: bytes });
  }
  for (let at = consume(rest, 0); at < rest.length; at = consume(rest, at)) yield batcher.take();
  if (state === 'start') throw new FormatError('JSON input is empty', { byteOffset: 0 });
  if (state !== 'done')
    throw new FormatError('JSON array is not closed (truncated input?)', { byteOffset: offset });
  yield batcher.take();
}
