/**
 * Versions that end in the state machine's error path still get their row in the results dataset,
 * through the embedded stack: of three versions of sales/preprocessing/training_data, one passes,
 * one cannot be read as CSV (FormatError: recorded `failed`, no report), and one runs out of
 * function time in Validate (TimeBudgetExceeded: recorded `error`, no report). Each has exactly one
 * version_results row saying what the registry says, with its reason; the error has no rule rows;
 * and the README's queries (read from README.md) run over them with DuckDB and count the two that
 * did not pass. Embedded only: the time budget is provoked by wrapping the validate function.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalHandler } from '../../lib/local/task-bindings';
import type { RegistryEntry } from '../../lambdas/core/registry/output-registry';
import { openResultsDataset, readmeQueries, type ResultsDataset } from '../fixtures/results-dataset-views';
import { startHarness, type Harness } from './embedded-stack-harness';

const HEADER = 'order_id,customer_id,purchase_amount,ordered_at';
/** The key fragment of the version whose validation runs out of function time. */
const OUT_OF_TIME = 'out-of-time';

/**
 * The validate function of one object's test sees a minute left when it starts and 2 s (under its
 * reserve) after, as a function near its timeout does; every other call (the ended test's rows
 * included) runs as it is.
 */
function runningOutOfTime(fn: string, handler: LocalHandler): LocalHandler {
  if (fn !== 'validate') return handler;
  return (event, context) => {
    const request = event as { mode?: unknown; object?: { key?: unknown } };
    const key = request.object?.key;
    if ((request.mode ?? 'object') !== 'object' || typeof key !== 'string' || !key.includes(OUT_OF_TIME))
      return handler(event, context);
    let looks = 0;
    const ctx = context as { getRemainingTimeInMillis: () => number };
    return handler(event, { ...ctx, getRemainingTimeInMillis: () => (looks++ === 0 ? 60_000 : 2_000) });
  };
}

let h: Harness;
let dataset: ResultsDataset;
const entries = new Map<'passed' | 'unreadable' | 'outOfTime', RegistryEntry>();
const runs = new Map<string, string>();

beforeAll(async () => {
  h = await startHarness(process.env, { wrapHandler: runningOutOfTime });
  const versions = [
    ['passed', 'ok', `${HEADER}\no-1,1,10.5,2026-11-01T00:00:00Z\no-2,2,11,2026-11-01T00:00:00Z\n`],
    // A row with 3 of 4 fields: not readable as CSV.
    ['unreadable', 'short-row', `${HEADER}\no-1,1,10.5,2026-11-01T00:00:00Z\no-2,2,3.5\n`],
    [
      'outOfTime',
      OUT_OF_TIME,
      `${HEADER}\n${Array.from({ length: 2000 }, (_, i) => `o-${i},${i + 1},12.5,2026-11-01T00:00:00Z`).join('\n')}\n`,
    ],
  ] as const;
  for (const [name, base, body] of versions) {
    const run = h.runId(`run-ended-${base}`);
    runs.set(name, run);
    const object = await h.upload(`pipelines/sales/${run}/preprocessing/training_data/orders.csv`, body);
    entries.set(name, await h.waitForStatus(object.key));
  }
  // The error path's results write follows the status record: wait for every execution to end.
  await h.settle();
  dataset = await openResultsDataset({
    s3: h.s3,
    bucket: h.resources.artifactsBucket,
    runs: [...runs.values()],
    tempPrefix: 'prt-results-ended-',
  });
}, 240_000);

afterAll(async () => {
  dataset?.close();
  await h?.close();
});

describe('versions that end in the error path, in the results dataset', () => {
  it('ended as the registry says: passed, failed (unreadable) and error (out of time)', () => {
    // Arrange
    const statuses = [...entries].map(([name, e]) => [name, e.status, e.failureReason ?? null]);

    // Act: nothing, the stack tested the three versions in beforeAll.

    // Assess
    expect(statuses).toEqual([
      ['passed', 'passed', null],
      ['unreadable', 'failed', 'FormatError'],
      ['outOfTime', 'error', 'TimeBudgetExceeded'],
    ]);
  });

  it('holds exactly one version row per version, with the recorded status and reason', async () => {
    // Arrange
    const sql = `SELECT run, status, row_count, rules, rules_failed, score, report_uri, bytes, summary,
                        seconds_to_verdict, count(*) OVER (PARTITION BY result_id) AS copies
                 FROM version_results ORDER BY tested_at`;

    // Act
    const rows = await dataset.query(sql);

    // Assess
    expect(rows.map((r) => [r['run'], r['status'], r['copies']])).toEqual([
      [runs.get('passed'), 'passed', 1],
      [runs.get('unreadable'), 'failed', 1],
      [runs.get('outOfTime'), 'error', 1],
    ]);
    const [, unreadable, outOfTime] = rows;
    expect(unreadable).toMatchObject({
      row_count: null,
      rules: 1,
      rules_failed: 1,
      score: 0,
      report_uri: null,
    });
    expect(String(unreadable!['summary'])).toMatch(/^UNREADABLE: FormatError: .*3 fields.*line 3/);
    expect(outOfTime).toMatchObject({ row_count: null, rules: 0, score: null, report_uri: null });
    expect(String(outOfTime!['summary'])).toMatch(/^ERROR: TimeBudgetExceeded: stopped with 2 s/);
    expect(outOfTime!['bytes']).toBeGreaterThan(40_000);
    expect(outOfTime!['seconds_to_verdict']).toBeGreaterThanOrEqual(0);
  });

  it('gives the error no rule or metric rows, and the unreadable object its failed format finding', async () => {
    // Arrange
    const sql = `SELECT run, rule_name, outcome FROM rule_results WHERE run <> '${runs.get('passed')}'`;

    // Act
    const rules = await dataset.query(sql);
    const [metrics] = await dataset.query(
      `SELECT count(*) AS n FROM column_metrics WHERE run <> '${runs.get('passed')}'`,
    );

    // Assess
    expect(rules).toEqual([{ run: runs.get('unreadable'), rule_name: 'format', outcome: 'FAIL' }]);
    expect(metrics).toEqual({ n: 0 });
  });

  it("runs the README's queries over them: two of three versions did not pass", async () => {
    // Arrange
    const queries = readmeQueries();

    // Act
    const notPassed = await dataset.query(queries.get('versions not passed per day')!);
    const trend = await dataset.query(queries.get('row count trend of an output')!);
    const byRule = await dataset.query(queries.get('failure rate by rule over 30 days')!);
    const nullRate = await dataset.query(queries.get('null rate of a column')!);

    // Assess
    expect(notPassed.reduce((n, r) => n + (r['versions'] as number), 0)).toBe(3);
    expect(notPassed.reduce((n, r) => n + (r['not_passed'] as number), 0)).toBe(2);
    expect(trend.map((r) => [r['status'], r['row_count']])).toEqual([
      ['passed', 2],
      ['failed', null],
      ['error', null],
    ]);
    expect(byRule.find((r) => r['rule_name'] === 'format')).toMatchObject({ evaluations: 1, failures: 1 });
    // Only the version that was read has a column metric.
    expect(nullRate).toHaveLength(1);
  });
});
