/**
 * The rows one tested version adds to the results dataset, built from its stored report: one per
 * rule result, one per column metric, one for the version. Every row carries the version's
 * identity, so each table reads alone. Text from data and contracts is cut to RESULT_TEXT_LIMITS
 * (a note can quote a value), so a version adds a bounded number of bounded rows: rules and
 * columns are bounded by the contract and the readers' column limits.
 */
import { createHash } from 'node:crypto';

import type { TypedValue } from '../contracts/typed-values';
import { describeCondition } from '../reporting/describe-condition';
import type { ColumnProfile } from '../metrics/column-profile';
import type { RuleResult, ValidationReport } from '../validation/validation-report';
import { RESULTS_SCHEMAS, type ResultsTable } from './results-tables';

/** The tested version: the object (or folder) and the output it was registered as. */
export interface TestedVersion {
  readonly bucket: string;
  /** The object's key, or a partitioned output's folder. */
  readonly key: string;
  /** The registry's version token (S3 version id, `etag:…`, or a marker's). */
  readonly version: string;
  readonly uri: string;
  /** When the object arrived (the S3 event's time): fixes the date partition. */
  readonly arrivedAt: string;
  readonly pipeline: string;
  readonly step: string;
  readonly output: string;
  readonly run: string | null;
}

/** What the stored report (single, ranged or partitioned) says beside the validation report. */
export interface ReportedVersion extends ValidationReport {
  readonly object: { readonly size: number };
  readonly format: { readonly detected: string };
  readonly quarantineUri: string | null;
  readonly validatedAt: string;
}

export interface ResultsInput {
  readonly version: TestedVersion;
  readonly report: ReportedVersion;
  readonly reportUri: string;
  /**
   * Why the test ended in error although a report was written (a partitioned output with parts
   * left unvalidated beyond the tolerance): the version is `error`, and no rule passes on it.
   */
  readonly error?: string;
}

/**
 * A version whose test ended without a report of its verdict, as the state machine recorded it:
 * a processing error (a timeout budget stop, a crash, a dependency down after its retries) or an
 * object unreadable as its contract's format. Without it the dataset would hold only the versions
 * that got a report, and a failure rate or status-over-time query would silently miss errors.
 */
export interface EndedVersion {
  readonly version: TestedVersion;
  /** The registry status: `error` (nothing is known of the data) or `failed` (unreadable as its format). */
  readonly status: 'error' | 'failed';
  /** The recorded error, `<name>: <message>`. */
  readonly reason: string;
  /** When the workflow recorded the end (an ISO time): the row's tested_at. */
  readonly endedAt: string;
  /** The object's size from its S3 event (a folder's marker's, for a partitioned output). */
  readonly bytes: number;
}

export type RuleOutcome = 'PASS' | 'FAIL' | 'ERROR';

/** A row: values in the order of its table's schema (RESULTS_SCHEMAS). */
export type ResultsRow = readonly TypedValue[];

export interface ResultsRows {
  readonly resultId: string;
  readonly rows: Readonly<Record<ResultsTable, readonly ResultsRow[]>>;
}

export const RESULT_TEXT_LIMITS = {
  /** Characters of a message, summary or evaluated rule. */
  text: 2_000,
  /** Characters of a name (rule, column, metric text value). */
  name: 512,
} as const;

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * The version's identity as a hash: the same tested version always gives the same id, so a
 * retried execution writes the same rows under the same key.
 */
export function versionHash(version: Pick<TestedVersion, 'bucket' | 'key' | 'version'>): string {
  return createHash('sha256')
    .update(`${version.bucket}\u0000${version.key}\u0000${version.version}`)
    .digest('hex')
    .slice(0, 32);
}

/** Milliseconds since the epoch of an ISO time, or null when it is not one. */
function epochMs(iso: string): bigint | null {
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? BigInt(ms) : null;
}

interface RuleRow {
  readonly name: string;
  readonly type: string;
  readonly column: string | null;
  readonly evaluatedRule: string;
  readonly outcome: RuleOutcome;
  readonly severity: string | null;
  readonly evaluated: number | null;
  readonly passed: number | null;
  readonly failed: number | null;
  readonly passRate: number | null;
  readonly threshold: number | null;
  readonly message: string | null;
}

function evaluatedRule(r: RuleResult): string {
  const condition = describeCondition(r.condition, r.constraint);
  const subject = r.field === '' ? r.type : r.field;
  return `${`${subject} ${condition}`.trim()} (threshold ${r.threshold})`;
}

/** A rule that judged none of the rows (all null or absent) could not be judged: ERROR, not PASS or FAIL. */
function ruleOutcome(r: RuleResult, report: ValidationReport): RuleOutcome {
  if (report.rowCount > 0 && r.evaluated === 0) return 'ERROR';
  return r.outcome === 'pass' ? 'PASS' : 'FAIL';
}

function ruleRows(report: ReportedVersion, error: string | undefined): RuleRow[] {
  const rows: RuleRow[] = [];
  const failed = new Set(report.failedRules);
  if (report.schema.columns.length > 0) {
    rows.push({
      name: 'schema_compatibility',
      type: 'schema',
      column: null,
      evaluatedRule: `schema level at most ${report.schema.accepted}`,
      outcome: failed.has('schema_compatibility') ? 'FAIL' : 'PASS',
      severity: 'error',
      evaluated: report.schema.columns.length,
      passed: null,
      failed: null,
      passRate: null,
      threshold: null,
      message: `schema ${report.schema.level} (accepts ${report.schema.accepted})`,
    });
  }
  for (const r of report.rules) {
    rows.push({
      name: r.name,
      type: r.type,
      column: r.field === '' ? null : r.field,
      evaluatedRule: evaluatedRule(r),
      outcome: ruleOutcome(r, report),
      severity: r.severity,
      evaluated: r.evaluated,
      passed: r.passed,
      failed: r.failed,
      passRate: Number.isFinite(r.passRate) ? r.passRate : null,
      threshold: r.threshold,
      message: r.note ?? null,
    });
  }
  for (const edge of report.consumers ?? []) {
    rows.push({
      name: `consumer:${edge.consumer}`,
      type: 'consumer',
      column: null,
      evaluatedRule: `graded for ${edge.consumer}: at most ${edge.accepts}`,
      outcome: edge.breaks ? 'FAIL' : 'PASS',
      severity: edge.onBreak === 'fail' ? 'error' : 'warn',
      evaluated: null,
      passed: null,
      failed: null,
      passRate: null,
      threshold: null,
      message: `graded ${edge.level}, accepts ${edge.accepts}`,
    });
  }
  // Findings named among the failed rules without a rule result (format, parts_*): the summary says why.
  const named = new Set(rows.map((r) => r.name));
  for (const name of report.failedRules) {
    if (named.has(name) || name.startsWith('consumer:')) continue;
    named.add(name);
    rows.push({
      name,
      type: 'finding',
      column: null,
      evaluatedRule: name,
      outcome: error !== undefined && name === 'parts_validated' ? 'ERROR' : 'FAIL',
      severity: null,
      evaluated: null,
      passed: null,
      failed: null,
      passRate: null,
      threshold: null,
      message: report.summary,
    });
  }
  // A test that ended in error proved no rule: what passed on the parts read is not a pass.
  if (error !== undefined)
    return rows.map((r) =>
      r.outcome === 'PASS' ? { ...r, outcome: 'ERROR', message: `not judged: ${error}` } : r,
    );
  return rows;
}

/** The metrics of one column profile, as (metric, value, text) triples. */
function columnMetrics(p: ColumnProfile): [string, number | null, string | null][] {
  const numeric = p.mean !== undefined;
  const bound = (text: string | undefined): [number | null, string | null] => {
    if (text === undefined) return [null, null];
    const n = Number(text);
    return [numeric && Number.isFinite(n) ? n : null, text];
  };
  const out: [string, number | null, string | null][] = [
    ['count', p.count, null],
    ['nulls', p.nulls, null],
    ['null_rate', p.nullRate, null],
    ['non_conforming', p.nonConforming, null],
    ['distinct', p.distinct.value, p.distinct.exact ? 'exact' : 'estimate'],
  ];
  if (p.min !== undefined) out.push(['min', ...bound(p.min)]);
  if (p.max !== undefined) out.push(['max', ...bound(p.max)]);
  if (p.mean !== undefined) out.push(['mean', p.mean, null]);
  if (p.stddev !== undefined) out.push(['stddev', p.stddev, null]);
  for (const [name, value] of Object.entries(p.quantiles ?? {})) out.push([name, value, null]);
  if (p.length) {
    out.push(['min_length', p.length.min, null]);
    out.push(['max_length', p.length.max, null]);
  }
  // JSON carries non-finite numbers as text; a metric that is not a number has no value.
  return out.map(([m, v, t]) => [m, v !== null && Number.isFinite(v) ? v : null, t]);
}

/** The columns every row of a version starts with (VERSION_COLUMNS of the tables). */
function identityOf(version: TestedVersion): TypedValue[] {
  return [
    `prt-${versionHash(version)}`,
    version.step,
    version.output,
    version.version,
    version.uri,
    version.run,
  ];
}

const cutName = (s: string) => cut(s, RESULT_TEXT_LIMITS.name);
const cutText = (s: string | null) => (s === null ? null : cut(s, RESULT_TEXT_LIMITS.text));

/** The rows of the three tables for one tested version. */
export function buildResultsRows(input: ResultsInput): ResultsRows {
  const { version, report, reportUri, error } = input;
  const resultId = `prt-${versionHash(version)}`;
  const testedAt = epochMs(report.validatedAt);
  if (testedAt === null) throw new Error(`report validatedAt '${report.validatedAt}' is not an ISO time`);
  const arrivedAt = epochMs(version.arrivedAt);
  const identity = identityOf(version);

  const rules = ruleRows(report, error);
  const ruleResults = rules.map((r): ResultsRow => [
    ...identity,
    cutName(r.name),
    r.type,
    r.column === null ? null : cutName(r.column),
    cutText(r.evaluatedRule),
    r.outcome,
    r.severity,
    r.evaluated,
    r.passed,
    r.failed,
    r.passRate,
    r.threshold,
    cutText(r.message),
    testedAt,
  ]);

  const metrics: ResultsRow[] = [];
  for (const p of report.profile ?? []) {
    for (const [metric, value, valueText] of columnMetrics(p)) {
      metrics.push([
        ...identity,
        cutName(p.name),
        p.type,
        metric,
        value,
        valueText === null ? null : cutName(valueText),
        testedAt,
      ]);
    }
  }

  const passed = rules.filter((r) => r.outcome === 'PASS').length;
  const errors = rules.filter((r) => r.outcome === 'ERROR').length;
  const seconds = arrivedAt === null ? null : Number(testedAt - arrivedAt) / 1000;
  const versionRow: ResultsRow = [
    ...identity,
    error !== undefined ? 'error' : report.status,
    // A version no rule judged has no score: nothing evaluated is not a pass.
    rules.length === 0 ? null : passed / rules.length,
    rules.length,
    passed,
    rules.length - passed - errors,
    errors,
    report.rowCount,
    report.failedRowCount,
    report.object.size,
    report.format.detected,
    report.schema.level,
    cutText(error !== undefined ? `ERROR: ${error}; ${report.summary}` : report.summary),
    reportUri,
    report.quarantineUri,
    arrivedAt,
    testedAt,
    seconds,
  ];

  return checked(resultId, {
    rule_results: ruleResults,
    column_metrics: metrics,
    version_results: [versionRow],
  });
}

function checked(resultId: string, rows: Record<ResultsTable, ResultsRow[]>): ResultsRows {
  for (const [table, list] of Object.entries(rows) as [ResultsTable, ResultsRow[]][]) {
    const width = RESULTS_SCHEMAS[table].length;
    // A row that does not match its schema is a bug here, not a data finding.
    if (list.some((row) => row.length !== width))
      throw new Error(`results rows of ${table} do not have the table's ${width} columns`);
  }
  return { resultId, rows };
}

/**
 * The rows of a version whose test ended without a report: its one version row, with what is known
 * (the reason, its size, when it arrived and when the end was recorded) and nulls for what was
 * never measured (rows, format, schema level, score). A processing error judged no rule, so it has
 * no rule rows; an object unreadable as its format broke one, the `format` finding (as a format
 * mismatch the validate step detects is named), so the failure rate by rule counts it. No column
 * metrics: no column was read.
 */
export function buildEndedRows(input: EndedVersion): ResultsRows {
  const { version, status, reason, endedAt, bytes } = input;
  const resultId = `prt-${versionHash(version)}`;
  const testedAt = epochMs(endedAt);
  if (testedAt === null) throw new Error(`end time '${endedAt}' is not an ISO time`);
  const arrivedAt = epochMs(version.arrivedAt);
  const identity = identityOf(version);
  const ruleResults: ResultsRow[] =
    status === 'failed'
      ? [
          [
            ...identity,
            'format',
            'finding',
            null,
            'format',
            'FAIL',
            'error',
            null,
            null,
            null,
            null,
            null,
            cutText(reason),
            testedAt,
          ],
        ]
      : [];
  const failed = ruleResults.length;
  const versionRow: ResultsRow = [
    ...identity,
    status,
    // Nothing passed on a version that ended here: 0 of 1 for the broken format, none for an error.
    failed === 0 ? null : 0,
    failed,
    0,
    failed,
    0,
    null,
    null,
    bytes,
    null,
    null,
    cutText(`${status === 'error' ? 'ERROR' : 'UNREADABLE'}: ${reason}`),
    null,
    null,
    arrivedAt,
    testedAt,
    arrivedAt === null ? null : Number(testedAt - arrivedAt) / 1000,
  ];
  return checked(resultId, { rule_results: ruleResults, column_metrics: [], version_results: [versionRow] });
}
