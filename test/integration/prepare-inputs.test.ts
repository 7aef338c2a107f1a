/**
 * The prepare-inputs workflow end to end on the embedded stack: a registered output of one run is
 * staged for the step that reads it, by the deployed ASL file run locally with the real download
 * handler: a masked sample under the staging prefix, a manifest naming the source version, and a
 * lineage edge from the staged copy back to that version.
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DynamoLineageStore } from '../../lambdas/adapters/aws/dynamo-lineage-store';
import { lineageNode } from '../../lambdas/core/lineage/lineage-store';
import { versionTokenOf, type RegistryEntry } from '../../lambdas/core/registry/output-registry';
import { PROJECT_ROOT } from '../../lib/config/project-paths';
import { LocalPrepareInputs } from '../../lib/local/prepare-inputs-runner';
import { startHarness, type Harness } from './embedded-stack-harness';

const CUSTOMERS = [
  'pipeline: shop',
  'step: ingestion',
  'output: customers',
  'path: pipelines/shop/{run_id}/ingestion/customers/',
  'schema:',
  '  - { name: customer_id, type: int64, nullable: false, classification: restricted }',
  '  - { name: email, type: string, pii: true }',
  '  - { name: segment, type: string }',
].join('\n');
const PROFILE = [
  'pipeline: shop',
  'step: features',
  'output: profile',
  'path: pipelines/shop/{run_id}/features/profile/',
  'inputs: [ingestion/customers]',
  'schema:',
  '  - { name: customer_id, type: int64 }',
].join('\n');
const DATA = [
  'customer_id,email,segment',
  '5001,ada@example.com,gold',
  '5002,grace@example.org,silver',
  '5003,alan@example.net,bronze',
].join('\n');

let h: Harness;
let runner: LocalPrepareInputs;
let RUN: string;
let source: RegistryEntry;

async function text(bucket: string, key: string): Promise<string> {
  const got = await h.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return got.Body!.transformToString();
}

beforeAll(async () => {
  h = await startHarness();
  await h.stack.putContract('shop-ingestion-customers.yaml', CUSTOMERS);
  await h.stack.putContract('shop-features-profile.yaml', PROFILE);
  RUN = h.runId('run-P');
  const key = `pipelines/shop/${RUN}/ingestion/customers/part-0.csv`;
  await h.upload(key, DATA);
  source = await h.waitForStatus(key);
  runner = await LocalPrepareInputs.start({
    repoRoot: PROJECT_ROOT,
    config: h.stack.config,
    outputsBucket: h.resources.outputsBucket,
    dynamodbEndpoint: h.stack.endpoints.dynamodb,
  });
}, 120_000);

afterAll(async () => {
  await runner?.stop();
  await h?.close();
});

describe('prepare-inputs on the embedded stack', () => {
  it("stages a masked sample of a step's declared input with a manifest and lineage to its source version", async () => {
    // Arrange
    expect(source.status).toBe('passed');

    // Act
    const outcome = await runner.run({ step: 'shop/features', runId: RUN, sample: { rows: 2 } });

    // Assess
    expect(outcome.status, `${outcome.error}: ${outcome.cause}`).toBe('SUCCEEDED');
    const output = outcome.output as {
      inputs: {
        output: string;
        objects: number;
        rowsWritten: number;
        masked: string[];
        manifest: string;
        folder: string;
      }[];
    };
    expect(output.inputs).toEqual([
      expect.objectContaining({
        output: 'shop/ingestion/customers',
        objects: 1,
        rowsWritten: 2,
        masked: ['customer_id', 'email'],
        lineageEdges: 1,
      }),
    ]);
    const bucket = h.resources.outputsBucket;
    const folder = output.inputs[0]!.folder.replace(`s3://${bucket}/`, '');
    expect(folder).toMatch(/^staging\/[0-9a-f-]{36}\/shop\/ingestion\/customers\/$/);
    const staged = await text(bucket, `${folder}part-0.csv`);
    const lines = staged.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe('customer_id,email,segment');
    expect(staged).not.toMatch(/ada@|grace@|5001|5002/);
    expect(lines.slice(1).map((l) => l.split(',')[2])).toEqual(['gold', 'silver']);
    const manifest = JSON.parse(await text(bucket, `${folder}_prt-staged.json`)) as {
      copies: { source: { uri: string; version: string }; staged: { uri: string; version: string } }[];
    };
    const copy = manifest.copies[0]!;
    expect(copy.source).toMatchObject({ uri: source.uri, version: versionTokenOf(source) });
    const upstream = await new DynamoLineageStore(h.db, h.resources.registryTable).upstream(
      lineageNode(copy.staged.uri, copy.staged.version),
    );
    expect(upstream).toEqual([
      expect.objectContaining({ from: lineageNode(source.uri, versionTokenOf(source)), kind: 'staging' }),
    ]);
  });

  it('fails, naming why, for a step that declares no inputs', async () => {
    // Act
    const outcome = await runner.run({ step: 'shop/ingestion' });

    // Assess
    expect(outcome.status).toBe('FAILED');
    expect(outcome.error).toBe('ContractError');
    expect(outcome.cause).toMatch(/declares no inputs/);
  });
});
