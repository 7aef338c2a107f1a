/**
 * The results dataset end to end: the stack tests several versions of one output (some failing),
 * then DuckDB runs the README's own queries (read from README.md, so the documentation cannot
 * drift from what works) over the Parquet files the validate step wrote, downloaded from the
 * artifacts bucket with their Hive folders, read with the partition keys typed as the Glue tables
 * type them (strings).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openResultsDataset, readmeQueries, type ResultsDataset } from '../fixtures/results-dataset-views';
import { startHarness, type Harness } from './embedded-stack-harness';

const HEADER = 'order_id,customer_id,purchase_amount,ordered_at';

let h: Harness;
let dataset: ResultsDataset;
let runs: string[];
const uploaded: { key: string; rows: number }[] = [];

beforeAll(async () => {
  h = await startHarness();
  // Two passing runs, a failing one (a missing customer id), a passing and a failing one (amounts
  // below zero): five versions of sales/preprocessing/training_data.
  const versions = [
    [`o-1,1,10.5,2026-11-01T00:00:00Z`, `o-2,2,11,2026-11-01T00:00:00Z`, `o-3,3,12,2026-11-01T00:00:00Z`],
    [
      `o-1,1,1,2026-11-01T00:00:00Z`,
      `o-2,2,2,2026-11-01T00:00:00Z`,
      `o-3,3,3,2026-11-01T00:00:00Z`,
      `o-4,4,4,2026-11-01T00:00:00Z`,
    ],
    [`o-1,,5,2026-11-01T00:00:00Z`, `o-2,2,6,2026-11-01T00:00:00Z`],
    [
      `o-1,1,1,2026-11-01T00:00:00Z`,
      `o-2,2,2,2026-11-01T00:00:00Z`,
      `o-3,3,3,2026-11-01T00:00:00Z`,
      `o-4,4,4,2026-11-01T00:00:00Z`,
      `o-5,5,5,2026-11-01T00:00:00Z`,
    ],
    [`o-1,1,-1,2026-11-01T00:00:00Z`, `o-2,2,-2,2026-11-01T00:00:00Z`],
  ];
  runs = versions.map((_, i) => h.runId(`run-results-${i}`));
  for (const [i, lines] of versions.entries()) {
    const object = await h.upload(
      `pipelines/sales/${runs[i]}/preprocessing/training_data/orders.csv`,
      `${HEADER}\n${lines.join('\n')}\n`,
    );
    // One at a time, so the versions are tested in upload order.
    await h.waitForStatus(object.key);
    uploaded.push({ key: object.key, rows: lines.length });
  }
  // Only this test's runs: a long-lived deployed stack holds other tests' rows too.
  dataset = await openResultsDataset({
    s3: h.s3,
    bucket: h.resources.artifactsBucket,
    runs,
    tempPrefix: 'prt-results-',
  });
}, 240_000);

afterAll(async () => {
  dataset?.close();
  await h?.close();
});

describe("the results dataset, queried with the README's queries", () => {
  it('has the four documented queries', () => {
    // Arrange
    const queries = readmeQueries();

    // Act
    const names = [...queries.keys()];

    // Assess
    expect(names).toEqual([
      'failure rate by rule over 30 days',
      'row count trend of an output',
      'null rate of a column',
      'versions not passed per day',
    ]);
  });

  it('holds one version row per tested version, in files the stack wrote once each', async () => {
    // Arrange
    const sql = 'SELECT count(*) AS versions, count(DISTINCT result_id) AS ids FROM version_results';

    // Act
    const [row] = await dataset.query(sql);

    // Assess
    expect(row).toEqual({ versions: 5, ids: 5 });
  });

  it('failure rate by rule over 30 days: each broken rule failed one version in five', async () => {
    // Arrange
    const sql = readmeQueries().get('failure rate by rule over 30 days')!;

    // Act
    const rows = await dataset.query(sql);

    // Assess
    const byRule = new Map(rows.map((r) => [r['rule_name'], r]));
    expect(byRule.get('customer_id_present')).toMatchObject({
      step: 'preprocessing',
      output: 'training_data',
      evaluations: 5,
      failures: 1,
      failure_rate: 0.2,
    });
    expect(byRule.get('amount_positive')).toMatchObject({ evaluations: 5, failures: 1, failure_rate: 0.2 });
    expect(byRule.get('customer_id_in_range')).toMatchObject({ evaluations: 5 });
    // Sorted by failure rate, highest first.
    const rates = rows.map((r) => r['failure_rate'] as number);
    expect(rates).toEqual([...rates].sort((a, b) => b - a));
  });

  it('row count trend of an output: the versions in the order they were tested, with their row counts', async () => {
    // Arrange
    const sql = readmeQueries().get('row count trend of an output')!;

    // Act
    const rows = await dataset.query(sql);

    // Assess
    expect(rows.map((r) => r['row_count'])).toEqual(uploaded.map((u) => u.rows));
    expect(rows.map((r) => r['status'])).toEqual(['passed', 'passed', 'failed', 'passed', 'failed']);
    const today = new Date().toISOString().slice(0, 10);
    expect(rows.every((r) => String(r['dt']) <= today)).toBe(true);
    expect(rows[0]!['score']).toBe(1);
    expect(rows[2]!['score']).toBeLessThan(1);
  });

  it('null rate of a column: half the ids missing in the third version, none elsewhere', async () => {
    // Arrange
    const sql = readmeQueries().get('null rate of a column')!;

    // Act
    const rows = await dataset.query(sql);

    // Assess
    expect(rows.map((r) => r['null_rate'])).toEqual([0, 0, 0.5, 0, 0]);
  });

  it('versions not passed per day: two of five', async () => {
    // Arrange
    const sql = readmeQueries().get('versions not passed per day')!;

    // Act
    const rows = await dataset.query(sql);

    // Assess
    expect(rows.reduce((n, r) => n + (r['versions'] as number), 0)).toBe(5);
    expect(rows.reduce((n, r) => n + (r['not_passed'] as number), 0)).toBe(2);
  });
});
