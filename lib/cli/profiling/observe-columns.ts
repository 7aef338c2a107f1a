/**
 * Feeds record batches to one ColumnObserver per column. Every row of the input is read; the
 * observers see either every row (`sampleRows` unset) or a seeded random sample of `sampleRows`
 * rows drawn across the whole input (RowReservoir), so a file sorted by time or key is described
 * by rows from all of it. Nulls are counted in every row either way: nullability and completeness
 * are exact, not estimated. Columns that first appear late (JSON keys) count as null in the rows
 * before them.
 *
 * Memory: the observers are bounded (distinct tracking has a budget), and so is the sample, by rows
 * and by DEFAULT_SAMPLE_BYTES; batches are dropped as they are read.
 */
import type { RawCell, RecordBatch } from '../../../lambdas/core/formats';
import { ColumnObserver } from './column-observer';
import { RowReservoir } from './row-reservoir';

export interface ObserveOptions {
  /** Rows in the sample the observers see, drawn across the whole input. Default: every row. */
  readonly sampleRows?: number;
  /** Bound on the sample's estimated bytes (row-reservoir.ts counts them); default DEFAULT_SAMPLE_BYTES. */
  readonly sampleBytes?: number;
  /** Seed of the sample; default DEFAULT_SAMPLE_SEED (the same input gives the same sample). */
  readonly seed?: number;
  /** Distinct values tracked across all columns; each column gets its share (at least 1,000). */
  readonly distinctBudget?: number;
  /** Cap on a single column's share of the budget. */
  readonly maxDistinctPerColumn?: number;
  /** Rows read so far (the whole input is read). */
  readonly onRows?: (rows: number) => void;
}

export interface ObservedColumns {
  /** Column names in first-seen order. */
  readonly names: readonly string[];
  readonly observers: ReadonlyMap<string, ColumnObserver>;
  /** Rows the observers saw. */
  readonly rows: number;
  /** Rows in the input. */
  readonly totalRows: number;
  /** Nulls (and absent keys) per column over every row of the input. */
  readonly nulls: ReadonlyMap<string, number>;
  /** True when the observers saw every row. */
  readonly complete: boolean;
  /** True when the byte bound made the sample smaller than sampleRows. */
  readonly sampleShrunk: boolean;
  /** The distinct-tracking bound each column had. */
  readonly maxDistinct: number;
}

export const DEFAULT_DISTINCT_BUDGET = 500_000;
export const DEFAULT_MAX_DISTINCT_PER_COLUMN = 100_000;
/**
 * 256 MiB of sampled cells (estimated): 100,000 rows of 25 columns of 30-character text fit; a
 * wider or wordier file gets fewer rows, and the draft says so. Chosen to sit well inside the
 * default heap of Node on a 64-bit machine, with the reader's own batches beside it.
 */
export const DEFAULT_SAMPLE_BYTES = 256 * 1024 * 1024;
export const DEFAULT_SAMPLE_SEED = 0x5eed;

export async function observeColumns(
  batches: AsyncIterable<RecordBatch>,
  options: ObserveOptions = {},
): Promise<ObservedColumns> {
  const limit = options.sampleRows ?? Infinity;
  const budget = options.distinctBudget ?? DEFAULT_DISTINCT_BUDGET;
  const cap = options.maxDistinctPerColumn ?? DEFAULT_MAX_DISTINCT_PER_COLUMN;
  const reservoir =
    limit === Infinity
      ? undefined
      : new RowReservoir(
          limit,
          options.sampleBytes ?? DEFAULT_SAMPLE_BYTES,
          options.seed ?? DEFAULT_SAMPLE_SEED,
        );
  const names: string[] = [];
  /** Column name → its index in `names` (a Map: a column may be named __proto__). */
  const indexOf = new Map<string, number>();
  const nullCounts: number[] = [];
  let maxDistinct = cap;
  let rows = 0;
  let columns: readonly string[] | undefined;
  /** Batch column index → column index in `names` (-1: an earlier column of the same name). */
  let mapped: number[] = [];
  /** Columns known from earlier batches but absent from this one. */
  let absent: number[] = [];
  const observers = new Map<string, ColumnObserver>();
  const observerAt: ColumnObserver[] = [];

  for await (const batch of batches) {
    if (batch.columns !== columns) {
      columns = batch.columns;
      if (names.length === 0)
        maxDistinct = Math.min(cap, Math.max(1_000, Math.floor(budget / Math.max(1, columns.length))));
      for (const name of columns) {
        if (!indexOf.has(name)) {
          indexOf.set(name, names.length);
          names.push(name);
          nullCounts.push(rows); // null in every earlier row
          const observer = new ColumnObserver(maxDistinct);
          if (!reservoir) observer.observeMissing(rows);
          observers.set(name, observer);
          observerAt.push(observer);
        }
      }
      // The last of equal names, as the validator maps them.
      const last = new Map(columns.map((name, i) => [name, i]));
      mapped = columns.map((name, i) => (last.get(name) === i ? indexOf.get(name)! : -1));
      const present = new Set(columns);
      absent = names.flatMap((name, g) => (present.has(name) ? [] : [g]));
    }
    const width = mapped.length;
    for (const row of batch.rows) {
      for (let c = 0; c < width; c++) {
        const g = mapped[c]!;
        if (g >= 0 && (row[c] ?? null) === null) nullCounts[g]!++;
      }
      if (reservoir) {
        const slot = reservoir.admits();
        if (slot !== undefined) {
          // Cells by column index in `names`, null where the batch lacks the column.
          const cells: RawCell[] = new Array<RawCell>(names.length).fill(null);
          for (let c = 0; c < width; c++) {
            const g = mapped[c]!;
            if (g >= 0) cells[g] = row[c] ?? null;
          }
          reservoir.keep(slot, cells);
        }
      } else {
        for (let c = 0; c < width; c++) {
          const g = mapped[c]!;
          if (g >= 0) observerAt[g]!.observe(row[c] ?? null);
        }
      }
    }
    for (const g of absent) {
      nullCounts[g]! += batch.rows.length;
      if (!reservoir) observerAt[g]!.observeMissing(batch.rows.length);
    }
    rows += batch.rows.length;
    options.onRows?.(rows);
  }

  let sampled = rows;
  if (reservoir) {
    const sample = reservoir.rows();
    sampled = sample.length;
    for (const { cells } of sample) {
      for (let g = 0; g < observerAt.length; g++) observerAt[g]!.observe(cells[g] ?? null);
    }
  }
  return {
    names,
    observers,
    rows: sampled,
    totalRows: rows,
    nulls: new Map(names.map((name, g) => [name, nullCounts[g]!])),
    complete: reservoir ? reservoir.complete : true,
    sampleShrunk: reservoir?.shrunk ?? false,
    maxDistinct,
  };
}
