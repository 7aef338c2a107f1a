/**
 * The results dataset's tables as the validate function writes them, for the CDK construct that
 * declares them in Glue (lib/results-dataset.ts): one list of columns, so the files and the tables
 * cannot drift apart.
 */
export { RESULTS_PARTITION_KEYS, RESULTS_SCHEMAS, RESULTS_TABLES } from '../core/results';
export type { ResultsTable } from '../core/results';
