/**
 * Hive-style partition folders and `convert_to` on a partitioned output, end to end on the embedded
 * stack: the marker starts one execution, the Distributed Map validates every part with the values
 * of its folders as columns (and, with `convert_to`, converts it under the converted prefix with its
 * own equivalence proof), and the merge makes one report and one status.
 *
 * Asserted: a rule on a partition column fails for the one folder that breaks it; a small folder of
 * CSV parts is converted to Parquet, published with a manifest of every part's proof and a
 * `_SUCCESS` marker, each Parquet part holding its rows and not its folder's columns.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { bufferSource } from '../../lambdas/core/formats/byte-io';
import { openTable } from '../../lambdas/core/formats/open-table';
import { objectPk } from '../../lambdas/core/registry/output-registry';
import type { StoredDatasetReport } from '../../lambdas/core/workflow/validate-partitions';
import { ARTIFACT_PREFIXES } from '../../lib/config/artifact-prefixes';
import { loadEnvironmentFromCdkJson } from '../../lib/config/project-config';
import { PROJECT_ROOT } from '../../lib/config/project-paths';
import { EmbeddedStack } from '../../lib/local/embedded-stack';
import { localDocumentClient, localS3Client } from '../../lib/local/local-clients';

const BY_DAY_FILE = 'sales-export-orders_by_day.yaml';
const BY_DAY = `pipeline: sales
step: export
output: orders_by_day
path: datasets/sales/{run_id}/orders_by_day/
format: csv
partitioned: true
partition_by: [date, region]
schema:
  - { name: order_id, type: string, nullable: false }
  - { name: amount, type: float64, nullable: false }
  - { name: date, type: date, nullable: false }
  - { name: region, type: string, nullable: false }
quality:
  - { name: region_known, field: region, condition: in_set, value: [eu, us], severity: error }
`;
const CONVERTED_FILE = 'sales-export-orders_converted.yaml';
const CONVERTED = `pipeline: sales
step: export
output: orders_converted
path: datasets/sales/{run_id}/orders_converted/
format: csv
convert_to: parquet
partitioned: true
partition_by: [date]
schema:
  - { name: order_id, type: string, nullable: false }
  - { name: amount, type: float64, nullable: false }
  - { name: date, type: date, nullable: false }
quality:
  - { name: amount_positive, field: amount, condition: greater_than, value: 0 }
`;

let stack: EmbeddedStack;
let s3: S3Client;
let db: DynamoDBDocumentClient;

beforeAll(async () => {
  stack = await EmbeddedStack.start({
    repoRoot: PROJECT_ROOT,
    config: loadEnvironmentFromCdkJson(PROJECT_ROOT, 'dev'),
    contractsDir: join(PROJECT_ROOT, 'contracts'),
  });
  await stack.putContract(BY_DAY_FILE, BY_DAY);
  await stack.putContract(CONVERTED_FILE, CONVERTED);
  s3 = localS3Client(stack.endpoints.s3);
  db = localDocumentClient(stack.endpoints.dynamodb);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

async function put(bucket: string, key: string, body: string): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.from(body) }));
}

/** Lands the parts, then the marker last, and waits for the folder's execution to end. */
async function landFolder(folder: string, parts: Readonly<Record<string, string>>): Promise<void> {
  for (const [name, body] of Object.entries(parts))
    await put(stack.resources.outputsBucket, `${folder}${name}`, body);
  await put(stack.resources.outputsBucket, `${folder}_SUCCESS`, '');
  await stack.idle(300_000);
}

async function entryOf(folder: string): Promise<Record<string, unknown>> {
  const items = await db.send(
    new QueryCommand({
      TableName: stack.resources.registryTable,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': objectPk(`s3://${stack.resources.outputsBucket}/${folder}`) },
      ConsistentRead: true,
    }),
  );
  expect(items.Items).toHaveLength(1);
  return items.Items![0]!;
}

async function readArtifact(key: string): Promise<Uint8Array> {
  const object = await s3.send(new GetObjectCommand({ Bucket: stack.resources.artifactsBucket, Key: key }));
  return object.Body!.transformToByteArray();
}

function keyOf(uri: string): string {
  return uri.replace(`s3://${stack.resources.artifactsBucket}/`, '');
}

describe('partition values as columns', () => {
  it('fails a rule on a partition column for the one folder that breaks it', async () => {
    // Arrange
    const folder = `datasets/sales/days-${Date.now().toString(36)}/orders_by_day/`;

    // Act
    await landFolder(folder, {
      'date=2026-11-01/region=eu/part-00000.csv': 'order_id,amount\na,1.5\nb,2.5\n',
      'date=2026-11-01/region=us/part-00000.csv': 'order_id,amount\nc,3.5\n',
      'date=2026-11-02/region=apac/part-00000.csv': 'order_id,amount\nd,4.5\ne,5.5\nf,6.5\n',
    });

    // Assess: one execution through the map, one failed status, on the partition column's rule.
    const executions = stack.executions.filter((e) => JSON.stringify(e.input).includes(`${folder}_SUCCESS`));
    expect(executions).toHaveLength(1);
    expect(executions[0]!.path).toEqual(expect.arrayContaining(['PlanParts', 'ValidateParts', 'MergeParts']));
    const entry = await entryOf(folder);
    expect(entry['status']).toBe('failed');
    expect(entry['rowCount']).toBe(6);
    const report = JSON.parse(
      new TextDecoder().decode(await readArtifact(keyOf(String(entry['reportUri'])))),
    ) as StoredDatasetReport;
    expect(report.failedRules).toEqual(['region_known']);
    const rule = report.rules.find((r) => r.name === 'region_known');
    // The three rows of the apac folder, and only them.
    expect(rule).toMatchObject({ outcome: 'fail', evaluated: 6, failed: 3 });
    expect(report.schema.columns.find((c) => c.name === 'date')).toMatchObject({ finding: 'ok', nulls: 0 });
  });
});

describe('convert_to on a partitioned output', () => {
  it('converts a small CSV folder to Parquet part by part and publishes it with every proof and _SUCCESS', async () => {
    // Arrange
    const folder = `datasets/sales/conv-${Date.now().toString(36)}/orders_converted/`;
    const parts = {
      'date=2026-11-01/part-00000.csv': 'order_id,amount\na,1.5\nb,2.5\n',
      'date=2026-11-01/part-00001.csv': 'order_id,amount\nc,3.25\n',
      'date=2026-11-02/part-00000.csv': 'order_id,amount\nd,4.5\ne,5.5\nf,6.75\n',
    };

    // Act
    await landFolder(folder, parts);

    // Assess: passed, through the merge's conversion, not the single-object Convert.
    const entry = await entryOf(folder);
    expect(entry['status']).toBe('passed');
    const executions = stack.executions.filter((e) => JSON.stringify(e.input).includes(`${folder}_SUCCESS`));
    expect(executions).toHaveLength(1);
    expect(executions[0]!.path).toEqual(
      expect.arrayContaining(['MergeParts', 'AdoptPartsConversion', 'Lineage']),
    );
    expect(executions[0]!.path).not.toContain('Convert');

    const convertedFolder = `${ARTIFACT_PREFIXES.converted}${stack.resources.outputsBucket}/${folder}`;
    const listed = await s3.send(
      new ListObjectsV2Command({ Bucket: stack.resources.artifactsBucket, Prefix: convertedFolder }),
    );
    const names = (listed.Contents ?? [])
      .map((c) => c.Key!.replace(/^.*\/orders_converted\/[^/]+\//, ''))
      .sort();
    expect(names).toEqual([
      '_SUCCESS',
      '_manifest.json',
      'date=2026-11-01/part-00000.parquet',
      'date=2026-11-01/part-00001.parquet',
      'date=2026-11-02/part-00000.parquet',
    ]);
    const manifestKey = listed.Contents!.find((c) => c.Key!.endsWith('/_manifest.json'))!.Key!;
    const manifest = JSON.parse(new TextDecoder().decode(await readArtifact(manifestKey))) as {
      format: string;
      rowsIn: number;
      rowsOut: number;
      parts: {
        source: string;
        key: string;
        rowsOut: number;
        equivalent: boolean;
        checksums: Record<string, string>;
      }[];
    };
    expect(manifest.format).toBe('parquet');
    expect([manifest.rowsIn, manifest.rowsOut]).toEqual([6, 6]);
    expect(manifest.parts.map((p) => [p.source.slice(folder.length), p.rowsOut, p.equivalent])).toEqual([
      ['date=2026-11-01/part-00000.csv', 2, true],
      ['date=2026-11-01/part-00001.csv', 1, true],
      ['date=2026-11-02/part-00000.csv', 3, true],
    ]);
    expect(Object.keys(manifest.parts[0]!.checksums).sort()).toEqual(['amount', 'order_id']);

    // Each Parquet part holds its own rows; its date stays in its folder.
    const last = manifest.parts[2]!.key;
    const opened = await openTable(bufferSource(await readArtifact(last), last));
    const rows: unknown[] = [];
    for await (const b of opened.batches) rows.push(...b.rows);
    expect(opened.format).toBe('parquet');
    expect(rows).toEqual([
      ['d', 4.5],
      ['e', 5.5],
      ['f', 6.75],
    ]);
  });
});
