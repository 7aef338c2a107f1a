/**
 * Splits one JSON Lines object into byte ranges whose boundaries are record starts, so that
 * separate readers can each take a range and together read exactly the records one reader would.
 * Unlike CSV, every line feed ends a record: JSON text cannot hold a raw line feed (inside a
 * string it is written `\n`), so the first line feed at or after a tentative split point settles
 * the boundary. When none is found within the longest record the reader accepts, the split is
 * given up: the plan then has fewer ranges, never a wrong one (that record is an error for the
 * reader of the range holding it, as for one reader of the whole object).
 */
import type { ByteSource } from './byte-io';
import { JSON_MAX_RECORD_LENGTH } from './json-records';

/** Bytes [start, end) of the object: whole lines. */
export interface JsonLinesRange {
  readonly start: number;
  readonly end: number;
}

export interface JsonLinesRangeOptions {
  /** A range smaller than this is not worth a reader of its own (default 1 MiB). */
  readonly minRangeBytes?: number;
  /** First window read after a tentative split point (default 64 KiB); doubled as needed. */
  readonly window?: number;
  /**
   * The reader's longest record in characters (default JSON_MAX_RECORD_LENGTH): a UTF-8
   * character takes at most 4 bytes, so a line feed further away than 4 bytes a character ends a
   * record the reader refuses anyway, and the search stops there.
   */
  readonly maxRecordLength?: number;
}

const LF = 10;

/**
 * Plans up to `count` ranges of about equal size, consecutive and covering [0, size). Fewer when
 * the object is small (under minRangeBytes a range) or no line feed follows a split point.
 */
export async function planJsonLinesRanges(
  source: ByteSource,
  count: number,
  options: JsonLinesRangeOptions = {},
): Promise<JsonLinesRange[]> {
  const size = await source.size();
  const minRange = Math.max(1, options.minRangeBytes ?? 1024 * 1024);
  const n = Math.max(1, Math.min(Math.floor(count), Math.floor(size / minRange)));
  const widest = 4 * (options.maxRecordLength ?? JSON_MAX_RECORD_LENGTH) + 1;
  const cuts: number[] = [];
  for (let k = 1; k < n; k++) {
    const at = Math.floor((size * k) / n);
    const previous = cuts[cuts.length - 1] ?? 0;
    if (at <= previous) continue;
    const b = await lineStartFrom(source, size, at, options.window ?? 64 * 1024, widest);
    if (b !== undefined && b > previous && b < size) cuts.push(b);
  }
  const edges = [0, ...cuts, size];
  return edges.slice(1).map((end, i) => ({ start: edges[i]!, end }));
}

/**
 * The first record start at or after `at` (> 0): one past the first line feed at or after
 * at - 1. Undefined when there is none within `widest` bytes, or before the end.
 */
async function lineStartFrom(
  source: ByteSource,
  size: number,
  at: number,
  window: number,
  widest: number,
): Promise<number | undefined> {
  let from = at - 1;
  let searched = 0;
  let w = Math.max(1, window);
  while (from < size && searched < widest) {
    const to = Math.min(size, from + Math.min(w, widest - searched));
    const bytes = await source.readRange(from, to);
    const i = bytes.indexOf(LF);
    if (i >= 0) return from + i + 1;
    searched += to - from;
    from = to;
    w *= 2;
  }
  return undefined;
}
