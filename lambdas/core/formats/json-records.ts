/**
 * Shared by the JSON Lines and JSON array readers: one parsed JSON object becomes one row of raw
 * cells. Integers beyond 2^53 keep their digits (as bigint) instead of being rounded by
 * JSON.parse; nested objects and arrays stay JSON text.
 */
import { FormatError, type FormatErrorLocation } from '../errors';
import type { RawCell, RecordBatch } from './record-batch';

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
 * Longest JSON record (a JSON Lines line, a JSON array element), in characters. A record is held
 * whole as text, then parsed, before its first value reaches a batch: 64 Mi characters keep one
 * record (text and parsed values) well inside the validate function's memory.
 */
export const JSON_MAX_RECORD_LENGTH = 64 * 1024 * 1024;
/** Distinct keys a JSON input may have before it is refused: each one is a column in every later row. */
export const JSON_MAX_COLUMNS = 10_000;
/**
 * Cells (rows × columns) a batch may hold before it is yielded early. Rows are dense, so a batch of
 * 10,000 rows over 10,000 columns would be 10^8 cells (800 MB of pointers); 1M cells keep a batch
 * near 8 MB of pointers whatever the width (measured: 20,000 lines each adding a key peaked at
 * 300 MB RSS with 1M, 520 MB with 4M), and inputs of up to 100 columns still get full batches.
 */
export const JSON_MAX_BATCH_CELLS = 1_000_000;

export interface JsonBatcherLimits {
  /** Rows per batch. */
  readonly batchSize?: number;
  /** Distinct keys (columns) accepted; default JSON_MAX_COLUMNS. */
  readonly maxColumns?: number;
}

/** Where a record starts, for messages: its line (JSON Lines) or byte offset (JSON array). */
export type RecordPlace = Pick<FormatErrorLocation, 'line' | 'byteOffset'>;

/**
 * Collects objects into batches, tracking the union of keys seen so far.
 *
 * Batch shape: a batch's `columns` lists every key seen up to and including its last row, in
 * first-seen order, and every row has exactly that many cells. A key that first appears in a later
 * batch is appended to the column list of that batch and of every batch after it; rows of earlier
 * batches never had it (they were null for it). The `columns` array is a new array only when it
 * grew, so a consumer may compare it by identity to notice new columns.
 *
 * Cost is linear in the cells produced: a Map finds a key's column, the column list is appended to
 * (never copied per key: copying made one record of 200,000 keys take minutes), and a batch is
 * yielded early once it holds JSON_MAX_BATCH_CELLS cells, so memory stays bounded however wide.
 */
export class JsonBatcher {
  private readonly columns: string[] = [];
  private readonly index = new Map<string, number>();
  /** The column list handed out with the last batch; replaced only when columns grew. */
  private published: readonly string[] = [];
  private rows: RawCell[][] = [];
  /** Columns of this batch that held nested values / integers beyond 2^53 (reported with it). */
  private nested = new Set<number>();
  private bigIntegers = new Set<number>();
  private firstRow = 1;
  private count = 0;
  private readonly batchSize: number;
  private readonly maxColumns: number;

  constructor(limits: JsonBatcherLimits = {}) {
    this.batchSize = Math.max(1, limits.batchSize ?? 10_000);
    this.maxColumns = Math.max(1, limits.maxColumns ?? JSON_MAX_COLUMNS);
  }

  /**
   * Adds one parsed record. `text` is the record's JSON text: with it, duplicate keys (which
   * JSON.parse resolves silently to the last value) are refused.
   */
  add(value: unknown, where: RecordPlace, text?: string): void {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new FormatError(
        `expected a JSON object per record, found ${Array.isArray(value) ? 'an array' : typeof value}`,
        where,
      );
    }
    const record = this.count + 1;
    if (text !== undefined) {
      const duplicate = duplicateKeyOf(text, value);
      if (duplicate !== undefined)
        throw new FormatError(
          'key given more than once in one record; JSON keeps only the last value, so the record is refused',
          { ...where, row: record, column: shortKey(duplicate) },
        );
    }
    const row: RawCell[] = new Array<RawCell>(this.columns.length).fill(null);
    // JSON.parse defines every key as an own property, '__proto__' included, so Object.keys sees it.
    const fields = value as Record<string, unknown>;
    for (const key of Object.keys(fields)) {
      let at = this.index.get(key);
      if (at === undefined) {
        if (this.columns.length >= this.maxColumns)
          throw new FormatError(
            `key beyond the limit of ${this.maxColumns} distinct keys (columns); raise maxColumns to read a wider input`,
            { ...where, row: record, column: shortKey(key) },
          );
        at = this.columns.length;
        this.columns.push(key);
        this.index.set(key, at);
      }
      const v = fields[key];
      try {
        row[at] = toRawCell(v);
      } catch (error) {
        if (error instanceof FormatError)
          throw new FormatError(error.detail, { ...where, row: record, column: shortKey(key) });
        throw error;
      }
      if (typeof v === 'object' && v !== null) this.nested.add(at);
      else if (typeof v === 'bigint') this.bigIntegers.add(at);
    }
    this.rows.push(row);
    this.count++;
  }

  get size(): number {
    return this.rows.length;
  }

  /** True when the batch should be taken: batchSize rows, or JSON_MAX_BATCH_CELLS cells. */
  get full(): boolean {
    return (
      this.rows.length >= this.batchSize || this.rows.length * this.columns.length >= JSON_MAX_BATCH_CELLS
    );
  }

  /** Takes the collected rows as a batch; short rows are padded with nulls to the current columns. */
  take(): RecordBatch {
    const width = this.columns.length;
    if (this.published.length !== width) this.published = this.columns.slice();
    for (const row of this.rows) while (row.length < width) row.push(null);
    const named = (at: Set<number>): string[] => [...at].sort((a, b) => a - b).map((i) => this.columns[i]!);
    const batch: RecordBatch = {
      columns: this.published,
      rows: this.rows,
      firstRow: this.firstRow,
      ...(this.nested.size > 0 ? { nestedColumns: named(this.nested) } : {}),
      ...(this.bigIntegers.size > 0 ? { bigIntegerColumns: named(this.bigIntegers) } : {}),
    };
    this.rows = [];
    this.nested = new Set();
    this.bigIntegers = new Set();
    this.firstRow = this.count + 1;
    return batch;
  }

  get seenColumns(): readonly string[] {
    return this.columns;
  }
}

/** A key as a location names it: keys are unbounded, messages are not. */
function shortKey(key: string): string {
  return key.length > 100 ? `${key.slice(0, 100)}…` : key;
}

/** Keys in a parsed JSON value, nested objects included; iterative, as deep values are allowed. */
function keyCount(value: unknown): number {
  let n = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null) continue;
    const values = Array.isArray(v) ? (v as unknown[]) : Object.values(v as Record<string, unknown>);
    if (!Array.isArray(v)) n += values.length;
    for (const x of values) if (typeof x === 'object' && x !== null) stack.push(x);
  }
  return n;
}

/** Occurrences of `needle` in `text` (native search, no allocation). */
function countOf(text: string, needle: string): number {
  let n = 0;
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + needle.length)) n++;
  return n;
}

/** A quote, then whitespace, then a colon: a key spaced from its colon (or such text in a string). */
const SPACED_COLON = /"[ \t\r\n]+:/;

/**
 * A key that occurs twice in one object of `text` (nested objects included), or undefined.
 * `value` is what JSON.parse made of the text. Every key of the text ends in `":` unless spaced
 * from its colon, so when no key is spaced and the text holds no more `":` than the value holds
 * keys, no key can have been lost and the text is not scanned: the common case stays at native
 * speed, colons in times and URLs included.
 */
export function duplicateKeyOf(text: string, value: unknown): string | undefined {
  if (!SPACED_COLON.test(text) && countOf(text, '":') === keyCount(value)) return undefined;
  // Spaced keys, `":` inside strings, or a duplicate: scan for keys, object by object.
  const objects: Set<string>[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 123 /* { */) objects.push(new Set());
    else if (c === 125 /* } */) objects.pop();
    else if (c === 34 /* " */) {
      const start = i;
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 92) i++;
        else if (d === 34) break;
      }
      let next = i + 1;
      while (next < text.length && text.charCodeAt(next) <= 32) next++;
      if (text.charCodeAt(next) !== 58 /* : */) continue;
      const literal = text.slice(start + 1, i);
      const key = literal.includes('\\') ? (JSON.parse(`"${literal}"`) as string) : literal;
      const keys = objects.at(-1);
      if (keys === undefined) continue;
      if (keys.has(key)) return key;
      keys.add(key);
    }
  }
  // No key repeats: the text held `":` inside strings, or keys spaced from their colons.
  return undefined;
}
