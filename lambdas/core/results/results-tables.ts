/**
 * The three tables of the results dataset, as the Parquet files are written and as the Glue tables
 * declare them (lib/results-dataset.ts reads these through the runtime). Columns are flat: the
 * project's Parquet encoder writes flat schemas (decision 0010), and flat columns are what Athena
 * and DuckDB filter and aggregate without unnesting. `dt` and `pipeline` are not columns of the
 * files: they are the Hive partition folders (`dt=2026-12-07/pipeline=sales/`).
 */
import type { ColumnSpec } from '../contracts/output-contract';

export const RESULTS_TABLES = ['rule_results', 'column_metrics', 'version_results'] as const;
export type ResultsTable = (typeof RESULTS_TABLES)[number];

/** The partition keys, in folder order; both strings in the Glue tables. */
export const RESULTS_PARTITION_KEYS = ['dt', 'pipeline'] as const;

const text = (name: string, nullable = false): ColumnSpec => ({ name, type: 'string', nullable });
const count = (name: string, nullable = false): ColumnSpec => ({ name, type: 'int64', nullable });
const real = (name: string, nullable = true): ColumnSpec => ({ name, type: 'float64', nullable });
// Milliseconds: the unit every Athena engine version reads from Parquet as a timestamp.
const time = (name: string, nullable = false): ColumnSpec => ({
  name,
  type: 'timestamp',
  unit: 'ms',
  nullable,
});

/** What identifies the tested version on every row, so any table can be read alone. */
const VERSION_COLUMNS: readonly ColumnSpec[] = [
  text('result_id'),
  text('step'),
  text('output'),
  text('version'),
  text('object_uri'),
  text('run', true),
];

export const RESULTS_SCHEMAS: Readonly<Record<ResultsTable, readonly ColumnSpec[]>> = {
  // One row per rule result, in the shape of Glue Data Quality's rule results: the rule's name,
  // the rule as evaluated, PASS/FAIL/ERROR, the metrics it was judged on and a message.
  rule_results: [
    ...VERSION_COLUMNS,
    text('rule_name'),
    text('rule_type'),
    text('column_name', true),
    text('evaluated_rule'),
    text('outcome'),
    text('severity', true),
    count('evaluated_rows', true),
    count('passed_rows', true),
    count('failed_rows', true),
    real('pass_rate'),
    real('threshold'),
    text('message', true),
    time('tested_at'),
  ],
  // One row per column and metric (long, as Deequ's metrics repository keeps them): a metric added
  // later is a new value of `metric`, not a change of the table.
  column_metrics: [
    ...VERSION_COLUMNS,
    text('column_name'),
    text('column_type', true),
    text('metric'),
    real('value'),
    text('value_text', true),
    time('tested_at'),
  ],
  version_results: [
    ...VERSION_COLUMNS,
    text('status'),
    real('score'),
    count('rules'),
    count('rules_passed'),
    count('rules_failed'),
    count('rules_error'),
    // Null where the test ended before a report (a processing error, an object unreadable as its
    // format): nothing was counted or detected, and 0 rows would be a claim about the data.
    count('row_count', true),
    count('failed_row_count', true),
    count('bytes'),
    text('format', true),
    text('schema_level', true),
    text('summary'),
    text('report_uri', true),
    text('quarantine_uri', true),
    time('arrived_at', true),
    time('tested_at'),
    real('seconds_to_verdict'),
  ],
};
