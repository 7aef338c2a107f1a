/**
 * The data contract of one pipeline step output: where its objects land, what format they have,
 * their schema and the quality rules they must meet. Contracts are authored in YAML or JSON
 * (snake_case keys; the file format is defined once in contract-schema.ts); this is the typed,
 * validated model the core works with.
 */
import type { Expectation } from '../expectations/expectation-types';
import type { HistorySettings } from '../history/history-types';
import type {
  ACCEPTED_INPUT_LEVELS,
  CLASSIFICATIONS,
  COLUMN_TYPES,
  COMPATIBILITY_LEVELS,
  COMPRESSIONS,
  DATA_FORMATS,
  PUBLISHABLE_STATUSES,
  RULE_TYPES,
  TIMESTAMP_UNITS,
  VALUE_FORMATS,
} from './contract-vocabulary';

export {
  CLASSIFICATIONS,
  COLUMN_TYPES,
  COMPATIBILITY_LEVELS,
  COMPRESSIONS,
  DATA_FORMATS,
  PUBLISHABLE_STATUSES,
  RULE_TYPES,
  TIMESTAMP_UNITS,
  VALUE_FORMATS,
} from './contract-vocabulary';

export type ColumnType = (typeof COLUMN_TYPES)[number];
export type DataFormat = (typeof DATA_FORMATS)[number];
export type Compression = (typeof COMPRESSIONS)[number];
/** Least schema compatibility level a contract accepts, from strictest to loosest. */
export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number];
export type TimestampUnit = (typeof TIMESTAMP_UNITS)[number];
export type Classification = (typeof CLASSIFICATIONS)[number];

/** Storage a typed file declared beyond the contract type (see ColumnSpec.physical). */
export type PhysicalHint = 'int8' | 'int16' | 'uuid' | 'json';

/** The `zone` of a timestamp column whose values name no zone (local date-times). */
export const NAIVE_ZONE = 'naive';

export interface ColumnSpec {
  readonly name: string;
  readonly type: ColumnType;
  readonly nullable: boolean;
  /**
   * Timestamps: unit of the stored value (default us) and zone of zone-less text (default UTC).
   * NAIVE_ZONE marks local date-times that name no zone (Parquet isAdjustedToUTC=false, Arrow
   * without a timezone): read from typed files only, never from a contract file.
   */
  readonly unit?: TimestampUnit;
  readonly zone?: string;
  /**
   * How a typed file (Parquet, Arrow) stored the column where the contract type is wider: int8 and
   * int16 (int32 columns), uuid and json (string columns). Read from typed files only, never from a
   * contract file, so a conversion between typed formats keeps the file's own logical types.
   */
  readonly physical?: PhysicalHint;
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
  /** Personal data (`pii: true`): masked when staged. */
  readonly pii?: boolean;
  readonly classification?: Classification;
  readonly generate?: Readonly<Record<string, unknown>>;
  readonly description?: string;
}

export type ValueFormat = (typeof VALUE_FORMATS)[number];
export type RuleType = (typeof RULE_TYPES)[number];

export type RuleCondition =
  | { readonly kind: 'not_null' }
  | {
      readonly kind: 'greater_than' | 'greater_or_equal' | 'less_than' | 'less_or_equal';
      readonly value: number;
    }
  | { readonly kind: 'between'; readonly min: number; readonly max: number }
  | { readonly kind: 'matches'; readonly pattern: string }
  | { readonly kind: 'in_set'; readonly values: readonly (string | number | boolean)[] }
  | { readonly kind: 'type_conforms' }
  | { readonly kind: 'length_between'; readonly min: number; readonly max: number }
  | { readonly kind: 'format'; readonly format: ValueFormat }
  | { readonly kind: 'unique'; readonly fields: readonly string[] }
  | { readonly kind: 'expression'; readonly expression: string }
  | { readonly kind: 'max_age'; readonly seconds: number; readonly text: string }
  | { readonly kind: 'mean_between' | 'stddev_between'; readonly min: number; readonly max: number }
  | {
      readonly kind: 'quantile_between';
      readonly quantile: number;
      readonly min: number;
      readonly max: number;
    }
  | { readonly kind: 'ks_test'; readonly reference: string; readonly maxStatistic: number }
  | { readonly kind: 'exists_in'; readonly output: string; readonly field: string };

/** Rules checked per row (a pass rate) versus once over the whole output (pass or fail). */
export const DATASET_CONDITIONS: readonly RuleCondition['kind'][] = [
  'max_age',
  'mean_between',
  'stddev_between',
  'quantile_between',
  'ks_test',
];

export interface QualityRule {
  readonly name: string;
  readonly type: RuleType;
  /** Column the rule checks; absent for expressions and composite keys. */
  readonly field?: string;
  readonly condition: RuleCondition;
  /** Fraction of rows (0..1) that must pass; dataset rules pass or fail as a whole. */
  readonly threshold: number;
  readonly severity: 'error' | 'warn';
  /**
   * When the output has rows but the rule judged none (every value null, absent or unknown): the
   * rule is reported as unevaluated and warns (default) or fails at its severity; never a silent pass.
   */
  readonly onUnevaluated?: 'warn' | 'fail';
}

export interface CsvOptions {
  readonly delimiter: string;
  readonly header: boolean;
  /** Encloses fields holding delimiters, quotes or line ends; absent means `"`. */
  readonly quote?: string;
  /** Makes a quote inside a quoted field text; absent means the quote itself (doubled quotes). */
  readonly escape?: string;
  /** A quote inside an unquoted field is text instead of an error. */
  readonly lenientQuotes?: boolean;
}

/** What a consuming step reads of one input, and how far below that it still accepts. */
export interface InputExpectation {
  /** The input as written: `step/output` or `pipeline/step/output`. */
  readonly input: string;
  /** Position of the entry in the file's `inputs`, for errors that name its line. */
  readonly index: number;
  /** The columns read, as this step reads them; absent: the producer's whole contract. */
  readonly columns?: readonly ColumnSpec[];
  /** Least compatibility accepted; below it the edge breaks. */
  readonly accepts: AcceptedInputLevel;
  /** When a landed output breaks the edge: fail the producer's output, or warn. */
  readonly onBreak: 'fail' | 'warn';
}

export type AcceptedInputLevel = (typeof ACCEPTED_INPUT_LEVELS)[number];

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
  /**
   * What this step declared it reads of some of its inputs (the mapping form of an `inputs` entry),
   * in `inputs` order; an input without one is read whole (see expectationOf). Absent when none is
   * declared, so a contract of plain references loads exactly as before.
   */
  readonly expectations?: readonly InputExpectation[];
  readonly jobType?: string;
  /** Whether columns the contract does not name are accepted (compatible) or not (incompatible). */
  readonly allowExtraColumns: boolean;
  /**
   * A folder of part files completed by a `_SUCCESS` marker: parts are validated in parallel and
   * their states merged into one report when the marker arrives; parts alone start nothing.
   */
  readonly partitioned?: boolean;
  /**
   * Schema columns a partitioned output's parts do not hold but name in their Hive-style folders
   * (`date=2026-11-01/region=eu/part-0.parquet`), outermost first; absent when none is declared.
   */
  readonly partitionBy?: readonly string[];
  readonly schema: readonly ColumnSpec[];
  readonly quality: readonly QualityRule[];
  /**
   * How versions are judged against the output's history, as the contract's `history:` wrote it
   * (defaults filled in); absent when the contract has no `history:` key, and the defaults apply.
   */
  readonly history?: HistorySettings;
  /**
   * When versions are expected (the contract's `expected:` key, in its order); absent when the
   * contract expects nothing, and no deadline is checked.
   */
  readonly expected?: readonly Expectation[];
  /**
   * Write-audit-publish: the key template consumers read, and the statuses a version must reach to
   * be copied there from `path` (the staging location). Absent when the output is not gated.
   */
  readonly publish?: PublishSpec;
}

export type PublishableStatus = (typeof PUBLISHABLE_STATUSES)[number];

/** A gated output's `publish:` key (decision 0026). */
export interface PublishSpec {
  /** Key template of the published copy: the placeholders of `path`, and a trailing `/` when it has one. */
  readonly to: string;
  /** Statuses that publish; `passed` always, `warned` when the contract allows it. */
  readonly when: readonly PublishableStatus[];
}

/** `pipeline/step/output`, the logical name of an output. */
export function logicalName(c: Pick<OutputContract, 'pipeline' | 'step' | 'output'>): string {
  return `${c.pipeline}/${c.step}/${c.output}`;
}

/**
 * An output named in a contract (an input, an `exists_in` reference) as its full logical name:
 * `step/output` is in the contract's own pipeline, `pipeline/step/output` is as written.
 */
export function qualifiedName(pipeline: string, name: string): string {
  return name.split('/').length === 2 ? `${pipeline}/${name}` : name;
}

export const NUMERIC_TYPES: readonly ColumnType[] = ['int32', 'int64', 'float32', 'float64', 'decimal'];

/**
 * What `consumer` expects of `input` (its full logical name): the declared expectation, or the
 * default for a plain reference (the producer's whole contract, compatible, failing when broken).
 */
export function expectationOf(consumer: OutputContract, input: string): InputExpectation | undefined {
  const index = consumer.inputs.findIndex((i) => qualifiedName(consumer.pipeline, i) === input);
  if (index < 0) return undefined;
  return (
    consumer.expectations?.find((e) => e.index === index) ?? {
      input: consumer.inputs[index]!,
      index,
      accepts: 'compatible',
      onBreak: 'fail',
    }
  );
}
