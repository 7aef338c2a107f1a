/**
 * Readers yield record batches, never whole files, so memory stays flat however large the object.
 * A batch holds raw cell text (null for an empty CSV cell); typing happens against the contract.
 */
export interface RecordBatch {
  /** Column names in file order. */
  readonly columns: readonly string[];
  readonly rows: readonly (readonly (string | null)[])[];
  /** 1-based row number (data rows, header excluded) of rows[0]. */
  readonly firstRow: number;
}
