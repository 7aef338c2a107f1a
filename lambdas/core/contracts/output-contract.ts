/**
 * The data contract of one pipeline step output: where its objects land, what format they have,
 * their schema and the quality rules they must meet. Contracts are authored in YAML or JSON
 * (snake_case keys; the file format is defined once in contract-schema.ts); this is the typed,
 * validated model the core works with.
 */
import type { COLUMN_TYPES, COMPATIBILITY_LEVELS, COMPRESSIONS, DATA_FORMATS, TIMESTAMP_UNITS } from './contract-schema';

export { COLUMN_TYPES, COMPATIBILITY_LEVELS, COMPRESSIONS, DATA_FORMATS, TIMESTAMP_UNITS } from './contract-schema';

export type ColumnType = (typeof COLUMN_TYPES)[number];
export type DataFormat = (typeof DATA_FORMATS)[number];
export type Compression = (typeof COMPRESSIONS)[number];
/** Least schema compatibility level a contract accepts, from strictest to loosest. */
export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number];
export type TimestampUnit = (typeof TIMESTAMP_UNITS)[number];

export interface ColumnSpec {
  readonly name: string;
  readonly type: ColumnType;
  readonly nullable: boolean;
  /** Timestamps: unit of the stored value (default us) and zone of zone-less text (default UTC). */
  readonly unit?: TimestampUnit;
  readonly zone?: string;
  /** Decimals: total digits and digits after the point. */
  readonly precision?: number;
  readonly scale?: number;
  /** Inclusive bounds; text for dates, timestamps and decimals. */
  readonly range?: readonly [number | string, number | string];
  readonly allowed?: readonly (string | number | boolean)[];
  readonly pattern?: string;
  /** Inclusive [min, max] length of string values. */
  readonly length?: readonly [number, number];
  readonly unique?: boolean;
  readonly generate?: Readonly<Record<string, unknown>>;
  readonly description?: string;
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

export interface CsvOptions {
  readonly delimiter: string;
  readonly header: boolean;
}

export interface OutputContract {
  readonly pipeline: string;
  readonly step: string;
  readonly output: string;
  readonly description?: string;
  /** Key template with `{placeholders}`; a trailing `/` claims every object under it. */
  readonly path: string;
  readonly format: DataFormat;
  /** Expected compression; when absent, whatever is detected is accepted. */
  readonly compression?: Compression;
  readonly csv: CsvOptions;
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

export const NUMERIC_TYPES: readonly ColumnType[] = ['int32', 'int64', 'float32', 'float64', 'decimal'];
