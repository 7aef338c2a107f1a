/**
 * Splits one Arrow IPC file into runs of record batches from its footer, so that separate readers
 * can each read a run (after every dictionary batch) and together read exactly the rows one reader
 * would. An IPC stream has no footer, and a file whose footer's blocks do not frame its messages
 * cannot be trusted to: either is planned as one run, read as one reader reads it.
 */
import { arrowFileBlocks } from './arrow-lazy';
import type { ByteSource } from './byte-io';

/** Record batches [start, end) in footer order; `blocks: false` for the whole object read in one pass. */
export interface ArrowRange {
  readonly start: number;
  readonly end: number;
  readonly blocks: boolean;
}

/** Plans up to `count` runs of consecutive record batches of about equal bytes. */
export async function planArrowRanges(source: ByteSource, count: number): Promise<ArrowRange[]> {
  const blocks = await arrowFileBlocks(source);
  if (!blocks || blocks.recordBatches.length === 0) return [{ start: 0, end: 0, blocks: false }];
  const batches = blocks.recordBatches;
  const n = Math.max(1, Math.min(Math.floor(count), batches.length));
  const total = batches.reduce((sum, b) => sum + b.length, 0);
  const ranges: ArrowRange[] = [];
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < batches.length; i++) {
    bytes += batches[i]!.length;
    // Close a run once it holds its share of the bytes so far, leaving a batch for every later run.
    const share = (total * (ranges.length + 1)) / n;
    if (ranges.length < n - 1 && bytes >= share && batches.length - (i + 1) >= n - 1 - ranges.length) {
      ranges.push({ start, end: i + 1, blocks: true });
      start = i + 1;
    }
  }
  ranges.push({ start, end: batches.length, blocks: true });
  return ranges;
}
