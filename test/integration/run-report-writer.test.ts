/**
 * Run reports written by the workflow (lib/run-report-writer.ts on AWS, the embedded stack's
 * queue stand-in and subscriber here): two outputs of one pipeline run land at the same moment; once
 * both are tested, `reports/runs/<pipeline>/<run>/` holds the run's JSON report listing both with
 * their statuses, and the HTML page naming both, the same aggregation as `prt report --run`. Outputs
 * of a run recorded together are written in one batch: one write of the report covers them all.
 *
 * On the embedded stack the queue's window is long and each test ends it once its run's events are
 * queued (handOver), so a batch holds exactly the events the test expects whatever the machine's load.
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
/** Outputs of the run recorded together in the batching case. */
const K = 5;

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
async function settledReport(objects: number, runId = RUN): Promise<RunReport> {
  const deadline = Date.now() + WAIT_MS;
  let last: RunReport | undefined;
  for (;;) {
    const body = await text(runReportKey('reports/', 'sales', runId, 'json'));
    last = body === undefined ? undefined : (JSON.parse(body) as RunReport);
    if (last !== undefined && last.objects === objects && last.statuses.pending === undefined) return last;
    if (Date.now() > deadline)
      throw new Error(`run report of ${runId} not complete after ${WAIT_MS} ms: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Output Tested events the embedded state machine published for a run of sales. */
function outputTestedOf(runId: string): number {
  return h.stack.publishedEvents.filter(
    (e) =>
      e.detailType === 'Output Tested' &&
      (JSON.parse(e.detail) as { output?: { runId?: unknown } }).output?.runId === runId,
  ).length;
}

/**
 * On the embedded stack: once the run's `count` Output Tested events are queued, ends the queue's
 * window, as its 30 s would on AWS (whose queue needs no help: the wait for the report covers it).
 */
async function handOver(runId: string, count: number): Promise<void> {
  if (h.target !== 'embedded') return;
  const deadline = Date.now() + WAIT_MS;
  while (outputTestedOf(runId) < count) {
    if (Date.now() > deadline) throw new Error(`${count} Output Tested events of ${runId} not published`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  h.stack.runReportQueue.flush();
}

/** Puts of the run's JSON report the embedded S3 saw (each put is an Object Created event it routes). */
function reportWrites(runId: string): number {
  const key = runReportKey('reports/', 'sales', runId, 'json');
  return h.stack.ignoredEvents.filter(
    (e) =>
      e['detail-type'] === 'Object Created' &&
      e.detail.bucket.name === h.resources.artifactsBucket &&
      e.detail.object.key === key,
  ).length;
}

beforeAll(async () => {
  h = await startHarness(process.env, { runReportBatching: { windowMs: 600_000 } });
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
    await handOver(RUN, 2);
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

  it(`writes the report of ${K} outputs of one run recorded together once, covering all ${K}`, async () => {
    // Arrange
    const run = h.runId('run-K');
    const keys = Array.from(
      { length: K },
      (_u, i) => `pipelines/sales/${run}/ingestion/raw_orders/orders-${i}.csv`,
    );
    // The writes are counted on the embedded stack (h.stack refuses a deployed target, loudly).
    const invocationsBefore = h.stack.runReportQueue.invocations.length;

    // Act
    await Promise.all(keys.map((key) => h.upload(key, RAW)));
    await Promise.all(keys.map((key) => h.waitForStatus(key)));
    await handOver(run, K);
    await h.settle();
    const report = await settledReport(K, run);

    // Assess
    expect(report).toMatchObject({ pipeline: 'sales', runId: run, status: 'passed', objects: K });
    expect(report.outputs.map((o) => [o.output, o.status, o.objects, o.rows])).toEqual([
      ['ingestion/raw_orders', 'passed', K, 2 * K],
    ]);
    expect(h.stack.runReportQueue.invocations.slice(invocationsBefore)).toEqual([K]);
    expect(reportWrites(run)).toBe(1);
    expect(h.stack.undeliveredEvents).toEqual([]);
  });
});
