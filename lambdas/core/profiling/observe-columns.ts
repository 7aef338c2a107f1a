/**
 * Feeds record batches to one ColumnObserver per column, up to a sample size. Batches are
 * processed as they arrive and dropped, so memory is what the observers keep (bounded), not the
 * file. Columns that first appear late (JSON keys) count as null in the rows before them.
 */
import type { RecordBatch } from '../formats/record-batch';
import { ColumnObserver } from './column-observer';

export interface ObserveOptions {
  /** Rows to read at most (the reader is closed after them). Default: all. */
  readonly sampleRows?: number;
  /** Distinct values tracked across all columns; each column gets its share (at least 1,000). */
  readonly distinctBudget?: number;
  /** Cap on a single column's share of the budget. */
  readonly maxDistinctPerColumn?: number;
  readonly onRows?: (rows: number) => void;
}

export interface ObservedColumns {
  /** Column names in first-seen order. */
  readonly names: readonly string[];
  readonly observers: ReadonlyMap<string, ColumnObserver>;
  readonly rows: number;
  /** False when the sample stopped before the end of the input. */
  readonly complete: boolean;
  /** The distinct-tracking bound each column had. */
  readonly maxDistinct: number;
}

export const DEFAULT_DISTINCT_BUDGET = 500_000;
export const DEFAULT_MAX_DISTINCT_PER_COLUMN = 100_000;

export async function observeColumns(
  batches: AsyncIterable<RecordBatch>,
  options: ObserveOptions = {},
): Promise<ObservedColumns> {
  const limit = options.sampleRows ?? Infinity;
  const budget = options.distinctBudget ?? DEFAULT_DISTINCT_BUDGET;
  const cap = options.maxDistinctPerColumn ?? DEFAULT_MAX_DISTINCT_PER_COLUMN;
  const names: string[] = [];
  const observers = new Map<string, ColumnObserver>();
  let maxDistinct = cap;
  let rows = 0;
  let complete = true;
  let columns: readonly string[] | undefined;
  /** Batch column index → observer (the last of equal names, as the validator maps them). */
  let mapped: (ColumnObserver | undefined)[] = [];

  for await (const batch of batches) {
    if (rows >= limit) {
      if (batch.rows.length > 0) {
        complete = false;
        break;
      }
      continue;
    }
    if (batch.columns !== columns) {
      columns = batch.columns;
      if (observers.size === 0)
        maxDistinct = Math.min(cap, Math.max(1_000, Math.floor(budget / Math.max(1, columns.length))));
      for (const name of columns) {
        if (!observers.has(name)) {
          const observer = new ColumnObserver(maxDistinct);
          observer.observeMissing(rows);
          observers.set(name, observer);
          names.push(name);
        }
      }
      const last = new Map(columns.map((name, i) => [name, i]));
      mapped = columns.map((name, i) => (last.get(name) === i ? observers.get(name) : undefined));
    }
    const take = Math.min(batch.rows.length, limit - rows);
    const width = mapped.length;
    for (let r = 0; r < take; r++) {
      const row = batch.rows[r]!;
      for (let c = 0; c < width; c++) mapped[c]?.observe(row[c] ?? null);
    }
    // Columns known from earlier batches but absent from this one: null in its rows.
    if (observers.size > width) {
      const present = new Set(columns);
      for (const [name, observer] of observers) if (!present.has(name)) observer.observeMissing(take);
    }
    rows += take;
    options.onRows?.(rows);
    if (take < batch.rows.length) {
      complete = false;
      break;
    }
  }
  return { names, observers, rows, complete, maxDistinct };
}
