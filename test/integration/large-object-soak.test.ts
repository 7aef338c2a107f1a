/**
 * No output too large: a CSV object and the same rows as a Parquet object, each far above the
 * environment's splitObjectsAboveBytes, end to end on the embedded stack with the deployed
 * definition. Each is split into ranges for the Distributed Map and merged into one report, which
 * must be the report of one pass: the row count, each rule's failing count, and one quarantine
 * whose row numbers are the object's own.
 *
 * Sizes: `npm run soak` (PRT_SOAK=1) writes about 2 GiB of each, split above 64 MiB (32 ranges or
 * more); `npm test` runs the same flow on about 4 MiB split above 128 KiB. The soak's ranges are
 * 64 MiB rather than the deployed 2 GiB because the embedded stack runs every map child on one
 * event loop, ten at once (dev maxConcurrency): a child's wall time is ten ranges' CPU time, and
 * must stay inside the validate function's 300 s timeout on a shared 2-core machine.
 *
 * The expected report comes from the generator's truth (test/fixtures/large-object-rows.ts): at
 * 2 GiB a second, in-process validation would double the CPU the soak needs. The first case checks
 * that truth against a one-pass validation with the core (`runValidation`, what `prt validate`
 * runs) of a 2 MiB CSV and Parquet object of the same generator, in both runs.
 *
 * Objects are generated to a temporary folder (removed afterwards) and streamed to S3 through a
 * real SDK client; the embedded S3 server keeps objects on disk (lib/local/embedded-stack.ts).
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { parseContract } from '../../lambdas/core/contracts';
import { objectPk } from '../../lambdas/core/registry/output-registry';
import { fileSource } from '../../lambdas/core/storage';
import { runValidation } from '../../lambdas/core/validation';
import type { StoredRangedReport } from '../../lambdas/core/workflow/validate-ranges';
import { loadEnvironmentFromCdkJson } from '../../lib/config/project-config';
import { PROJECT_ROOT } from '../../lib/config/project-paths';
import { EmbeddedStack } from '../../lib/local/embedded-stack';
import { localDocumentClient, localS3Client } from '../../lib/local/local-clients';
import {
  largeObjectContract,
  writeLargeCsv,
  writeLargeParquet,
  type FailurePlan,
  type RowsTruth,
} from '../fixtures/large-object-rows';

const SOAK = process.env['PRT_SOAK'] === '1';
const OBJECT_BYTES = SOAK ? 2 * 1024 ** 3 : 4 * 1024 ** 2;
const SPLIT_ABOVE = SOAK ? 64 * 1024 ** 2 : 128 * 1024;
const MIN_RANGES = 16;
/**
 * Parquet ranges are runs of whole row groups: 100,000 rows (about 17 MB) give a 2 GiB object over
 * a hundred groups; the short run's 30,000 rows need groups of 1,000 to make 16 ranges.
 */
const ROW_GROUP_ROWS = SOAK ? 100_000 : 1_000;
/** A few hundred failing rows at 2 GiB (about 12 million rows), a few dozen at 4 MiB. */
const PLAN: FailurePlan = SOAK
  ? { amountEvery: 99_991, amountAt: 11, channelEvery: 100_003, channelAt: 3 }
  : { amountEvery: 470, amountAt: 11, channelEvery: 590, channelAt: 3 };
const WAIT_MS = SOAK ? 3_600_000 : 300_000;
const CSV_CONTRACT_FILE = 'sales-export-large_orders.yaml';
const CSV_CONTRACT = largeObjectContract('large_orders', 'csv');
const PARQUET_CONTRACT_FILE = 'sales-export-large_orders_parquet.yaml';
const PARQUET_CONTRACT = largeObjectContract('large_orders_parquet', 'parquet');

let stack: EmbeddedStack;
let s3: S3Client;
let db: DynamoDBDocumentClient;
let dir: string;
/** The CSV's rows, which the Parquet object repeats. */
let csvRows = 0;

beforeAll(async () => {
  const config = loadEnvironmentFromCdkJson(PROJECT_ROOT, 'dev');
  stack = await EmbeddedStack.start({
    repoRoot: PROJECT_ROOT,
    config: { ...config, partitions: { ...config.partitions, splitObjectsAboveBytes: SPLIT_ABOVE } },
    contractsDir: join(PROJECT_ROOT, 'contracts'),
  });
  await stack.putContract(CSV_CONTRACT_FILE, CSV_CONTRACT);
  await stack.putContract(PARQUET_CONTRACT_FILE, PARQUET_CONTRACT);
  s3 = localS3Client(stack.endpoints.s3);
  db = localDocumentClient(stack.endpoints.dynamodb);
  dir = await mkdtemp(join(tmpdir(), 'prt-large-object-'));
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Streams a local file to the outputs bucket: the SDK sends it as it reads it. */
async function uploadFile(key: string, path: string, bytes: number): Promise<void> {
  await s3.send(
    new PutObjectCommand({
      Bucket: stack.resources.outputsBucket,
      Key: key,
      Body: createReadStream(path, { highWaterMark: 1 << 20 }),
      ContentLength: bytes,
    }),
  );
}

async function readArtifact(uri: string): Promise<string> {
  const key = uri.replace(`s3://${stack.resources.artifactsBucket}/`, '');
  const object = await s3.send(new GetObjectCommand({ Bucket: stack.resources.artifactsBucket, Key: key }));
  return object.Body!.transformToString();
}

interface Timed {
  readonly seconds: number;
  readonly cpuSeconds: number;
}

async function timed(action: () => Promise<void>): Promise<Timed> {
  const t0 = Date.now();
  const cpu0 = process.cpuUsage();
  await action();
  const cpu = process.cpuUsage(cpu0);
  return { seconds: (Date.now() - t0) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

/**
 * Uploads the object, waits for its run and checks the one report against the truth; returns the
 * report after printing the run's figures (sizes, times, CPU, peak memory, load).
 */
async function runOnce(
  key: string,
  path: string,
  truth: RowsTruth,
  kind: 'csv' | 'parquet',
): Promise<StoredRangedReport> {
  const uri = `s3://${stack.resources.outputsBucket}/${key}`;
  const upload = await timed(() => uploadFile(key, path, truth.bytes));
  await rm(path);
  const run = await timed(() => stack.idle(WAIT_MS));

  // One execution, through the plan, the map and the merge, not the single Validate.
  const executions = stack.executions.filter((e) => e.input.detail.object.key === key);
  expect(executions).toHaveLength(1);
  // A data failure ends the execution in its ValidationFailed state, not in a processing error.
  expect(executions[0]!.status).toBe('FAILED');
  expect(executions[0]!.error).toBe('ValidationFailed');
  expect(executions[0]!.path).toEqual(
    expect.arrayContaining(['RouteObjectSize', 'PlanParts', 'ValidateParts', 'MergeParts']),
  );
  expect(executions[0]!.path).not.toContain('Validate');

  // One registry status with the whole object's row count: failed, since channels broke the contract.
  const items = await db.send(
    new QueryCommand({
      TableName: stack.resources.registryTable,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': objectPk(uri) },
      ConsistentRead: true,
    }),
  );
  expect(items.Items).toHaveLength(1);
  const entry = items.Items![0]!;
  expect(entry['status']).toBe('failed');
  expect(entry['rowCount']).toBe(truth.rows);

  // One report: one pass's counts, from ranges.
  const report = JSON.parse(await readArtifact(String(entry['reportUri']))) as StoredRangedReport;
  expect(report.ranges.kind).toBe(kind);
  expect(report.ranges.count).toBeGreaterThanOrEqual(MIN_RANGES);
  expect(report.rowCount).toBe(truth.rows);
  expect(report.failedRowCount).toBe(truth.failingRows.length);
  const expectedFailures: Record<string, number> = {
    amount_positive: truth.badAmounts,
    'channel.allowed': truth.badChannels,
  };
  expect(report.rules.map((r) => [r.name, r.evaluated, r.failed])).toEqual(
    report.rules.map((r) => [r.name, truth.rows, expectedFailures[r.name] ?? 0]),
  );
  expect(report.rules.map((r) => r.name)).toEqual(expect.arrayContaining(Object.keys(expectedFailures)));
  expect(report.failedRules).toContain('channel.allowed');

  // One quarantine object, its rows numbered as in the object.
  const quarantine = (await readArtifact(report.quarantineUri!)).split('\n').filter((l) => l !== '');
  expect(quarantine.map((l) => (JSON.parse(l) as { row: number }).row)).toEqual(truth.failingRows);

  const rss = process.resourceUsage().maxRSS / 1024;
  console.log(
    `large-object-soak ${kind}: ${JSON.stringify({
      bytes: truth.bytes,
      rows: truth.rows,
      ranges: report.ranges.count,
      failingRows: truth.failingRows.length,
      uploadSeconds: upload.seconds,
      runSeconds: run.seconds,
      runCpuSeconds: run.cpuSeconds,
      mbPerSecond: truth.bytes / 1e6 / run.seconds,
      peakRssMiB: Math.round(rss),
      loadavg: loadavg().map((l) => l.toFixed(1)),
    })}`,
  );
  return report;
}

const NO_REFERENCES = {
  openSource: () => {
    throw new Error('no reference samples in this contract');
  },
};

describe("the generator's truth", () => {
  it('is the one-pass report of the core for CSV and for Parquet', async () => {
    // Prepare
    const plan: FailurePlan = { amountEvery: 470, amountAt: 11, channelEvery: 590, channelAt: 3 };
    const csvPath = join(dir, 'truth.csv');
    const parquetPath = join(dir, 'truth.parquet');
    const csvTruth = await writeLargeCsv(csvPath, 2 * 1024 ** 2, plan);
    const parquetContract = parseContract(PARQUET_CONTRACT, PARQUET_CONTRACT_FILE);
    const parquetTruth = await writeLargeParquet(parquetPath, parquetContract, csvTruth.rows, plan, 1_000);

    // Act
    const csvPass = await runValidation(
      parseContract(CSV_CONTRACT, CSV_CONTRACT_FILE),
      fileSource(csvPath),
      NO_REFERENCES,
    );
    const parquetPass = await runValidation(parquetContract, fileSource(parquetPath), NO_REFERENCES);
    await rm(csvPath);
    await rm(parquetPath);

    // Assess
    const counts = (truth: RowsTruth) => ({
      rowCount: truth.rows,
      failedRowCount: truth.failingRows.length,
      amount_positive: truth.badAmounts,
      'channel.allowed': truth.badChannels,
    });
    const found = (report: typeof csvPass.report) => ({
      rowCount: report.rowCount,
      failedRowCount: report.failedRowCount,
      amount_positive: report.rules.find((r) => r.name === 'amount_positive')?.failed,
      'channel.allowed': report.rules.find((r) => r.name === 'channel.allowed')?.failed,
    });
    expect(csvTruth.failingRows.length).toBeGreaterThan(20);
    expect(found(csvPass.report)).toEqual(counts(csvTruth));
    expect(found(parquetPass.report)).toEqual(counts(parquetTruth));
    expect(parquetTruth.rows).toBe(csvTruth.rows);
  }, 120_000);
});

describe(`an object of ${(OBJECT_BYTES / 1024 ** 2).toLocaleString('en-US')} MiB split above ${(SPLIT_ABOVE / 1024).toLocaleString('en-US')} KiB`, () => {
  it(
    'as CSV, with quoted fields across the split points, gives the report of one pass',
    async () => {
      // Prepare
      const key = `pipelines/sales/large-${Date.now().toString(36)}/export/large_orders/orders.csv`;
      const path = join(dir, 'orders.csv');
      const truth = await writeLargeCsv(path, OBJECT_BYTES, PLAN);
      csvRows = truth.rows;
      expect(truth.bytes).toBeGreaterThanOrEqual(OBJECT_BYTES);
      expect(truth.badAmounts).toBeGreaterThan(0);
      expect(truth.badChannels).toBeGreaterThan(0);

      // Act and Assess (runOnce uploads, waits and compares).
      await runOnce(key, path, truth, 'csv');
    },
    WAIT_MS + 600_000,
  );

  it(
    'as Parquet, the same rows in row groups, gives the report of one pass',
    async () => {
      // Prepare: the CSV case's row count, so both objects hold the same rows.
      const contract = parseContract(PARQUET_CONTRACT, PARQUET_CONTRACT_FILE);
      const key = `pipelines/sales/large-${Date.now().toString(36)}/export/large_orders_parquet/orders.parquet`;
      const path = join(dir, 'orders.parquet');
      expect(csvRows).toBeGreaterThan(0);
      const truth = await writeLargeParquet(path, contract, csvRows, PLAN, ROW_GROUP_ROWS);

      // Act and Assess
      await runOnce(key, path, truth, 'parquet');
    },
    WAIT_MS + 600_000,
  );
});
