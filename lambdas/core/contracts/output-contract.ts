/**
 * The data contract of one pipeline step output: where its objects land, what format they have,
 * their schema and the quality rules they must meet. Contracts are authored in YAML (snake_case
 * keys, see contracts/*.yaml); this is the typed, validated model the core works with.
 */
export const COLUMN_TYPES = [
  'string',
  'int32',
  'int64',
  'float32',
  'float64',
  'boolean',
  'date',
  'timestamp',
] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

export const DATA_FORMATS = ['csv', 'jsonl', 'parquet'] as const;
export type DataFormat = (typeof DATA_FORMATS)[number];

/** Least schema compatibility level a contract accepts, from strictest to loosest. */
export const COMPATIBILITY_LEVELS = ['strict', 'compatible', 'convertible', 'incompatible'] as const;
export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number];

export interface ColumnSpec {
  readonly name: string;
  readonly type: ColumnType;
  readonly nullable: boolean;
}

export type RuleCondition =
  | { readonly kind: 'not_null' }
  | { readonly kind: 'greater_than'; readonly value: number }
  | { readonly kind: 'less_than'; readonly value: number }
  | { readonly kind: 'between'; readonly min: number; readonly max: number };

export interface QualityRule {
  readonly name: string;
  /** completeness (not_null) or accuracy (numeric comparisons). */
  readonly type: 'completeness' | 'accuracy';
  readonly field: string;
  readonly condition: RuleCondition;
  /** Fraction of rows (0..1) that must pass. */
  readonly threshold: number;
  readonly severity: 'error' | 'warn';
}

export interface OutputContract {
  readonly pipeline: string;
  readonly step: string;
  readonly output: string;
  /** Key template with `{placeholders}`; a trailing `/` claims every object under it. */
  readonly path: string;
  readonly format: DataFormat;
  readonly convertTo?: DataFormat;
  readonly compatibility: CompatibilityLevel;
  /** Upstream logical outputs, `step/output` (same pipeline) or `pipeline/step/output`. */
  readonly inputs: readonly string[];
  readonly jobType?: string;
  /** Whether columns the contract does not name are accepted (compatible) or not (incompatible). */
  readonly allowExtraColumns: boolean;
  readonly schema: readonly ColumnSpec[];
  readonly quality: readonly QualityRule[];
}

/** `pipeline/step/output`, the logical name of an output. */
export function logicalName(c: Pick<OutputContract, 'pipeline' | 'step' | 'output'>): string {
  return `${c.pipeline}/${c.step}/${c.output}`;
}
