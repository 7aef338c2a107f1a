import { describe, expect, it } from 'vitest';

import {
  buildEndedRows,
  buildResultsRows,
  RESULT_TEXT_LIMITS,
  RESULTS_SCHEMAS,
  versionHash,
  type ResultsInput,
  type ResultsRow,
  type ResultsTable,
} from '../../../../lambdas/core/results';
import { ordersReport } from '../../../fixtures/report-fixtures';

const VERSION: ResultsInput['version'] = {
  bucket: 'outputs',
  key: 'pipelines/sales/run-42/preprocessing/training_data/part-0.csv',
  version: '3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY',
  uri: 's3://outputs/pipelines/sales/run-42/preprocessing/training_data/part-0.csv',
  arrivedAt: '2026-02-01T06:14:30.000Z',
  pipeline: 'sales',
  step: 'preprocessing',
  output: 'training_data',
  run: 'run-42',
};

function input(overrides: Partial<ResultsInput> = {}): ResultsInput {
  return {
    version: VERSION,
    report: ordersReport(),
    reportUri: 's3://artifacts/reports/x.json',
    ...overrides,
  };
}

/** The rows of a table as objects keyed by column name, for readable assertions. */
function named(table: ResultsTable, rows: readonly ResultsRow[]): Record<string, unknown>[] {
  const names = RESULTS_SCHEMAS[table].map((c) => c.name);
  return rows.map((row) => Object.fromEntries(names.map((n, i) => [n, row[i]])));
}

describe('results dataset rows', () => {
  it('gives one rule row per rule result plus the schema, with Glue-like outcomes and the score', () => {
    // Arrange
    const report = ordersReport();

    // Act
    const { resultId, rows } = buildResultsRows(input({ report }));

    // Assess
    const rules = named('rule_results', rows.rule_results);
    expect(rules.map((r) => [r['rule_name'], r['outcome']])).toEqual([
      ['schema_compatibility', 'FAIL'],
      ['customer_id_present', 'PASS'],
      ['amount_positive', 'FAIL'],
      ['in_range', 'FAIL'],
      ['order_id.unique', 'PASS'],
      ['channel.allowed', 'FAIL'],
    ]);
    const amount = rules.find((r) => r['rule_name'] === 'amount_positive')!;
    expect(amount).toMatchObject({
      result_id: resultId,
      step: 'preprocessing',
      output: 'training_data',
      run: 'run-42',
      column_name: 'amount',
      evaluated_rule: 'amount > 0 (threshold 0.95)',
      evaluated_rows: 988,
      passed_rows: 930,
      failed_rows: 58,
      threshold: 0.95,
      tested_at: BigInt(Date.parse('2026-02-01T06:15:00.000Z')),
    });
    const [version] = named('version_results', rows.version_results);
    expect(version).toMatchObject({
      status: 'failed',
      score: 2 / 6,
      rules: 6,
      rules_passed: 2,
      rules_failed: 4,
      rules_error: 0,
      row_count: 1000,
      failed_row_count: 74,
      bytes: 48_213,
      format: 'csv',
      schema_level: 'incompatible',
      report_uri: 's3://artifacts/reports/x.json',
      seconds_to_verdict: 30,
    });
  });

  it('gives one row per column and metric, quantiles included, numbers only where the column is numeric', () => {
    // Arrange
    const report = ordersReport();
    const amount = report.profile!.find((p) => p.name === 'amount')!;

    // Act
    const { rows } = buildResultsRows(input({ report }));

    // Assess
    const metrics = named('column_metrics', rows.column_metrics);
    const ofAmount = new Map(
      metrics.filter((m) => m['column_name'] === 'amount').map((m) => [m['metric'], m['value']]),
    );
    expect(ofAmount.get('count')).toBe(amount.count);
    expect(ofAmount.get('nulls')).toBe(amount.nulls);
    expect(ofAmount.get('mean')).toBe(amount.mean);
    expect(ofAmount.get('p50')).toBe(amount.quantiles!['p50']);
    const text = metrics.filter((m) => m['column_name'] === 'order_id' && m['metric'] === 'min');
    expect(text).toHaveLength(1);
    expect(text[0]).toMatchObject({
      value: null,
      value_text: report.profile!.find((p) => p.name === 'order_id')!.min,
    });
    const columns = new Set(metrics.map((m) => m['column_name']));
    expect(columns.size).toBe(report.profile!.length);
  });

  it('records a rule that judged none of the rows as ERROR, neither a pass nor a failure', () => {
    // Arrange
    const base = ordersReport();
    const report = {
      ...base,
      rules: [
        { ...base.rules[0]!, evaluated: 0, passed: 0, failed: 0, passRate: 0, outcome: 'fail' as const },
      ],
    };

    // Act
    const { rows } = buildResultsRows(input({ report }));

    // Assess
    const rules = named('rule_results', rows.rule_results);
    expect(rules.find((r) => r['rule_name'] === 'customer_id_present')!['outcome']).toBe('ERROR');
    expect(named('version_results', rows.version_results)[0]!['rules_error']).toBe(1);
  });

  it('marks a version whose test ended in error as error, and none of its rules as passed', () => {
    // Arrange
    const why = '3 of 10 parts could not be validated';

    // Act
    const { rows } = buildResultsRows(input({ error: why }));

    // Assess
    const [version] = named('version_results', rows.version_results);
    expect(version!['status']).toBe('error');
    expect(version!['rules_passed']).toBe(0);
    expect(version!['score']).toBe(0);
    const outcomes = named('rule_results', rows.rule_results).map((r) => r['outcome']);
    expect(outcomes).not.toContain('PASS');
    expect(outcomes.filter((o) => o === 'ERROR')).toHaveLength(2);
  });

  it('gives no score to a version no rule judged', () => {
    // Arrange
    const report = {
      ...ordersReport(),
      schema: { level: 'strict' as const, accepted: 'compatible' as const, columns: [] },
      rules: [],
      failedRules: [],
      status: 'passed' as const,
    };

    // Act
    const { rows } = buildResultsRows(input({ report }));

    // Assess
    expect(rows.rule_results).toHaveLength(0);
    expect(named('version_results', rows.version_results)[0]!['score']).toBeNull();
  });

  it('names consumer edges and findings without a rule result as rules of their own', () => {
    // Arrange
    const report = {
      ...ordersReport(),
      failedRules: ['format', 'consumer:sales/training/features=incompatible'],
      consumers: [
        {
          producer: 'sales/preprocessing/training_data',
          consumer: 'sales/training/features',
          level: 'incompatible' as const,
          accepts: 'compatible' as const,
          onBreak: 'fail' as const,
          breaks: true,
          changes: [],
        },
      ],
    };

    // Act
    const { rows } = buildResultsRows(input({ report }));

    // Assess
    const rules = named('rule_results', rows.rule_results);
    expect(rules.find((r) => r['rule_name'] === 'consumer:sales/training/features')).toMatchObject({
      rule_type: 'consumer',
      outcome: 'FAIL',
      severity: 'error',
    });
    expect(rules.find((r) => r['rule_name'] === 'format')).toMatchObject({
      rule_type: 'finding',
      outcome: 'FAIL',
    });
    expect(rules.filter((r) => String(r['rule_name']).startsWith('consumer:'))).toHaveLength(1);
  });

  it('cuts text from data and contracts to its limit', () => {
    // Arrange
    const base = ordersReport();
    const report = {
      ...base,
      summary: 'x'.repeat(50_000),
      rules: [{ ...base.rules[0]!, note: 'n'.repeat(50_000) }],
    };

    // Act
    const { rows } = buildResultsRows(input({ report }));

    // Assess
    const note = named('rule_results', rows.rule_results).find(
      (r) => r['rule_name'] === 'customer_id_present',
    )!;
    expect(String(note['message']).length).toBe(RESULT_TEXT_LIMITS.text);
    expect(String(named('version_results', rows.version_results)[0]!['summary']).length).toBe(
      RESULT_TEXT_LIMITS.text,
    );
  });

  it('derives the result id from the tested version alone', () => {
    // Arrange
    const other = { ...VERSION, version: 'another-version' };

    // Act
    const first = buildResultsRows(input());
    const again = buildResultsRows(
      input({ report: { ...ordersReport(), validatedAt: '2026-02-02T00:00:00.000Z' } }),
    );
    const second = buildResultsRows(input({ version: other }));

    // Assess
    expect(again.resultId).toBe(first.resultId);
    expect(second.resultId).not.toBe(first.resultId);
    expect(first.resultId).toBe(`prt-${versionHash(VERSION)}`);
  });

  it('gives a version that ended in error one version row with its reason and no rule or metric rows', () => {
    // Arrange
    const ended = {
      version: VERSION,
      status: 'error' as const,
      reason: "TimeBudgetExceeded: stopped with 2 s of the function's 60 s left",
      endedAt: '2026-02-01T06:15:30.000Z',
      bytes: 4096,
    };

    // Act
    const { resultId, rows } = buildEndedRows(ended);

    // Assess
    expect(resultId).toBe(`prt-${versionHash(VERSION)}`);
    expect(rows.rule_results).toEqual([]);
    expect(rows.column_metrics).toEqual([]);
    expect(named('version_results', rows.version_results)).toEqual([
      {
        result_id: resultId,
        step: 'preprocessing',
        output: 'training_data',
        version: VERSION.version,
        object_uri: VERSION.uri,
        run: 'run-42',
        status: 'error',
        score: null,
        rules: 0,
        rules_passed: 0,
        rules_failed: 0,
        rules_error: 0,
        row_count: null,
        failed_row_count: null,
        bytes: 4096,
        format: null,
        schema_level: null,
        summary: "ERROR: TimeBudgetExceeded: stopped with 2 s of the function's 60 s left",
        report_uri: null,
        quarantine_uri: null,
        arrived_at: BigInt(Date.parse(VERSION.arrivedAt)),
        tested_at: BigInt(Date.parse(ended.endedAt)),
        seconds_to_verdict: 60,
      },
    ]);
  });

  it('gives an object unreadable as its format a failed version row and the format finding as its one failed rule', () => {
    // Arrange
    const ended = {
      version: VERSION,
      status: 'failed' as const,
      reason: 'FormatError: line 3 has 5 fields, the header 4',
      endedAt: '2026-02-01T06:15:00.000Z',
      bytes: 120,
    };

    // Act
    const { rows } = buildEndedRows(ended);

    // Assess
    const [version] = named('version_results', rows.version_results);
    expect(version).toMatchObject({ status: 'failed', score: 0, rules: 1, rules_failed: 1, row_count: null });
    expect(version!['summary']).toBe('UNREADABLE: FormatError: line 3 has 5 fields, the header 4');
    expect(named('rule_results', rows.rule_results)).toEqual([
      expect.objectContaining({
        rule_name: 'format',
        rule_type: 'finding',
        outcome: 'FAIL',
        message: ended.reason,
      }),
    ]);
    expect(rows.column_metrics).toEqual([]);
  });

  it('cuts the reason of an ended test to its limit and refuses an end time that is none', () => {
    // Arrange
    const long = {
      version: VERSION,
      status: 'error' as const,
      reason: 'x'.repeat(40_000),
      endedAt: '2026-02-01T06:15:00.000Z',
      bytes: 1,
    };

    // Act
    const { rows } = buildEndedRows(long);

    // Assess
    const summary = named('version_results', rows.version_results)[0]!['summary'] as string;
    expect(summary).toHaveLength(RESULT_TEXT_LIMITS.text);
    expect(() => buildEndedRows({ ...long, endedAt: 'later' })).toThrow(
      /end time 'later' is not an ISO time/,
    );
  });
});
