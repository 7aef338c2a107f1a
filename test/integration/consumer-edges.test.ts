/**
 * Consumer expectations at runtime, end to end on the integration target: the contracts of
 * test/fixtures/contract-edges (raw_orders as changed in raw_orders-breaking.yaml, and two steps
 * that declare what they read of it) are put beside the sample contracts; a raw_orders object whose
 * customer_id holds a null and whose amounts are floats passes its own contract, but not what
 * orders/scoring/scores reads (customer_id non-null, amount a decimal, accepting only compatible):
 * the producer's output ends failed, naming that consumer, and the edge grades are in its report.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseS3Uri } from '../../lambdas/core/storage/object-store';
import type { LineageGraph } from '../../lib/cli/lineage/lineage-graph';
import type { StoredReport } from '../../lambdas/core/workflow/validate-output';
import { PROJECT_ROOT } from '../../lib/config/project-paths';
import { startHarness, type Harness } from './embedded-stack-harness';

const FIXTURE = join(PROJECT_ROOT, 'test/fixtures/contract-edges');
const CONTRACTS = {
  'contracts/edges/orders-ingestion-raw_orders.yaml': join(FIXTURE, 'raw_orders-breaking.yaml'),
  'contracts/edges/orders-scoring-scores.yaml': join(FIXTURE, 'pipeline/orders-scoring-scores.yaml'),
  'contracts/edges/orders-reporting-daily_totals.yaml': join(
    FIXTURE,
    'pipeline/orders-reporting-daily_totals.yaml',
  ),
};

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  for (const [key, file] of Object.entries(CONTRACTS))
    await h.s3.send(
      new PutObjectCommand({ Bucket: h.resources.artifactsBucket, Key: key, Body: readFileSync(file) }),
    );
  // Warm functions keep their parsed contracts for a second on the embedded stack (a minute deployed).
  await sleep(h.target === 'embedded' ? 1_500 : 61_000);
}, 120_000);

afterAll(async () => {
  for (const key of Object.keys(CONTRACTS))
    await h?.s3.send(new DeleteObjectCommand({ Bucket: h.resources.artifactsBucket, Key: key }));
  await h?.close();
});

describe('a landed output graded for the steps that read it', () => {
  it("fails the producer's output that breaks a consumer's expectation, naming the consumer", async () => {
    // Arrange
    const key = `pipelines/orders/${h.runId('run-E')}/ingestion/raw_orders/orders.csv`;
    const body = 'order_id,customer_id,amount,channel,note\no-1,17,120.5,web,\no-2,,9.99,app,first order\n';

    // Act
    await h.upload(key, body);
    const entry = await h.waitForStatus(key);

    // Assess: the registry keeps the failure and names the consumer and the grade.
    expect(entry.status).toBe('failed');
    expect(entry.failureReason).toContain(
      'consumer orders/scoring/scores grades it convertible, below its compatible (fail)',
    );
    expect([...(entry.failedRules ?? [])]).toEqual(['consumer:orders/scoring/scores=convertible']);
    const { bucket, key: reportKey } = parseS3Uri(entry.reportUri!);
    const report = JSON.parse(
      await (
        await h.s3.send(new GetObjectCommand({ Bucket: bucket, Key: reportKey }))
      ).Body!.transformToString(),
    ) as StoredReport;
    expect(report.rules.every((r) => r.outcome === 'pass')).toBe(true);
    expect(report.consumers?.map((e) => [e.consumer, e.level, e.breaks])).toEqual([
      ['orders/reporting/daily_totals', 'compatible', false],
      ['orders/scoring/scores', 'convertible', true],
    ]);
    const scoring = report.consumers?.find((e) => e.consumer === 'orders/scoring/scores');
    expect(scoring?.changes.filter((c) => c.level === 'convertible').map((c) => c.column)).toEqual([
      'customer_id',
      'amount',
    ]);

    // Assess: prt lineage shows the broken edge on the version, as the registry recorded it.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        join(PROJECT_ROOT, 'bin/prt.mjs'),
        'lineage',
        `s3://${h.resources.outputsBucket}/${key}`,
        '--format',
        'json',
      ],
      { cwd: PROJECT_ROOT, env: { ...h.cliEnv(), PRT_REGISTRY_TABLE: h.resources.registryTable } },
    );
    const graph = JSON.parse(stdout) as LineageGraph;
    const root = graph.nodes.find((n) => n.depth === 0);
    expect(root?.brokenConsumers).toEqual(['orders/scoring/scores=convertible']);
    // Every consumer's grade, as the validation recorded it on the registry entry.
    expect(root?.consumerEdges?.map((e) => [e.consumer, e.level, e.accepts, e.breaks, e.onBreak])).toEqual([
      ['orders/reporting/daily_totals', 'compatible', 'convertible', false, 'warn'],
      ['orders/scoring/scores', 'convertible', 'compatible', true, 'fail'],
    ]);
    expect(entry.consumerEdges?.map((e) => e.consumer)).toEqual([
      'orders/reporting/daily_totals',
      'orders/scoring/scores',
    ]);

    // Assess: the text a person reads names the broken edge and why.
    const text = await promisify(execFile)(
      process.execPath,
      [join(PROJECT_ROOT, 'bin/prt.mjs'), 'lineage', `s3://${h.resources.outputsBucket}/${key}`],
      { cwd: PROJECT_ROOT, env: { ...h.cliEnv(), PRT_REGISTRY_TABLE: h.resources.registryTable } },
    );
    expect(text.stdout).toMatch(
      /⇢ read by orders\/scoring\/scores: convertible \(accepts compatible\) BROKEN \(fail\): customer_id: /,
    );
    expect(text.stdout).toContain(
      '⇢ read by orders/reporting/daily_totals: compatible (accepts convertible):',
    );
  });
});
