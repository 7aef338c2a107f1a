/**
 * A column's values computed a batch at a time: one call per column per batch, each kind in its
 * own loop over the batch's keys, where the per-cell path calls every column's cell function from
 * one shared call site (many targets, so V8 inlines none of them) and boxes each double it returns.
 * A fill gives exactly the values the column's cell function gives for the same keys: it draws
 * from the same per-cell stream (CellRandom.at(key)) in the same order. Only columns whose cells
 * are plain draws have one (no nulls, no violations, no filtering): the others keep the cell path.
 */
import type { CellRandom } from './cell-random';

/**
 * Numbers a column's flat layout takes as they are: safe integers for int32, int64, decimal
 * (unscaled) and timestamp (unit count) columns, doubles for float columns.
 */
export interface NumberFill {
  readonly kind: 'numbers';
  /** out[i] = the value at keys[i], for i < n; `rand` is the column's cell stream. */
  fill(rand: CellRandom, keys: Float64Array, n: number, out: Float64Array): void;
}

/** Texts of a string column as indices into a fixed list of distinct texts. */
export interface IndexFill {
  readonly kind: 'indices';
  readonly dictionary: readonly string[];
  /** out[i] = the index of the value at keys[i] in `dictionary`, for i < n. */
  fill(rand: CellRandom, keys: Float64Array, n: number, out: Int32Array): void;
}

export type BatchFill = NumberFill | IndexFill;

/**
 * A fill bound to its column's stream: what a column plan offers the batch writer. With `isNull`,
 * the column has a null layer: the fill is for the keys whose cell is not null, and the cells of
 * the others are null (the cell path draws nothing for them either).
 */
export type ColumnFill = (
  | { readonly kind: 'numbers'; fill(keys: Float64Array, n: number, out: Float64Array): void }
  | {
      readonly kind: 'indices';
      readonly dictionary: readonly string[];
      fill(keys: Float64Array, n: number, out: Int32Array): void;
    }
) & { readonly isNull?: (key: number) => boolean };

/** Binds a generator's fill to the column's cell stream (and null layer, if any). */
export function bindFill(fill: BatchFill, rand: CellRandom, isNull?: (key: number) => boolean): ColumnFill {
  const nulls = isNull ? { isNull } : {};
  if (fill.kind === 'numbers')
    return { kind: 'numbers', fill: (keys, n, out) => fill.fill(rand, keys, n, out), ...nulls };
  return {
    kind: 'indices',
    dictionary: fill.dictionary,
    fill: (keys, n, out) => fill.fill(rand, keys, n, out),
    ...nulls,
  };
}
