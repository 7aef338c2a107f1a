/**
 * Readers yield record batches, never whole files, so memory stays flat however large the object.
 * A batch holds raw cells: text from text formats (null for an empty CSV cell or a JSON null),
 * native numbers, bigints and booleans from typed formats, and dates, timestamps and decimals from
 * typed formats as exact text. Typing happens against the contract (column codecs).
 */
export type RawCell = string | number | bigint | boolean | null;

export interface RecordBatch {
  /** Column names in file order. */
  readonly columns: readonly string[];
  readonly rows: readonly (readonly RawCell[])[];
  /** 1-based row number (data rows, header excluded) of rows[0]. */
  readonly firstRow: number;
  /** JSON readers: columns that held nested objects or arrays in this batch, carried as JSON text. */
  readonly nestedColumns?: readonly string[];
  /** JSON readers: columns that held integers beyond 2^53 in this batch, carried as bigints. */
  readonly bigIntegerColumns?: readonly string[];
}
