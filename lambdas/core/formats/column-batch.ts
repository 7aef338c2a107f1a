/**
 * Column batches: what the columnar data path hands from readers to checks and writers. A batch
 * holds one vector per column, each in the representation its reader found cheapest to produce
 * and its consumers cheapest to read; no vector holds a JS object per cell unless its source had
 * one (the `cells` vector, for values that have no flat layout yet, such as nested JSON).
 *
 * - `text`: cells of a text format (CSV) as UTF-8 bytes: row r is `bytes[start[r], end[r])`. A cell
 *   whose `flags[r]` has TEXT_ESCAPED must be unescaped before use (a quoted CSV field holding a
 *   doubled quote); TEXT_NULL marks a null (an empty unquoted CSV field). The bytes are shared
 *   with the reader's buffer, so a cell is decoded to a JS string only when a check or an output
 *   needs text.
 * - `float64`, `int32`: typed arrays; `int64`: BigInt64Array; `timestamp`: BigInt64Array of counts
 *   of `unit` since the epoch (UTC); `date`: Int32Array of days since 1970-01-01; `boolean`:
 *   Uint8Array of 0/1. Each with `valid`: null when every row holds a value, else one byte per row
 *   (1 = a value; 0 = null).
 * - `dictionary`: strings as indices into a dictionary (Parquet's dictionary pages), -1 for null.
 * - `cells`: raw cells as the row readers yield them (RawCell), for everything else.
 *
 * A validity byte per row rather than Arrow's bit per row: the checks read validity once per row
 * in a loop that also reads the value, and a byte load is cheaper there than a shift and a mask;
 * the Arrow IPC writer packs bits at the edge (docs/decisions/0008-columnar-data-path.md).
 */
import type { TimestampUnit } from '../contracts/output-contract';
import { formatDate } from '../contracts/typed-values';
import { int64Cell, timestampText } from './parquet-types';
import type { RawCell, RecordBatch } from './record-batch';

/** flags[r] of a text vector: the cell is null (an empty unquoted field). */
export const TEXT_NULL = 1;
/** flags[r] of a text vector: the cell's bytes hold escapes (a doubled quote) to undo before use. */
export const TEXT_ESCAPED = 2;
/** flags[r] of a text vector: the cell was quoted (an empty quoted field is '', not null). */
export const TEXT_QUOTED = 4;

export interface TextVector {
  readonly kind: 'text';
  readonly bytes: Uint8Array;
  readonly start: Int32Array;
  readonly end: Int32Array;
  readonly flags: Uint8Array;
  /** Undoes the escapes of a cell flagged TEXT_ESCAPED (the reader's dialect knows how). */
  readonly unescape: (text: string) => string;
}

export interface Float64Vector {
  readonly kind: 'float64';
  readonly values: Float64Array;
  readonly valid: Uint8Array | null;
}

export interface Int32Vector {
  readonly kind: 'int32';
  readonly values: Int32Array;
  readonly valid: Uint8Array | null;
}

export interface Int64Vector {
  readonly kind: 'int64';
  readonly values: BigInt64Array;
  readonly valid: Uint8Array | null;
}

export interface TimestampVector {
  readonly kind: 'timestamp';
  readonly values: BigInt64Array;
  readonly unit: TimestampUnit;
  /** An instant (UTC-adjusted) rather than a local date-time without a zone. */
  readonly utc: boolean;
  readonly valid: Uint8Array | null;
}

export interface DateVector {
  readonly kind: 'date';
  readonly values: Int32Array;
  readonly valid: Uint8Array | null;
}

export interface BooleanVector {
  readonly kind: 'boolean';
  readonly values: Uint8Array;
  readonly valid: Uint8Array | null;
}

export interface DictionaryVector {
  readonly kind: 'dictionary';
  readonly indices: Int32Array;
  readonly dictionary: readonly string[];
}

export interface CellsVector {
  readonly kind: 'cells';
  readonly values: readonly RawCell[];
}

export type ColumnVector =
  | TextVector
  | Float64Vector
  | Int32Vector
  | Int64Vector
  | TimestampVector
  | DateVector
  | BooleanVector
  | DictionaryVector
  | CellsVector;

export interface ColumnBatch {
  /** Column names in file order (every column of the input, read or not). */
  readonly columns: readonly string[];
  /**
   * One vector per name in `columns`; null for a column the reader was asked not to read (its
   * name is still known from the header or footer).
   */
  readonly vectors: readonly (ColumnVector | null)[];
  readonly length: number;
  /** 1-based row number (data rows, header excluded) of row 0. */
  readonly firstRow: number;
  /** JSON readers: columns that held nested objects or arrays in this batch, carried as JSON text. */
  readonly nestedColumns?: readonly string[];
  /** JSON readers: columns that held integers beyond 2^53 in this batch, carried as bigints. */
  readonly bigIntegerColumns?: readonly string[];
}

// ignoreBOM keeps a cell's leading U+FEFF: by default a decoder drops it as a byte order mark.
const DECODER = new TextDecoder('utf-8', { ignoreBOM: true });

/** A text cell as a JS string (null for a null cell), decoding and unescaping it. */
export function textCell(v: TextVector, r: number): string | null {
  const f = v.flags[r]!;
  if ((f & TEXT_NULL) !== 0) return null;
  const s = v.start[r]!;
  const e = v.end[r]!;
  const text = s === e ? '' : DECODER.decode(v.bytes.subarray(s, e));
  return (f & TEXT_ESCAPED) !== 0 ? v.unescape(text) : text;
}

/** Row r of a vector as the raw cell the row readers would have yielded (for the edges that show rows). */
export function rawCellOf(v: ColumnVector, r: number): RawCell {
  switch (v.kind) {
    case 'text':
      return textCell(v, r);
    case 'cells':
      return v.values[r] ?? null;
    case 'dictionary': {
      const i = v.indices[r]!;
      return i < 0 ? null : v.dictionary[i]!;
    }
    case 'int64':
      return v.valid !== null && v.valid[r] === 0 ? null : int64Cell(v.values[r]!);
    case 'timestamp':
      return v.valid !== null && v.valid[r] === 0 ? null : timestampText(v.values[r]!, v.unit, v.utc);
    case 'date':
      return v.valid !== null && v.valid[r] === 0 ? null : formatDate(v.values[r]!);
    case 'boolean':
      return v.valid !== null && v.valid[r] === 0 ? null : v.values[r] === 1;
    default:
      return v.valid !== null && v.valid[r] === 0 ? null : v.values[r]!;
  }
}

/**
 * The column batch of a row batch, for the readers that still yield rows (JSON, Arrow): each
 * column a cells vector, so every cell is typed by the codec exactly as the row engine typed it.
 */
export function columnBatchOf(batch: RecordBatch): ColumnBatch {
  const rows = batch.rows;
  const vectors = batch.columns.map((_, k): ColumnVector => ({
    kind: 'cells',
    values: rows.map((row) => row[k] ?? null),
  }));
  return {
    columns: batch.columns,
    vectors,
    length: rows.length,
    firstRow: batch.firstRow,
    // What the JSON readers carried in another form, which a conversion's proof reports.
    ...(batch.nestedColumns ? { nestedColumns: batch.nestedColumns } : {}),
    ...(batch.bigIntegerColumns ? { bigIntegerColumns: batch.bigIntegerColumns } : {}),
  };
}
