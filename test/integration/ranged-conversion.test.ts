/**
 * `convert_to` on one object above the environment's splitObjectsAboveBytes, end to end on the
 * embedded stack: validated range by range, then converted range by range (PlanConversion, the
 * ConvertRanges Distributed Map, AssembleConversion), never by the one-pass Convert. The threshold
 * is lowered to 4 KiB, so a CSV of about 65 KB with quoted multi-line fields is more than ten
 * ranges; the embedded S3 server joins the parts with multipart uploads (s3-copy-extensions.ts
 * adds the UploadPartCopy it lacks for parts of 5 MiB or more).
 *
 * Asserted: exactly one converted object, whose rows (Parquet) or bytes (JSON Lines) are those of
 * one pass; the converted version registered as passed; no part left under converted/; and a range
 * whose conversion left nothing ends the test in `error`, naming the range, with nothing published.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { convertTable } from '../../lambdas/core/conversion/convert-table';
import { parseContract } from '../../lambdas/core/contracts/parse-contract';
import { BufferSink, bufferSource } from '../../lambdas/core/formats/byte-io';
import { openTable } from '../../lambdas/core/formats/open-table';
import { objectPk } from '../../lambdas/core/registry/output-registry';
import { ARTIFACT_PREFIXES } from '../../lib/config/artifact-prefixes';
import { loadEnvironmentFromCdkJson } from '../../lib/config/project-config';
import { PROJECT_ROOT } from '../../lib/config/project-paths';
import { EmbeddedStack } from '../../lib/local/embedded-stack';
import { localDocumentClient, localS3Client } from '../../lib/local/local-clients';
import type { LocalHandler } from '../../lib/local/task-bindings';
import { readAll } from '../fixtures/format-io';

const SPLIT_ABOVE = 4096;
const ROWS = 1500;
const HEADER = 'id,note,amount,channel';

function contract(output: string, to: 'parquet' | 'jsonl'): string {
  return `pipeline: sales
step: export
output: ${output}
path: pipelines/sales/{run_id}/export/${output}/
format: csv
convert_to: ${to}
schema:
  - { name: id, type: int64, nullable: false }
  - { name: note, type: string }
  - { name: amount, type: float64, nullable: false }
  - { name: channel, type: string, allowed: [web, store, app] }
`;
}
const PARQUET = { file: 'sales-export-big_parquet.yaml', output: 'big_parquet', to: 'parquet' } as const;
const LINES = { file: 'sales-export-big_lines.yaml', output: 'big_lines', to: 'jsonl' } as const;
/** Objects under a run named so are converted with one range's work lost (see wrapHandler). */
const LOST_RANGE_RUN = 'lost-range';

let stack: EmbeddedStack;
let s3: S3Client;
let db: DynamoDBDocumentClient;

/**
 * The convert function as deployed, except for objects of the lost-range run: the second range's
 * child returns without converting, as if its work had vanished, so the assembly finds no envelope.
 */
function loseOneRange(fn: string, handler: LocalHandler): LocalHandler {
  if (fn !== 'convert') return handler;
  return async (event, context) => {
    const e = event as { mode?: string; object?: { key?: string }; part?: { Range?: { index?: number } } };
    if (e.mode === 'range' && e.object?.key?.includes(`/${LOST_RANGE_RUN}-`) && e.part?.Range?.index === 1)
      return { key: 'lost', rows: 0 };
    return handler(event, context);
  };
}

beforeAll(async () => {
  const config = loadEnvironmentFromCdkJson(PROJECT_ROOT, 'dev');
  stack = await EmbeddedStack.start({
    repoRoot: PROJECT_ROOT,
    config: { ...config, partitions: { ...config.partitions, splitObjectsAboveBytes: SPLIT_ABOVE } },
    contractsDir: join(PROJECT_ROOT, 'contracts'),
    wrapHandler: loseOneRange,
  });
  await stack.putContract(PARQUET.file, contract(PARQUET.output, PARQUET.to));
  await stack.putContract(LINES.file, contract(LINES.output, LINES.to));
  s3 = localS3Client(stack.endpoints.s3);
  db = localDocumentClient(stack.endpoints.dynamodb);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

/** 1,500 valid rows; every 4th note is quoted, with commas, quotes and line ends inside. */
function csv(): string {
  const rows = Array.from({ length: ROWS }, (_, i) => {
    const note =
      i % 4 === 0
        ? `"first line of ${i}, with a comma\nsecond ""quoted"" line\nthird, last"`
        : `plain note ${i}`;
    return `${i + 1},${note},${((i % 90) + 0.5).toFixed(2)},${(['web', 'store', 'app'] as const)[i % 3]}`;
  });
  return `${HEADER}\n${rows.join('\n')}\n`;
}

async function land(run: string, output: string, body: string): Promise<{ key: string; uri: string }> {
  const key = `pipelines/sales/${run}-${Date.now().toString(36)}/export/${output}/orders.csv`;
  await s3.send(
    new PutObjectCommand({ Bucket: stack.resources.outputsBucket, Key: key, Body: Buffer.from(body) }),
  );
  await stack.idle(300_000);
  return { key, uri: `s3://${stack.resources.outputsBucket}/${key}` };
}

async function entriesOf(uri: string): Promise<Record<string, unknown>[]> {
  const items = await db.send(
    new QueryCommand({
      TableName: stack.resources.registryTable,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': objectPk(uri) },
      ConsistentRead: true,
    }),
  );
  return items.Items ?? [];
}

async function artifactKeys(prefix: string): Promise<string[]> {
  const listed = await s3.send(
    new ListObjectsV2Command({ Bucket: stack.resources.artifactsBucket, Prefix: prefix }),
  );
  return (listed.Contents ?? []).map((c) => c.Key!);
}

async function artifactBytes(key: string): Promise<Uint8Array> {
  const object = await s3.send(new GetObjectCommand({ Bucket: stack.resources.artifactsBucket, Key: key }));
  return object.Body!.transformToByteArray();
}

async function onePass(body: string, target: typeof PARQUET | typeof LINES) {
  const sink = new BufferSink('one');
  const result = await convertTable(
    bufferSource(Buffer.from(body), 'orders.csv'),
    sink,
    () => bufferSource(sink.bytes()),
    {
      to: target.to,
      contract: parseContract(contract(target.output, target.to), target.file),
    },
  );
  return { result, bytes: sink.bytes() };
}

/** Asserts the ranged path and returns the execution's one converted key. */
async function convertedOnce(key: string, uri: string, output: string, format: string): Promise<string> {
  const executions = stack.executions.filter((e) => JSON.stringify(e.input).includes(key));
  expect(executions).toHaveLength(1);
  const path = executions[0]!.path;
  expect(path).toEqual(
    expect.arrayContaining([
      'PlanParts',
      'MergeParts',
      'PlanConversion',
      'ConvertRanges',
      'AssembleConversion',
      'Lineage',
    ]),
  );
  expect(path).not.toContain('Convert');
  const [entry] = await entriesOf(uri);
  expect(entry?.['status']).toBe('passed');
  const converted = await artifactKeys(
    `${ARTIFACT_PREFIXES.converted}${stack.resources.outputsBucket}/${key}/`,
  );
  expect(converted).toHaveLength(1);
  expect(converted[0]).toMatch(new RegExp(`\\.${format}$`));
  // The converted version is registered as passed: its proof held (rows and checksums equal).
  const convertedUri = `s3://${stack.resources.artifactsBucket}/${converted[0]!}`;
  const registered = await entriesOf(convertedUri);
  expect(registered).toHaveLength(1);
  expect(registered[0]).toMatchObject({
    status: 'passed',
    dataType: 'converted',
    output: `${output}@${format}`,
    rowCount: ROWS,
  });
  expect(String(registered[0]!['note'])).toContain('checksums equal');
  return converted[0]!;
}

describe('convert_to on one object above splitObjectsAboveBytes', () => {
  it('to Parquet: one object whose rows are those of one pass, its parts under conversion-parts/', async () => {
    // Arrange
    const body = csv();
    expect(body.length).toBeGreaterThan(SPLIT_ABOVE * 10);

    // Act
    const { key, uri } = await land('ranged', PARQUET.output, body);

    // Assess
    const converted = await convertedOnce(key, uri, PARQUET.output, 'parquet');
    const back = await readAll(
      (await openTable(bufferSource(await artifactBytes(converted), 'out.parquet'))).batches,
    );
    const one = await onePass(body, PARQUET);
    const expected = await readAll((await openTable(bufferSource(one.bytes, 'one.parquet'))).batches);
    expect(back.flatMap((b) => b.rows)).toHaveLength(ROWS);
    expect(back.flatMap((b) => b.rows)).toEqual(expected.flatMap((b) => b.rows));
    const parts = await artifactKeys(
      `${ARTIFACT_PREFIXES.conversionParts}${stack.resources.outputsBucket}/${key}/`,
    );
    expect(parts.filter((p) => p.endsWith('.part')).length).toBeGreaterThanOrEqual(10);
  });

  it('to JSON Lines: one object whose bytes are those of one pass', async () => {
    // Arrange
    const body = csv();

    // Act
    const { key, uri } = await land('ranged', LINES.output, body);

    // Assess
    const converted = await convertedOnce(key, uri, LINES.output, 'jsonl');
    const one = await onePass(body, LINES);
    expect(Buffer.from(await artifactBytes(converted)).equals(Buffer.from(one.bytes))).toBe(true);
  });

  it('a range whose conversion left nothing ends in error naming the range, with nothing published', async () => {
    // Arrange
    const body = csv();

    // Act
    const { key, uri } = await land(LOST_RANGE_RUN, PARQUET.output, body);

    // Assess
    const executions = stack.executions.filter((e) => JSON.stringify(e.input).includes(key));
    expect(executions).toHaveLength(1);
    expect(executions[0]!.path).toEqual(expect.arrayContaining(['AssembleConversion', 'ProcessingError']));
    expect(executions[0]!.path).not.toContain('Lineage');
    const entries = await entriesOf(uri);
    expect(entries).toHaveLength(1);
    expect(entries[0]!['status']).toBe('error');
    expect(entries[0]!['failureReason']).toBe('IntegrityError');
    expect(String(entries[0]!['failureCause'])).toMatch(/range 2 of \d+ was not converted/);
    const converted = await artifactKeys(
      `${ARTIFACT_PREFIXES.converted}${stack.resources.outputsBucket}/${key}/`,
    );
    expect(converted).toEqual([]);
  });
});
