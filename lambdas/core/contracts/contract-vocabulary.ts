/**
 * The words of the contract file format: column types, formats, rule conditions and the other
 * closed lists. They live apart from contract-schema.ts (the zod definition of the file) so that
 * code which only needs the words (validation, the readers, a worker thread validating a range)
 * does not load zod and build the schema: about half of a validation worker's bundle.
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
  'decimal',
] as const;
export const DATA_FORMATS = ['csv', 'jsonl', 'json', 'parquet', 'arrow'] as const;
export const COMPRESSIONS = ['none', 'gzip'] as const;
/** The statuses that may release a staged version to its published path (write-audit-publish). */
export const PUBLISHABLE_STATUSES = ['passed', 'warned'] as const;
export const COMPATIBILITY_LEVELS = ['strict', 'compatible', 'convertible', 'incompatible'] as const;
export const TIMESTAMP_UNITS = ['ms', 'us', 'ns'] as const;
export const RULE_CONDITIONS = [
  'not_null',
  'greater_than',
  'greater_or_equal',
  'less_than',
  'less_or_equal',
  'between',
  'matches',
  'in_set',
  'type_conforms',
  'length_between',
  'format',
  'unique',
  'expression',
  'max_age',
  'mean_between',
  'stddev_between',
  'quantile_between',
  'ks_test',
  'exists_in',
] as const;
export const RULE_TYPES = [
  'completeness',
  'accuracy',
  'validity',
  'uniqueness',
  'consistency',
  'timeliness',
  'distribution',
  'referential',
] as const;
export const VALUE_FORMATS = ['email', 'uuid', 'date', 'timestamp', 'url', 'ipv4', 'ipv6'] as const;
/**
 * Data classification levels of a column, least to most sensitive. Staging masks `confidential`
 * and `restricted` columns, as it masks `pii: true` ones (lambdas/core/masking).
 */
export const CLASSIFICATIONS = ['public', 'internal', 'confidential', 'restricted'] as const;

/** Levels a consumer may accept of its input: strict would break on any added column. */
export const ACCEPTED_INPUT_LEVELS = ['compatible', 'convertible'] as const;
