/**
 * Run reports written by the workflow (lib/run-report-writer.ts on AWS, the embedded stack's
 * subscriber here): two outputs of one pipeline run land at the same moment; once both are tested,
 * `reports/runs/<pipeline>/<run>/` holds the run's JSON report listing both with their statuses,
 * and the HTML page naming both, the same aggregation as `prt report --run`.
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../lambdas/core/reporting';
import { runReportKey } from '../../lambdas/core/reporting';
import { startHarness, type Harness } from './embedded-stack-harness';

const RAW =
  'order_id,customer_id,amount,ordered_at\no-1,17,120.5,2026-11-01T09:00:00Z\no-2,42,9.99,2026-11-01T10:00:00Z\n';
// customer_id is required by the contract: the one row without it fails the output.
const TRAINING_FAILING = 'order_id,customer_id,purchase_amount,ordered_at\no-1,,120.5,2026-11-01T09:00:00Z\n';
const POLL_MS = 500;
const WAIT_MS = 120_000;

let h: Harness;
let RUN: string;

async function text(key: string): Promise<string | undefined> {
  try {
    const out = await h.s3.send(new GetObjectCommand({ Bucket: h.resources.artifactsBucket, Key: key }));
    return await out.Body!.transformToString();
  } catch (error) {
    if ((error as Error).name === 'NoSuchKey') return undefined;
    throw error;
  }
}

/** The run's report once it lists `objects` objects none of which is pending (written asynchronously). */
async function settledReport(objects: number): Promise<RunReport> {
  const deadline = Date.now() + WAIT_MS;
  let last: RunReport | undefined;
  for (;;) {
    const body = await text(runReportKey('reports/', 'sales', RUN, 'json'));
    last = body === undefined ? undefined : (JSON.parse(body) as RunReport);
    if (last !== undefined && last.objects === objects && last.statuses.pending === undefined) return last;
    if (Date.now() > deadline)
      throw new Error(`run report of ${RUN} not complete after ${WAIT_MS} ms: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

beforeAll(async () => {
  h = await startHarness();
  RUN = h.runId('run-R');
});

afterAll(async () => {
  await h.close();
});

describe('run reports written by the workflow', () => {
  it('after two outputs of one run land at once, reports/runs/sales/<run>/ lists both in JSON and HTML', async () => {
    // Arrange
    const raw = `pipelines/sales/${RUN}/ingestion/raw_orders/orders.csv`;
    const training = `pipelines/sales/${RUN}/preprocessing/training_data/part-0.csv`;

    // Act
    await Promise.all([h.upload(raw, RAW), h.upload(training, TRAINING_FAILING)]);
    await Promise.all([h.waitForStatus(raw), h.waitForStatus(training)]);
    await h.settle();
    const report = await settledReport(2);
    const html = await text(runReportKey('reports/', 'sales', RUN, 'html'));

    // Assess
    expect(report).toMatchObject({ pipeline: 'sales', runId: RUN, status: 'failed', objects: 2 });
    expect(report.outputs.map((o) => [o.output, o.status, o.objects])).toEqual([
      ['ingestion/raw_orders', 'passed', 1],
      ['preprocessing/training_data', 'failed', 1],
    ]);
    expect(report.outputs[0]!.rows).toBe(2);
    expect(report.outputs[1]!.failedRules.length).toBeGreaterThan(0);
    expect(report.reportsMissing).toEqual([]);
    expect(html).toBeDefined();
    expect(html).toContain('ingestion/raw_orders');
    expect(html).toContain('preprocessing/training_data');
    expect(h.stack?.undeliveredEvents ?? []).toEqual([]);
  });
});
