/**
 * Write-audit-publish end to end on the embedded stack (decision 0026): a gated output lands under
 * its staging path, is tested by the deployed state machine, and only a version that passes is
 * copied server-side to its published path, with its publication in the registry, a `published`
 * lineage edge and an `Output Published` event. The environment's multipart threshold and part
 * size are set small, so the object copy goes through UploadPartCopy as a large one does on S3.
 */
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DynamoLineageStore } from '../../lambdas/adapters/aws/dynamo-lineage-store';
import { objectPk } from '../../lambdas/core/registry/output-registry';
import { loadEnvironmentFromCdkJson } from '../../lib/config/project-config';
import { PROJECT_ROOT } from '../../lib/config/project-paths';
import { EmbeddedStack } from '../../lib/local/embedded-stack';
import { localDocumentClient, localS3Client } from '../../lib/local/local-clients';

const GATED_FILE = 'sales-preprocessing-gated_orders.yaml';
const GATED = `pipeline: sales
step: preprocessing
output: gated_orders
path: pipelines/sales/{run_id}/preprocessing/gated_orders/
format: csv
publish:
  to: published/sales/{run_id}/gated_orders/
schema:
  - { name: order_id, type: string, nullable: false }
  - { name: amount, type: float64, nullable: false }
quality:
  - { name: amount_positive, field: amount, condition: greater_than, value: 0, severity: error }
`;
const FOLDER_FILE = 'sales-export-gated_folder.yaml';
const FOLDER = `pipeline: sales
step: export
output: gated_folder
path: datasets/sales/{run_id}/gated_folder/
format: csv
partitioned: true
publish:
  to: published/datasets/{run_id}/gated_folder/
schema:
  - { name: order_id, type: string, nullable: false }
  - { name: amount, type: float64, nullable: false }
`;

/** Small enough that the passing object below is copied in 3 parts. */
const PART_BYTES = 16;

let stack: EmbeddedStack;
let s3: S3Client;
let db: DynamoDBDocumentClient;

beforeAll(async () => {
  const config = loadEnvironmentFromCdkJson(PROJECT_ROOT, 'dev');
  stack = await EmbeddedStack.start({
    repoRoot: PROJECT_ROOT,
    config: {
      ...config,
      publishing: { prefix: 'published/', multipartAboveBytes: PART_BYTES, copyPartBytes: PART_BYTES },
    },
    contractsDir: join(PROJECT_ROOT, 'contracts'),
  });
  await stack.putContract(GATED_FILE, GATED);
  await stack.putContract(FOLDER_FILE, FOLDER);
  s3 = localS3Client(stack.endpoints.s3);
  db = localDocumentClient(stack.endpoints.dynamodb);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

async function put(key: string, body: string): Promise<void> {
  await s3.send(
    new PutObjectCommand({ Bucket: stack.resources.outputsBucket, Key: key, Body: Buffer.from(body) }),
  );
}

async function read(key: string): Promise<string | undefined> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: stack.resources.outputsBucket, Key: key }));
    return await out.Body!.transformToString();
  } catch (error) {
    if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
    throw error;
  }
}

async function entryOf(key: string): Promise<Record<string, unknown>> {
  const items = await db.send(
    new QueryCommand({
      TableName: stack.resources.registryTable,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': objectPk(`s3://${stack.resources.outputsBucket}/${key}`) },
      ConsistentRead: true,
    }),
  );
  expect(items.Items).toHaveLength(1);
  return items.Items![0]!;
}

function publishedEvents(uri: string): Record<string, unknown>[] {
  return stack.publishedEvents
    .filter((e) => e.detailType === 'Output Published')
    .map((e) => JSON.parse(e.detail) as Record<string, unknown>)
    .filter((d) => d['uri'] === uri);
}

describe('write-audit-publish', () => {
  it('publishes a passing version byte for byte, in parts, with its registry record, lineage edge and event', async () => {
    // Arrange
    const run = `pass-${Date.now().toString(36)}`;
    const staged = `pipelines/sales/${run}/preprocessing/gated_orders/orders.csv`;
    const published = `published/sales/${run}/gated_orders/orders.csv`;
    const body = 'order_id,amount\na,1.5\nb,2.5\nc,3.25\n';

    // Act
    await put(staged, body);
    await stack.idle(120_000);

    // Assess: the copy is the staged bytes, made by the Publish step in parts.
    const entry = await entryOf(staged);
    expect(entry['status']).toBe('passed');
    expect(await read(published)).toBe(body);
    const execution = stack.executions.find((e) => JSON.stringify(e.input).includes(staged))!;
    expect(execution.path).toEqual(
      expect.arrayContaining(['Publish', 'RecordResult', 'PublishTested', 'AnnouncePublished']),
    );
    expect(execution.path.indexOf('Publish')).toBeLessThan(execution.path.indexOf('RecordResult'));
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: stack.resources.outputsBucket, Key: published }),
    );
    expect(decodeURIComponent(head.Metadata?.['prt-published-from'] ?? '')).toBe(
      `s3://${stack.resources.outputsBucket}/${staged}#${String(entry['sk']).replace(/^VER#/, '')}`,
    );
    const publishedUri = `s3://${stack.resources.outputsBucket}/${published}`;
    expect(entry['publication']).toMatchObject({ state: 'published', uri: publishedUri });
    const version = (entry['publication'] as { version: string }).version;
    const edges = await new DynamoLineageStore(db, stack.resources.registryTable).downstream(
      `s3://${stack.resources.outputsBucket}/${staged}#${String(entry['sk']).replace(/^VER#/, '')}`,
    );
    expect(edges.filter((e) => e.kind === 'published').map((e) => e.to)).toEqual([
      `${publishedUri}#${version}`,
    ]);
    const events = publishedEvents(publishedUri);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      status: 'passed',
      stagedUri: `s3://${stack.resources.outputsBucket}/${staged}`,
    });
    // The published copy is under no tested prefix: its arrival started no execution.
    expect(stack.executions.some((e) => JSON.stringify(e.input).includes(published))).toBe(false);
  }, 180_000);

  it('never publishes a failing version: it stays in staging with its failure', async () => {
    // Arrange
    const run = `fail-${Date.now().toString(36)}`;
    const staged = `pipelines/sales/${run}/preprocessing/gated_orders/orders.csv`;
    const published = `published/sales/${run}/gated_orders/orders.csv`;

    // Act
    await put(staged, 'order_id,amount\na,1.5\nb,-2.5\n');
    await stack.idle(120_000);

    // Assess
    const entry = await entryOf(staged);
    expect(entry['status']).toBe('failed');
    expect(entry['publication']).toBeUndefined();
    expect(await read(published)).toBeUndefined();
    const execution = stack.executions.find((e) => JSON.stringify(e.input).includes(staged))!;
    expect(execution.path).not.toContain('Publish');
    expect(publishedEvents(`s3://${stack.resources.outputsBucket}/${published}`)).toEqual([]);
  }, 180_000);

  it('publishes a passing partitioned folder part by part, with its manifest and _SUCCESS last', async () => {
    // Arrange
    const run = `folder-${Date.now().toString(36)}`;
    const folder = `datasets/sales/${run}/gated_folder/`;
    const target = `published/datasets/${run}/gated_folder/`;
    const parts = {
      'date=2026-11-01/part-00000.csv': 'order_id,amount\na,1.5\nb,2.5\n',
      'date=2026-11-02/part-00000.csv': 'order_id,amount\nc,3.5\n',
    };

    // Act
    for (const [name, body] of Object.entries(parts)) await put(`${folder}${name}`, body);
    await put(`${folder}_SUCCESS`, '');
    await stack.idle(180_000);

    // Assess
    const entry = await entryOf(folder);
    expect(entry['status']).toBe('passed');
    for (const [name, body] of Object.entries(parts)) expect(await read(`${target}${name}`)).toBe(body);
    expect(await read(`${target}_SUCCESS`)).toBe('');
    const manifest = JSON.parse((await read(`${target}_manifest.json`))!) as { parts: { key: string }[] };
    expect(manifest.parts.map((p) => p.key)).toEqual(Object.keys(parts).map((n) => `${target}${n}`));
    // The marker is written last: its modification is no earlier than every part's.
    const lastModified = async (key: string): Promise<number> =>
      (
        await s3.send(new HeadObjectCommand({ Bucket: stack.resources.outputsBucket, Key: key }))
      ).LastModified!.getTime();
    const marker = await lastModified(`${target}_SUCCESS`);
    for (const name of [...Object.keys(parts), '_manifest.json'])
      expect(await lastModified(`${target}${name}`)).toBeLessThanOrEqual(marker);
    expect(entry['publication']).toMatchObject({
      state: 'published',
      uri: `s3://${stack.resources.outputsBucket}/${target}`,
    });
    expect(publishedEvents(`s3://${stack.resources.outputsBucket}/${target}`)).toHaveLength(1);
  }, 240_000);
});
