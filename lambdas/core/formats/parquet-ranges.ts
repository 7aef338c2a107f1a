/**
 * Ranges of a Parquet file for reading side by side: contiguous runs of row groups from the
 * footer, of about equal rows. A row group is the smallest unit a reader can start at, so a file
 * of one row group is one range.
 */
import type { ByteSource } from './byte-io';
import { openParquet } from './parquet-reader';

export interface ParquetRange {
  /** Row groups [start, end). */
  readonly start: number;
  readonly end: number;
  readonly rows: number;
}

/** Up to `count` ranges of about equal rows (fewer when the file has fewer non-empty row groups). */
export async function planParquetRanges(source: ByteSource, count: number): Promise<ParquetRange[]> {
  const opened = await openParquet(source);
  const rows = opened.metadata.row_groups.map((g) => Number(g.num_rows));
  return splitRowGroups(rows, count);
}

/** Cuts row groups of `rows` rows into up to `count` contiguous ranges near total/count rows each. */
export function splitRowGroups(rows: readonly number[], count: number): ParquetRange[] {
  const total = rows.reduce((a, b) => a + b, 0);
  const n = Math.max(1, Math.min(Math.floor(count), rows.filter((r) => r > 0).length));
  const ranges: ParquetRange[] = [];
  let start = 0;
  let sum = 0;
  let taken = 0;
  for (let g = 0; g < rows.length; g++) {
    sum += rows[g]!;
    // Close a range once its rows reach the next k/n of the total (the last takes what is left).
    if (ranges.length < n - 1 && sum - taken > 0 && sum >= (total * (ranges.length + 1)) / n) {
      ranges.push({ start, end: g + 1, rows: sum - taken });
      start = g + 1;
      taken = sum;
    }
  }
  if (ranges.length === 0 || total - taken > 0) ranges.push({ start, end: rows.length, rows: total - taken });
  // Trailing row groups without rows join the last range: no range is left empty.
  else ranges[ranges.length - 1] = { ...ranges[ranges.length - 1]!, end: rows.length };
  return ranges;
}
