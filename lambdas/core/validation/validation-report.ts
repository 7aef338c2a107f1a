import type { ValueFit } from '../contracts/contract-diff';
import type { CompatibilityLevel, ColumnSpec, ColumnType, RuleCondition } from '../contracts/output-contract';
import type { EdgeGrade } from '../contracts/edge-grade';
import type { ColumnProfile } from '../metrics/column-profile';
import type { HistoryCheck, HistoryFinding } from '../history/history-types';

export type ValidationStatus = 'passed' | 'warned' | 'failed';

export interface ColumnReport {
  readonly name: string;
  readonly expectedType: ColumnType | null;
  /**
   * ok | missing | extra | type_mismatch | unexpected_nulls | stored_type (a typed file declares
   * another type for the column that its values can be read as: widened, or narrowed with a cast)
   */
  readonly finding: 'ok' | 'missing' | 'extra' | 'type_mismatch' | 'unexpected_nulls' | 'stored_type';
  readonly level: CompatibilityLevel;
  readonly nulls: number;
  readonly nonConforming: number;
  /** First offending row number and value, to make the finding actionable. */
  readonly example?: { readonly row: number; readonly value: string | null };
  /** What a cast would do for convertible columns. */
  readonly castPlan?: string;
  /** A typed file (Parquet, Arrow): the type it declares for the column. */
  readonly stored?: Pick<ColumnSpec, 'type' | 'precision' | 'scale' | 'unit'>;
  /** A typed file: how the column's values fit the narrower types read from it (contract, consumers). */
  readonly fits?: readonly ValueFit[];
  /** How the stored type reads as the column's (`int64 read as int32: 2 of 9 values do not fit`). */
  readonly typeChange?: string;
}

export interface RuleResult {
  readonly name: string;
  readonly type: string;
  readonly field: string;
  readonly condition?: RuleCondition;
  readonly threshold: number;
  readonly severity: 'error' | 'warn';
  /** For schema column constraints: which one (range, allowed, pattern, length, unique). */
  readonly constraint?: string;
  readonly note?: string;
  readonly evaluated: number;
  readonly passed: number;
  readonly failed: number;
  readonly passRate: number;
  readonly outcome: 'pass' | 'fail';
}

export type { HistoryCheck, HistoryFinding } from '../history/history-types';

export interface ValidationReport {
  readonly output: string;
  readonly status: ValidationStatus;
  readonly rowCount: number;
  readonly schema: {
    readonly level: CompatibilityLevel;
    readonly accepted: CompatibilityLevel;
    readonly columns: readonly ColumnReport[];
  };
  readonly rules: readonly RuleResult[];
  readonly failedRules: readonly string[];
  /** Rows that broke at least one check of any severity (schema findings, constraints, rules). */
  readonly failedRowCount: number;
  /**
   * Of `failedRowCount`, the rows whose only broken checks are warn-severity rules: the rest broke
   * a schema finding, a constraint or an error rule. Absent in reports made before it was counted.
   */
  readonly warnOnlyRowCount?: number;
  readonly summary: string;
  /** Per-column profiles (always present from the metrics engine). */
  readonly profile?: readonly ColumnProfile[];
  /** Anomalies against earlier registered versions (warnings; the status is not changed by them). */
  readonly history?: readonly HistoryFinding[];
  /** The judgement against the output's history: every metric with its band, or why none was judged. */
  readonly historyCheck?: HistoryCheck;
  /** This output graded for each step that reads it (absent when no contract reads it). */
  readonly consumers?: readonly EdgeGrade[];
}

/** One quarantined row: its number, its values and the checks it broke. */
export interface FailedRow {
  readonly row: number;
  readonly values: Readonly<Record<string, string | null>>;
  readonly broke: readonly string[];
}
