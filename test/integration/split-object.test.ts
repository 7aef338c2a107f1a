/**
 * One object above the environment's splitObjectsAboveBytes, end to end on the embedded stack: the
 * deployed definition routes it (RouteObjectSize) through the partitioned branch's plan, Distributed
 * Map and merge, with ranges of the object for items (decision 0012). The threshold is lowered to
 * 4 KiB here, so a CSV of about 65 KB is split into more than ten ranges, with quoted fields holding
 * commas and line ends across the split points and failing rows in several ranges.
 *
 * Asserted: one execution, one registry status, one report whose counts are one pass's, and one
 * quarantine object whose row numbers are the object's own.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { parseContract } from '../../lambdas/core/contracts/parse-contract';
import { bufferSource } from '../../lambdas/core/formats/byte-io';
import { objectPk } from '../../lambdas/core/registry/output-registry';
import { runValidation } from '../../lambdas/core/validation/run-validation';
import type { StoredRangedReport } from '../../lambdas/core/workflow/validate-ranges';
import { ARTIFACT_PREFIXES } from '../../lib/config/artifact-prefixes';
import { loadEnvironmentFromCdkJson } from '../../lib/config/project-config';
import { PROJECT_ROOT } from '../../lib/config/project-paths';
import { EmbeddedStack } from '../../lib/local/embedded-stack';
import { localDocumentClient, localS3Client } from '../../lib/local/local-clients';

const SPLIT_ABOVE = 4096;
const CONTRACT_FILE = 'sales-export-big_orders.yaml';
/** No uniqueness check (that would be validated in one range); the note is free, quoted text. */
const CONTRACT = `pipeline: sales
step: export
output: big_orders
path: pipelines/sales/{run_id}/export/big_orders/
format: csv
schema:
  - { name: id, type: int64, nullable: false, range: [1, 1000000] }
  - { name: note, type: string }
  - { name: amount, type: float64, nullable: false }
  - { name: channel, type: string, allowed: [web, store, app] }
quality:
  - { name: amount_positive, field: amount, condition: greater_than, value: 0, threshold: 0.99, severity: error }
`;
const HEADER = 'id,note,amount,channel';
/** The same output as JSON Lines, under a folder of its own. */
const LINES_CONTRACT_FILE = 'sales-export-big_orders_lines.yaml';
const LINES_CONTRACT = CONTRACT.replace('output: big_orders\n', 'output: big_orders_lines\n')
  .replace('export/big_orders/', 'export/big_orders_lines/')
  .replace('format: csv', 'format: jsonl');
const ROWS = 1500;

let stack: EmbeddedStack;
let s3: S3Client;
let db: DynamoDBDocumentClient;

beforeAll(async () => {
  const config = loadEnvironmentFromCdkJson(PROJECT_ROOT, 'dev');
  stack = await EmbeddedStack.start({
    repoRoot: PROJECT_ROOT,
    config: { ...config, partitions: { ...config.partitions, splitObjectsAboveBytes: SPLIT_ABOVE } },
    contractsDir: join(PROJECT_ROOT, 'contracts'),
  });
  await stack.putContract(CONTRACT_FILE, CONTRACT);
  await stack.putContract(LINES_CONTRACT_FILE, LINES_CONTRACT);
  s3 = localS3Client(stack.endpoints.s3);
  db = localDocumentClient(stack.endpoints.dynamodb);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

/** Row i (0-based): every 4th has a multi-line quoted note; a few break a rule, spread over the object. */
function row(i: number): { text: string; bad: boolean } {
  const bad = i % 47 === 11 || i % 59 === 3;
  const amount = i % 47 === 11 ? '-2.50' : ((i % 90) + 0.5).toFixed(2);
  const channel = i % 59 === 3 ? 'fax' : (['web', 'store', 'app'] as const)[i % 3]!;
  const note =
    i % 4 === 0
      ? `"first line of ${i}, with a comma\nsecond ""quoted"" line\nthird, last"`
      : `plain note ${i}`;
  return { text: `${i + 1},${note},${amount},${channel}`, bad };
}

async function readArtifact(uri: string): Promise<string> {
  const key = uri.replace(`s3://${stack.resources.artifactsBucket}/`, '');
  const object = await s3.send(new GetObjectCommand({ Bucket: stack.resources.artifactsBucket, Key: key }));
  return object.Body!.transformToString();
}

describe('one object above splitObjectsAboveBytes', () => {
  it('is validated range by range in the Distributed Map into one report, one quarantine and one status', async () => {
    // Prepare
    const key = `pipelines/sales/split-${Date.now().toString(36)}/export/big_orders/orders.csv`;
    const rows = Array.from({ length: ROWS }, (_, i) => row(i));
    const body = `${HEADER}\n${rows.map((r) => r.text).join('\n')}\n`;
    const uri = `s3://${stack.resources.outputsBucket}/${key}`;
    expect(body.length).toBeGreaterThan(SPLIT_ABOVE * 10);

    // Act
    await s3.send(
      new PutObjectCommand({ Bucket: stack.resources.outputsBucket, Key: key, Body: Buffer.from(body) }),
    );
    await stack.idle(300_000);

    // Assess: one execution, through the plan, the map and the merge, not the single Validate.
    const executions = stack.executions.filter((e) => JSON.stringify(e.input).includes(key));
    expect(executions).toHaveLength(1);
    const path = executions[0]!.path;
    expect(path).toEqual(
      expect.arrayContaining([
        'Inspect',
        'SplitSettings',
        'RouteObjectSize',
        'PlanParts',
        'ValidateParts',
        'MergeParts',
      ]),
    );
    expect(path).not.toContain('Validate');

    // One registry status: failed (rows broke the contract), with the whole object's row count.
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
    expect(entry['rowCount']).toBe(ROWS);

    // One report: the counts of one pass, split into many ranges.
    const report = JSON.parse(await readArtifact(String(entry['reportUri']))) as StoredRangedReport;
    const contract = parseContract(CONTRACT, CONTRACT_FILE);
    const onePass = await runValidation(contract, bufferSource(Buffer.from(body), 'orders.csv'), {
      openSource: () => {
        throw new Error('no reference samples in this contract');
      },
    });
    expect(report.ranges.kind).toBe('csv');
    expect(report.ranges.count).toBeGreaterThanOrEqual(10);
    expect(report.rowCount).toBe(ROWS);
    expect(report.failedRowCount).toBe(onePass.report.failedRowCount);
    expect(report.rules).toEqual(onePass.report.rules);
    expect(report.failedRules).toEqual(onePass.report.failedRules);
    expect(report.summary).toBe(onePass.report.summary);

    // One quarantine object, its rows numbered as in the object.
    const quarantine = (await readArtifact(report.quarantineUri!)).split('\n').filter((l) => l !== '');
    const numbers = quarantine.map((l) => (JSON.parse(l) as { row: number }).row);
    expect(numbers).toEqual(rows.flatMap((r, i) => (r.bad ? [i + 1] : [])));
    expect(numbers.length).toBeGreaterThanOrEqual(20);
    const listed = await s3.send(
      new ListObjectsV2Command({
        Bucket: stack.resources.artifactsBucket,
        Prefix: `${ARTIFACT_PREFIXES.quarantine}${stack.resources.outputsBucket}/${key}/`,
      }),
    );
    expect(listed.Contents?.map((c) => c.Key)).toEqual([
      report.quarantineUri!.replace(`s3://${stack.resources.artifactsBucket}/`, ''),
    ]);
  });

  it('a gzip CSV above it cannot be split and goes through one Validate, as before', async () => {
    // Prepare: compressed, still above the threshold.
    const key = `pipelines/sales/gzip-${Date.now().toString(36)}/export/big_orders/orders.csv.gz`;
    const rows = Array.from({ length: ROWS }, (_, i) => row(i));
    const body = gzipSync(`${HEADER}\n${rows.map((r) => r.text).join('\n')}\n`, { level: 1 });
    const uri = `s3://${stack.resources.outputsBucket}/${key}`;
    expect(body.byteLength).toBeGreaterThan(SPLIT_ABOVE);

    // Act
    await s3.send(new PutObjectCommand({ Bucket: stack.resources.outputsBucket, Key: key, Body: body }));
    await stack.idle(300_000);

    // Assess: the single-object path (which watches its time budget, test/integration/time-budget.test.ts).
    const executions = stack.executions.filter((e) => JSON.stringify(e.input).includes(key));
    expect(executions).toHaveLength(1);
    expect(executions[0]!.path).toEqual(expect.arrayContaining(['Inspect', 'RouteObjectSize', 'Validate']));
    expect(executions[0]!.path).not.toContain('PlanParts');
    const items = await db.send(
      new QueryCommand({
        TableName: stack.resources.registryTable,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': objectPk(uri) },
        ConsistentRead: true,
      }),
    );
    expect(items.Items).toHaveLength(1);
    expect(items.Items![0]!['status']).toBe('failed');
    expect(items.Items![0]!['rowCount']).toBe(ROWS);
  });

  it('a JSON Lines object above it is split at line starts into one report of one pass', async () => {
    // Prepare: the rows as records; a note's line ends are escaped inside its JSON string
    const key = `pipelines/sales/lines-${Date.now().toString(36)}/export/big_orders_lines/orders.jsonl`;
    const records = Array.from({ length: ROWS }, (_, i) => {
      const bad = i % 47 === 11 || i % 59 === 3;
      return {
        bad,
        line: JSON.stringify({
          id: i + 1,
          note: i % 4 === 0 ? `first line of ${i}\nsecond, "quoted"` : `plain note ${i}`,
          amount: i % 47 === 11 ? -2.5 : (i % 90) + 0.5,
          channel: i % 59 === 3 ? 'fax' : (['web', 'store', 'app'] as const)[i % 3],
        }),
      };
    });
    const body = `${records.map((r) => r.line).join('\n')}\n`;
    const uri = `s3://${stack.resources.outputsBucket}/${key}`;
    expect(body.length).toBeGreaterThan(SPLIT_ABOVE * 10);

    // Act
    await s3.send(
      new PutObjectCommand({ Bucket: stack.resources.outputsBucket, Key: key, Body: Buffer.from(body) }),
    );
    await stack.idle(300_000);

    // Assess: through the plan, the map and the merge
    const executions = stack.executions.filter((e) => JSON.stringify(e.input).includes(key));
    expect(executions).toHaveLength(1);
    expect(executions[0]!.path).toEqual(
      expect.arrayContaining(['RouteObjectSize', 'PlanParts', 'MergeParts']),
    );
    expect(executions[0]!.path).not.toContain('Validate');
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
    expect(entry['rowCount']).toBe(ROWS);
    const report = JSON.parse(await readArtifact(String(entry['reportUri']))) as StoredRangedReport;
    const onePass = await runValidation(
      parseContract(LINES_CONTRACT, LINES_CONTRACT_FILE),
      bufferSource(Buffer.from(body), 'orders.jsonl'),
      {
        openSource: () => {
          throw new Error('no reference samples in this contract');
        },
      },
    );
    expect(report.ranges.kind).toBe('jsonl');
    expect(report.ranges.count).toBeGreaterThanOrEqual(10);
    expect(report.failedRowCount).toBe(onePass.report.failedRowCount);
    expect(report.rules).toEqual(onePass.report.rules);
    const quarantine = (await readArtifact(report.quarantineUri!)).split('\n').filter((l) => l !== '');
    expect(quarantine.map((l) => (JSON.parse(l) as { row: number }).row)).toEqual(
      records.flatMap((r, i) => (r.bad ? [i + 1] : [])),
    );
  });
});
