// The public face of validation: running the checks and the report they produce.
export { loadRuleReferences, runPartialValidation, runValidation } from './run-validation';
export type { RuleReferences, ValidationRunDeps } from './run-validation';
export { formatMatches, formatMismatchReport, withExtensionFinding } from './format-findings';
export { ValidationState } from './validate-records';
export type { ValidateOptions, ValidationStateJson } from './validate-records';
export type { ColumnReport, FailedRow, RuleResult, ValidationReport } from './validation-report';
export { consumerRuleName, observedColumns, recordedEdgesOf, withConsumerEdges } from './consumer-edges';
export {
  HIVE_NULL_PARTITION,
  partitionValuesOf,
  withoutPartitionColumns,
  withPartitionColumns,
} from './partition-values';
export type { PartitionValue } from './partition-values';
export { readStoredTypes } from './stored-types';
