/**
 * A uniform random sample of a stream of rows (reservoir sampling, Algorithm R with a seeded
 * generator): after n rows, each of them is in the sample with the same probability, whatever its
 * place in the file. `prt infer` drafts from it, so a file sorted by time is described by rows from
 * its whole span, not by its first hours.
 *
 * Held rows are bounded twice: by count (`capacity`) and by an estimate of their bytes
 * (`maxBytes`). When the bytes pass the bound, rows are evicted at random until they fit and the
 * capacity shrinks to what is left: a uniform subset of a uniform sample is uniform, and Algorithm R
 * continued with the smaller capacity stays so.
 */
import type { RawCell } from '../../../lambdas/core/formats';
import { SeededRandom } from './seeded-random';

/** Bytes a cell is counted for: V8 strings take up to two bytes a character plus a header. */
export function cellBytes(cell: RawCell): number {
  if (typeof cell === 'string') return 24 + 2 * cell.length;
  if (typeof cell === 'bigint') return 32;
  return 8;
}

function rowBytes(row: readonly RawCell[]): number {
  let bytes = 32 + 8 * row.length;
  for (const cell of row) bytes += cell === null ? 0 : cellBytes(cell);
  return bytes;
}

export interface SampledRow {
  /** 0-based position in the stream. */
  readonly index: number;
  readonly cells: readonly RawCell[];
  readonly bytes: number;
}

export class RowReservoir {
  private readonly held: SampledRow[] = [];
  private readonly random: SeededRandom;
  private heldBytes = 0;
  /** Rows offered so far. */
  seen = 0;
  /** True once the byte bound made the capacity smaller than asked. */
  shrunk = false;

  constructor(
    private capacity: number,
    private readonly maxBytes: number,
    seed: number,
  ) {
    if (!Number.isSafeInteger(capacity) || capacity < 1)
      throw new RangeError(`a sample holds at least one row, not ${capacity}`);
    this.random = new SeededRandom(seed);
  }

  /**
   * Whether the next row offered will be kept: call before building the row, so rows left out
   * cost nothing. Each call stands for one row; follow a true answer with `keep`.
   */
  admits(): number | undefined {
    this.seen++;
    if (this.held.length < this.capacity) return this.held.length;
    const slot = this.random.below(this.seen);
    return slot < this.capacity ? slot : undefined;
  }

  /** Stores the row `admits` made room for, in the slot it returned. */
  keep(slot: number, cells: readonly RawCell[]): void {
    const row = { index: this.seen - 1, cells, bytes: rowBytes(cells) };
    const old = this.held[slot];
    if (old) this.heldBytes -= old.bytes;
    this.held[slot] = row;
    this.heldBytes += row.bytes;
    if (this.heldBytes > this.maxBytes) this.evict();
  }

  private evict(): void {
    while (this.heldBytes > this.maxBytes && this.held.length > 1) {
      const at = this.random.below(this.held.length);
      const last = this.held.pop()!;
      if (at < this.held.length) {
        this.heldBytes -= this.held[at]!.bytes;
        this.held[at] = last;
      } else this.heldBytes -= last.bytes;
    }
    this.capacity = this.held.length;
    this.shrunk = true;
  }

  /** Every row offered was kept (the sample is the whole stream). */
  get complete(): boolean {
    return this.held.length === this.seen;
  }

  /** The sample in stream order. */
  rows(): SampledRow[] {
    return [...this.held].sort((a, b) => a.index - b.index);
  }
}
