/**
 * The prepare-inputs workflow end to end on the embedded stack: a registered output of one run is
 * staged for the step that reads it, by the deployed ASL file run locally with the real download
 * handler: a masked sample under the staging prefix, a manifest naming the source version, and a
 * lineage edge from the staged copy back to that version.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DynamoLineageStore } from '../../lambdas/adapters/aws/dynamo-lineage-store';
import { lineageNode } from '../../lambdas/core/lineage/lineage-store';
import { versionTokenOf, type RegistryEntry } from '../../lambdas/core/registry/output-registry';
import type { LocalPrepareInputs } from '../../lib/local/prepare-inputs-runner';
import { landShopCustomers, objectText, startShopPrepareInputs } from '../fixtures/shop-staging';
import { startHarness, type Harness } from './embedded-stack-harness';

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

beforeAll(async () => {
  h = await startHarness();
  // customer_id is restricted here: it is masked with the e-mail.
  ({ run: RUN, source } = await landShopCustomers(h, { runName: 'run-P', data: DATA, restrictedIds: true }));
  runner = await startShopPrepareInputs(h);
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
    const staged = await objectText(h, bucket, `${folder}part-0.csv`);
    const lines = staged.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe('customer_id,email,segment');
    expect(staged).not.toMatch(/ada@|grace@|5001|5002/);
    expect(lines.slice(1).map((l) => l.split(',')[2])).toEqual(['gold', 'silver']);
    const manifest = JSON.parse(await objectText(h, bucket, `${folder}_prt-staged.json`)) as {
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
