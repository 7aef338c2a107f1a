/**
 * Typed columns: what a column-fed writer (TableWriter.writeColumns) takes, one per contract column
 * in schema order, each holding the same rows. They are the write-side sibling of the vectors in
 * column-batch.ts: flat typed arrays with a validity byte per row where a column's values have a
 * flat layout, so a writer encodes a column without a JS value per cell, and no row objects exist.
 *
 * - `float64`: float32 and float64 columns (float32 values already rounded to float32).
 * - `int32`: int32 columns.
 * - `integer`: int64, timestamp (count of the column's unit) and decimal (unscaled) columns whose
 *   values are all safe integers, held as doubles: exact, and free of BigInt arithmetic, which
 *   dominates writing such columns otherwise. A value past 2^53 puts its batch in `values`.
 * - `boolean`: 0/1 bytes.
 * - `string`: string and date ('YYYY-MM-DD') columns, null for a null cell.
 * - `dictionary`: a string column as indices into its distinct texts (-1 for a null), as a
 *   dictionary-encoded Parquet page holds it: a writer or the proof encodes each distinct text
 *   once and copies its bytes per row, where a `string` column makes them per row.
 * - `utf8`: a plain string column as the UTF-8 bytes of its texts, where its source held them so
 *   (a CSV reader's text vector: row r is `bytes[start[r], end[r])`, a null where flags[r] has
 *   TEXT_NULL): a writer copies the bytes, where a `string` column would be decoded from them only
 *   to be encoded back. Only made where the bytes are exactly the UTF-8 of the texts (utf8ColumnOf
 *   in the conversion's digest: no escapes, valid UTF-8, no cell cutting a character). A writer
 *   without a byte path takes it as texts (utf8Strings).
 * - `values`: any column, as the typed values a row would hold (the exact representation).
 *
 * `valid` is null when every row holds a value, else one byte per row (1 = a value, 0 = null).
 */
import type { ColumnSpec } from '../contracts/output-contract';
import type { TypedValue } from '../contracts/typed-values';
import { TEXT_NULL } from './column-batch';

export interface Float64Column {
  readonly kind: 'float64';
  readonly values: Float64Array;
  readonly valid: Uint8Array | null;
}

export interface Int32Column {
  readonly kind: 'int32';
  readonly values: Int32Array;
  readonly valid: Uint8Array | null;
}

export interface IntegerColumn {
  readonly kind: 'integer';
  /** Safe integers only (|v| <= 2^53 - 1). */
  readonly values: Float64Array;
  readonly valid: Uint8Array | null;
}

export interface BooleanColumn {
  readonly kind: 'boolean';
  readonly values: Uint8Array;
  readonly valid: Uint8Array | null;
}

export interface StringColumn {
  readonly kind: 'string';
  readonly values: readonly (string | null)[];
}

export interface DictionaryColumn {
  readonly kind: 'dictionary';
  /** Index into `dictionary` per row, -1 for a null. */
  readonly indices: Int32Array;
  readonly dictionary: readonly string[];
}

export interface Utf8Column {
  readonly kind: 'utf8';
  readonly bytes: Uint8Array;
  readonly start: Int32Array;
  readonly end: Int32Array;
  /** TEXT_NULL marks a null; no other flag (escapes) is set in a cell a Utf8Column holds. */
  readonly flags: Uint8Array;
}

export interface ValuesColumn {
  readonly kind: 'values';
  readonly values: readonly TypedValue[];
}

export type TypedColumn =
  | Float64Column
  | Int32Column
  | IntegerColumn
  | BooleanColumn
  | StringColumn
  | DictionaryColumn
  | Utf8Column
  | ValuesColumn;

// ignoreBOM keeps a cell's leading U+FEFF, as the CSV reader's textCell does.
const UTF8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** Row r of a UTF-8 column as its text, null for a null. */
export function utf8Text(column: Utf8Column, r: number): string | null {
  if ((column.flags[r]! & TEXT_NULL) !== 0) return null;
  const s = column.start[r]!;
  const e = column.end[r]!;
  return s === e ? '' : UTF8.decode(column.bytes.subarray(s, e));
}

/** Rows [0, length) of a UTF-8 column as a string column, for writers without a byte path. */
export function utf8Strings(column: Utf8Column, length: number): StringColumn {
  const values = new Array<string | null>(length);
  for (let r = 0; r < length; r++) values[r] = utf8Text(column, r);
  return { kind: 'string', values };
}

/** Rows [0, length) of a dictionary column as a string column (each text shared, not copied). */
export function dictionaryStrings(column: DictionaryColumn, length: number): StringColumn {
  const { indices, dictionary } = column;
  const values = new Array<string | null>(length);
  for (let r = 0; r < length; r++) {
    const i = indices[r]!;
    values[r] = i < 0 ? null : dictionary[i]!;
  }
  return { kind: 'string', values };
}

/** Whether row r of a column is null. */
export function isNullAt(column: TypedColumn, r: number): boolean {
  switch (column.kind) {
    case 'string':
    case 'values':
      return column.values[r] === null || column.values[r] === undefined;
    case 'dictionary':
      return column.indices[r]! < 0;
    case 'utf8':
      return (column.flags[r]! & TEXT_NULL) !== 0;
    default:
      return column.valid !== null && column.valid[r] === 0;
  }
}

/**
 * Row r of a column as the exact typed value a row holds (bigints for int64 past 2^53,
 * timestamps and decimals), for writers that take rows.
 */
export function typedValueAt(column: TypedColumn, spec: ColumnSpec, r: number): TypedValue {
  switch (column.kind) {
    case 'string':
      return column.values[r] ?? null;
    case 'values':
      return column.values[r] ?? null;
    case 'dictionary': {
      const i = column.indices[r]!;
      return i < 0 ? null : column.dictionary[i]!;
    }
    case 'utf8':
      return utf8Text(column, r);
    case 'boolean':
      return column.valid !== null && column.valid[r] === 0 ? null : column.values[r] === 1;
    case 'integer': {
      if (column.valid !== null && column.valid[r] === 0) return null;
      const v = column.values[r]!;
      return spec.type === 'int64' ? v : BigInt(v);
    }
    default:
      return column.valid !== null && column.valid[r] === 0 ? null : column.values[r]!;
  }
}

/** Rows [0, length) of columns, for writers without a column-fed path. */
export function rowsOfColumns(
  columns: readonly TypedColumn[],
  schema: readonly ColumnSpec[],
  length: number,
): TypedValue[][] {
  const rows = new Array<TypedValue[]>(length);
  const width = columns.length;
  for (let r = 0; r < length; r++) {
    const row = new Array<TypedValue>(width);
    for (let c = 0; c < width; c++) row[c] = typedValueAt(columns[c]!, schema[c]!, r);
    rows[r] = row;
  }
  return rows;
}

const SAFE = Number.MAX_SAFE_INTEGER;

/**
 * Builds one column's TypedColumn from typed values appended one by one, in the flat layout of the
 * column's type. Decimals and timestamps may come as numbers (the fast representation generators
 * use; exact because safe integers). A value that does not fit the flat layout (an int64 past
 * 2^53, a bigint) moves the batch to `values`, so any typed value is accepted.
 *
 * @example
 * const b = new TypedColumnBuilder(spec, 8192);
 * for (...) b.append(v);
 * const column = b.finish(); // then b.reset() for the next batch
 */
export class TypedColumnBuilder {
  private readonly layout: 'float64' | 'int32' | 'integer' | 'boolean' | 'string' | 'values';
  private readonly numbers: Float64Array;
  private readonly ints: Int32Array;
  private readonly bytes: Uint8Array;
  private readonly valid: Uint8Array;
  private nulls = 0;
  private texts: (string | null)[] = [];
  /** Typed values, once the batch has left its flat layout (or for types without one). */
  private fallback: TypedValue[] | null = null;
  /** The batch as dictionary indices (takeDictionary), until a value is appended one by one. */
  private dictionary: DictionaryColumn | null = null;
  private n = 0;
  private readonly exact: boolean;

  constructor(
    readonly spec: ColumnSpec,
    private readonly capacity: number,
  ) {
    switch (spec.type) {
      case 'float32':
      case 'float64':
        this.layout = 'float64';
        break;
      case 'int32':
        this.layout = 'int32';
        break;
      case 'int64':
      case 'timestamp':
      case 'decimal':
        this.layout = 'integer';
        break;
      case 'boolean':
        this.layout = 'boolean';
        break;
      case 'string':
      case 'date':
        this.layout = 'string';
        break;
      default:
        this.layout = 'values';
    }
    // Timestamps and decimals are bigints in the exact representation; int64 may be either.
    this.exact = spec.type === 'timestamp' || spec.type === 'decimal';
    this.numbers = new Float64Array(this.layout === 'float64' || this.layout === 'integer' ? capacity : 0);
    this.ints = new Int32Array(this.layout === 'int32' ? capacity : 0);
    this.bytes = new Uint8Array(this.layout === 'boolean' ? capacity : 0);
    this.valid = new Uint8Array(spec.nullable && this.layout !== 'string' ? capacity : 0);
    if (this.layout === 'values') this.fallback = [];
  }

  get length(): number {
    return this.n;
  }

  /**
   * Takes the rows of a batch as dictionary indices (-1 for a null) into texts, for a string or
   * date column with no row appended yet. The indices are the builder's to keep: pass a copy of a
   * reader's buffer. A value appended after it turns the rows into texts first.
   */
  takeDictionary(indices: Int32Array, dictionary: readonly string[]): void {
    if (this.layout !== 'string' || this.n !== 0) {
      for (const i of indices) this.append(i < 0 ? null : dictionary[i]!);
      return;
    }
    if (indices.length > this.capacity) {
      throw new RangeError(`column ${this.spec.name} holds ${this.capacity} rows`);
    }
    this.dictionary = { kind: 'dictionary', indices, dictionary };
    this.n = indices.length;
  }

  append(v: TypedValue): void {
    if (this.n >= this.capacity) throw new RangeError(`column ${this.spec.name} holds ${this.capacity} rows`);
    if (this.dictionary !== null) {
      this.texts = dictionaryStrings(this.dictionary, this.n).values as (string | null)[];
      this.dictionary = null;
    }
    const r = this.n++;
    if (this.fallback !== null) {
      this.fallback.push(this.exact && typeof v === 'number' ? BigInt(v) : v);
      return;
    }
    switch (this.layout) {
      case 'string':
        // A date or string column holds text; anything else keeps its own representation.
        if (v === null || typeof v === 'string') this.texts.push(v);
        else this.leave(r, v);
        return;
      case 'float64':
        if (typeof v === 'number') return this.flat(r, v);
        break;
      case 'int32':
        if (typeof v === 'number' && (v | 0) === v) {
          this.ints[r] = v;
          if (this.valid.length > 0) this.valid[r] = 1;
          return;
        }
        break;
      case 'integer':
        if (typeof v === 'number' && Number.isInteger(v) && v >= -SAFE && v <= SAFE) return this.flat(r, v);
        if (typeof v === 'bigint' && v >= -SAFE && v <= SAFE) return this.flat(r, Number(v));
        break;
      case 'boolean':
        if (typeof v === 'boolean') {
          this.bytes[r] = v ? 1 : 0;
          if (this.valid.length > 0) this.valid[r] = 1;
          return;
        }
        break;
    }
    if (v === null && this.valid.length > 0) {
      this.valid[r] = 0;
      this.nulls++;
      return;
    }
    this.leave(r, v);
  }

  /**
   * Appends a number the caller knows fits the column's flat layout: any double in a float
   * column, a safe integer in an int64, timestamp or decimal column, an int32 in an int32 column
   * (what a typing fast path has established), without repeating append's checks per value.
   * Once the batch has left its flat layout, or for a layout without numbers, this is append.
   */
  appendNumber(v: number): void {
    const r = this.n;
    if (this.fallback !== null || r >= this.capacity) return this.append(v);
    switch (this.layout) {
      case 'float64':
      case 'integer':
        this.numbers[r] = v;
        break;
      case 'int32':
        this.ints[r] = v;
        break;
      default:
        return this.append(v);
    }
    if (this.valid.length > 0) this.valid[r] = 1;
    this.n = r + 1;
  }

  private flat(r: number, v: number): void {
    this.numbers[r] = v;
    if (this.valid.length > 0) this.valid[r] = 1;
  }

  /** Moves rows [0, r) to typed values and appends v as row r. */
  private leave(r: number, v: TypedValue): void {
    const spec = this.spec;
    const done = this.view(r);
    const out: TypedValue[] = [];
    for (let i = 0; i < r; i++) out.push(typedValueAt(done, spec, i));
    out.push(this.exact && typeof v === 'number' ? BigInt(v) : v);
    this.fallback = out;
  }

  private view(length: number): TypedColumn {
    const valid = this.valid.length > 0 && this.nulls > 0 ? this.valid.subarray(0, length) : null;
    switch (this.layout) {
      case 'float64':
        return { kind: 'float64', values: this.numbers.subarray(0, length), valid };
      case 'integer':
        return { kind: 'integer', values: this.numbers.subarray(0, length), valid };
      case 'int32':
        return { kind: 'int32', values: this.ints.subarray(0, length), valid };
      case 'boolean':
        return { kind: 'boolean', values: this.bytes.subarray(0, length), valid };
      case 'string':
        return { kind: 'string', values: this.texts.slice(0, length) };
      default:
        return { kind: 'values', values: [] };
    }
  }

  /**
   * The column of the rows appended since the last reset. Its arrays are the builder's own: use
   * it before the next reset (writers encode or copy what they keep).
   */
  finish(): TypedColumn {
    if (this.fallback !== null) return { kind: 'values', values: this.fallback };
    if (this.dictionary !== null) return this.dictionary;
    if (this.layout === 'string') return { kind: 'string', values: this.texts };
    return this.view(this.n);
  }

  reset(): void {
    this.n = 0;
    this.nulls = 0;
    this.texts = [];
    this.dictionary = null;
    this.fallback = this.layout === 'values' ? [] : null;
  }
}
