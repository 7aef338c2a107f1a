/**
 * What a validation report says about one column's values. It is the metrics' output (a
 * ColumnMetrics state's profile), so it lives with them; reports embed it.
 */
import type { ColumnType } from '../contracts/output-contract';

/** Profile of one column, from mergeable metric states (see column-metrics). */
export interface ColumnProfile {
  readonly name: string;
  readonly type: ColumnType | null;
  readonly count: number;
  readonly nulls: number;
  readonly nullRate: number;
  readonly nonConforming: number;
  readonly distinct: {
    readonly value: number;
    /** true when counted exactly; otherwise a HyperLogLog estimate with `relativeError` (1 s.e.). */
    readonly exact: boolean;
    readonly relativeError: number;
  };
  /** Canonical text of the smallest and largest values (any orderable type). */
  readonly min?: string;
  readonly max?: string;
  /** Numeric columns only. */
  readonly mean?: number;
  readonly stddev?: number;
  /** p1, p5, p25, p50, p75, p95, p99 from a DDSketch (1% relative accuracy). */
  readonly quantiles?: Readonly<Record<string, number>>;
  /** Numeric histogram: equal-width bins between min and max (approximate, from the sketch). */
  readonly histogram?: readonly { readonly from: number; readonly to: number; readonly count: number }[];
  /** Most frequent values with counts, when the column has few enough distinct values. */
  readonly top?: readonly { readonly value: string; readonly count: number }[];
  /** String columns: shortest and longest length in characters. */
  readonly length?: { readonly min: number; readonly max: number };
}
