// The public face of results: the results dataset's tables (their schemas, which the CDK's Glue
// tables declare) and the writers the validate step calls where it stores a report, or where the
// workflow records a test that ended without one.
export { buildEndedRows, buildResultsRows, versionHash, RESULT_TEXT_LIMITS } from './results-rows';
export type {
  EndedVersion,
  ReportedVersion,
  ResultsInput,
  ResultsRow,
  ResultsRows,
  RuleOutcome,
  TestedVersion,
} from './results-rows';
export { RESULTS_PARTITION_KEYS, RESULTS_SCHEMAS, RESULTS_TABLES } from './results-tables';
export type { ResultsTable } from './results-tables';
export {
  arrivalDate,
  PARQUET_CONTENT_TYPE,
  resultsKey,
  writeEndedResults,
  writeResults,
} from './write-results';
export type { ResultsDeps } from './write-results';
