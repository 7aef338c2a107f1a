/**
 * Shared by the JSON Lines and JSON array readers: one parsed JSON object becomes one row of raw
 * cells. Integers beyond 2^53 keep their digits (as bigint) instead of being rounded by
 * JSON.parse; nested objects and arrays stay JSON text.
 */
import { FormatError } from '../errors';
import type { RawCell } from './record-batch';

/** Cheap pre-check: some run of 16+ digits exists somewhere. */
const BIG_INT = /\d{16,}/;
/** Marks a big integer turned into a string; JSON text escapes it, so no real string looks alike. */
const BIG_MARK = '\u0000big:';
const BIG_MARK_JSON = '\\u0000big:';

/**
 * Quotes integer literals of 16+ digits (outside strings) with a marker, so the reviver can turn
 * them into bigints instead of JSON.parse rounding them to the nearest double.
 */
function markBigIntegers(text: string): string {
  let out = '';
  let last = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // skip the escaped character
      else if (c === 34) inString = false;
      continue;
    }
    if (c === 34) {
      inString = true;
      continue;
    }
    if (c === 45 || (c >= 48 && c <= 57)) {
      // Scan the whole number token: -? digits (. digits)? ([eE] [+-]? digits)?
      let j = i + (c === 45 ? 1 : 0);
      const digitsStart = j;
      while (j < text.length && text.charCodeAt(j) >= 48 && text.charCodeAt(j) <= 57) j++;
      const digits = j - digitsStart;
      let integer = true;
      if (text.charCodeAt(j) === 46) {
        integer = false;
        j++;
        while (j < text.length && text.charCodeAt(j) >= 48 && text.charCodeAt(j) <= 57) j++;
      }
      if (text.charCodeAt(j) === 101 || text.charCodeAt(j) === 69) {
        integer = false;
        j++;
        if (text.charCodeAt(j) === 43 || text.charCodeAt(j) === 45) j++;
        while (j < text.length && text.charCodeAt(j) >= 48 && text.charCodeAt(j) <= 57) j++;
      }
      // Leading zeros are invalid JSON, and so is a number as a key ('{1234…: 1}', which quoting
      // would make valid): leave both for JSON.parse to reject.
      let next = j;
      while (/\s/.test(text.charAt(next))) next++;
      if (integer && digits >= 16 && text.charCodeAt(digitsStart) !== 48 && text.charAt(next) !== ':') {
        out += `${text.slice(last, i)}"${BIG_MARK_JSON}${text.slice(i, j)}"`;
        last = j;
      }
      i = j - 1;
    }
  }
  return last === 0 ? text : out + text.slice(last);
}

/** Parses one JSON value; integers of 16+ digits that would lose precision become bigint. */
export function parseJsonExact(text: string): unknown {
  if (!BIG_INT.test(text)) return JSON.parse(text) as unknown;
  return JSON.parse(markBigIntegers(text), (_k, v: unknown) => {
    if (typeof v === 'string' && v.startsWith(BIG_MARK)) {
      const digits = v.slice(BIG_MARK.length);
      const n = Number(digits);
      return Number.isSafeInteger(n) ? n : BigInt(digits);
    }
    return v;
  }) as unknown;
}

export function toRawCell(v: unknown): RawCell {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint')
    return v;
  try {
    // Nested big integers stay unquoted digits in the JSON text, as they were in the input.
    const marks: string[] = [];
    const text = JSON.stringify(v, (_k, x: unknown) => {
      if (typeof x !== 'bigint') return x;
      marks.push(x.toString());
      return `${BIG_MARK}${marks.length - 1}`;
    });
    if (marks.length === 0) return text;
    return text.replace(
      new RegExp(`"${BIG_MARK_JSON.replace(/\\/g, '\\\\')}(\\d+)"`, 'g'),
      (_m, k: string) => marks[Number(k)]!,
    );
  } catch (error) {
    if (error instanceof RangeError) throw new FormatError('JSON value nested too deeply');
    throw error;
  }
}

/**
 * Collects objects into batches, tracking the union of keys seen so far. A batch's `columns` lists
 * every key seen up to it (first-seen order), so a key that first appears late still gets a column.
 */
export class JsonBatcher {
  private columns: string[] = [];
  private readonly index = new Map<string, number>();
  private rows: RawCell[][] = [];
  private firstRow = 1;
  private count = 0;

  add(value: unknown, where: { line?: number; byteOffset?: number }): void {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new FormatError(
        `expected a JSON object per record, found ${Array.isArray(value) ? 'an array' : typeof value}`,
        where,
      );
    }
    const row: RawCell[] = new Array<RawCell>(this.columns.length).fill(null);
    for (const [key, v] of Object.entries(value)) {
      let at = this.index.get(key);
      if (at === undefined) {
        at = this.columns.length;
        this.columns = [...this.columns, key];
        this.index.set(key, at);
      }
      row[at] = toRawCell(v);
    }
    this.rows.push(row);
    this.count++;
  }

  get size(): number {
    return this.rows.length;
  }

  /** Takes the collected rows as a batch; short rows are padded with nulls to the current columns. */
  take(): { columns: readonly string[]; rows: RawCell[][]; firstRow: number } {
    const width = this.columns.length;
    for (const row of this.rows) while (row.length < width) row.push(null);
    const batch = { columns: this.columns, rows: this.rows, firstRow: this.firstRow };
    this.rows = [];
    this.firstRow = this.count + 1;
    return batch;
  }

  get seenColumns(): readonly string[] {
    return this.columns;
  }
}
