import { describe, expect, it } from 'vitest';

import { ContractCatalog } from '../../../../lambdas/core/contracts/contract-catalog';
import type { RegistryEntry } from '../../../../lambdas/core/registry/output-registry';
import { recordLineage } from '../../../../lambdas/core/workflow/record-lineage';
import type { ConversionOutcome } from '../../../../lambdas/core/workflow/workflow-types';
import { InMemoryObjectStore } from '../../../fixtures/in-memory-object-store';
import { InMemoryLineageStore } from '../../../fixtures/in-memory-lineage-store';
import { InMemoryRegistry } from '../../../fixtures/in-memory-registry';
import { ARTIFACTS_BUCKET, CONTRACTS_PREFIX, seedSampleContracts } from '../../../fixtures/sample-contracts';
import { objectRef, trainingDataOutput } from '../../../fixtures/step-events';

const NOW = new Date('2024-06-01T10:22:00.000Z');
const TRAINING = objectRef({
  key: 'pipelines/sales/2024-06-01/preprocessing/training_data/part-0.csv',
  etag: 'tt',
  size: 10,
  versionId: 'v9',
});
const HERE = `${TRAINING.uri}#v9`;

function rawOrders(runId: string, versionId: string, registeredAt: string): RegistryEntry {
  const key = `pipelines/sales/${runId}/ingestion/raw_orders/orders.csv`;
  const uri = `s3://landing-bucket/${key}`;
  return {
    pk: `OBJ#${uri}`,
    sk: `VER#${versionId}`,
    uri,
    bucket: 'landing-bucket',
    key,
    versionId,
    etag: 'e',
    size: 1,
    status: 'passed',
    dataType: 'pipeline',
    registeredAt,
    eventTime: registeredAt,
    pipeline: 'sales',
    step: 'ingestion',
    output: 'raw_orders',
    runId,
    gsi2pk: `RUN#sales#${runId}`,
    gsi2sk: `ingestion#raw_orders#${uri}#VER#${versionId}`,
  };
}

function setup(seed: RegistryEntry[] = [], extraContracts: Record<string, string> = {}) {
  const store = new InMemoryObjectStore();
  seedSampleContracts(store);
  for (const [key, text] of Object.entries(extraContracts)) store.put(ARTIFACTS_BUCKET, key, text);
  const registry = new InMemoryRegistry(seed);
  const lineage = new InMemoryLineageStore();
  const deps = {
    catalog: new ContractCatalog(store, ARTIFACTS_BUCKET, CONTRACTS_PREFIX),
    registry,
    lineage,
    now: () => NOW,
  };
  return { registry, lineage, deps };
}

const NOT_CONVERTED: ConversionOutcome = { converted: false };

describe('recordLineage', () => {
  it('links the object to the same-run version of each declared input', async () => {
    // Prepare
    const sameRun = rawOrders('2024-06-01', 'r1', '2024-06-01T10:00:00.000Z');
    const newerOtherRun = rawOrders('2024-06-02', 'r2', '2024-06-02T10:00:00.000Z');
    const { registry, lineage, deps } = setup([sameRun, newerOtherRun]);

    // Act
    const result = await recordLineage(
      { object: TRAINING, output: trainingDataOutput(), conversion: NOT_CONVERTED },
      deps,
    );

    // Assess
    expect(result).toEqual({ edges: 1, unresolvedInputs: [] });
    expect(registry.queries).toEqual(['run sales/ingestion/raw_orders@2024-06-01']);
    expect(lineage.edges).toEqual([
      {
        from: `${sameRun.uri}#r1`,
        to: HERE,
        kind: 'declared-input',
        fromOutput: 'sales/ingestion/raw_orders',
        toOutput: 'sales/preprocessing/training_data',
        recordedAt: NOW.toISOString(),
        dataType: 'pipeline',
        runId: '2024-06-01',
      },
    ]);
  });

  it('uses the latest run of an input when the output has no run id', async () => {
    // Prepare
    const { registry, lineage, deps } = setup([
      rawOrders('2024-06-01', 'r1', '2024-06-01T10:00:00.000Z'),
      rawOrders('2024-06-02', 'r2', '2024-06-02T10:00:00.000Z'),
    ]);

    // Act
    const result = await recordLineage(
      { object: TRAINING, output: trainingDataOutput({ runId: null }), conversion: NOT_CONVERTED },
      deps,
    );

    // Assess
    expect(result.edges).toBe(1);
    expect(registry.queries).toEqual([
      'versions sales/ingestion/raw_orders',
      'run sales/ingestion/raw_orders@2024-06-02',
    ]);
    expect(lineage.edges[0]?.from).toMatch(/#r2$/);
  });

  it("falls back to the latest run of an input when the output's own run has none", async () => {
    // Prepare
    const { lineage, deps } = setup([rawOrders('2024-05-31', 'r0', '2024-05-31T10:00:00.000Z')]);

    // Act
    const result = await recordLineage(
      { object: TRAINING, output: trainingDataOutput(), conversion: NOT_CONVERTED },
      deps,
    );

    // Assess
    expect(result).toEqual({ edges: 1, unresolvedInputs: [] });
    expect(lineage.edges[0]?.from).toMatch(/2024-05-31\/ingestion\/raw_orders\/orders\.csv#r0$/);
  });

  it('keeps what registration linked and adds inputs registered since', async () => {
    // Prepare: registration linked version r1 of orders.csv; since then r2 of it and a new part arrived.
    const first = rawOrders('2024-06-01', 'r1', '2024-06-01T10:00:00.000Z');
    const rewritten = rawOrders('2024-06-01', 'r2', '2024-06-01T10:05:00.000Z');
    const part = {
      ...rawOrders('2024-06-01', 'p1', '2024-06-01T10:06:00.000Z'),
      uri: 's3://landing-bucket/pipelines/sales/2024-06-01/ingestion/raw_orders/more.csv',
      pk: 'OBJ#s3://landing-bucket/pipelines/sales/2024-06-01/ingestion/raw_orders/more.csv',
    };
    const { lineage, deps } = setup([first, rewritten, part]);
    await lineage.record({
      from: `${first.uri}#r1`,
      to: HERE,
      kind: 'declared-input',
      recordedAt: '2024-06-01T10:01:00.000Z',
    });

    // Act
    const result = await recordLineage(
      { object: TRAINING, output: trainingDataOutput(), conversion: NOT_CONVERTED },
      deps,
    );

    // Assess
    expect(result).toEqual({ edges: 2, unresolvedInputs: [] });
    expect(lineage.edges.map((e) => e.from)).toEqual([`${first.uri}#r1`, `${part.uri}#p1`]);
  });

  it('uses the version token of an unversioned input (its ETag) in the edge', async () => {
    // Prepare
    const unversioned = {
      ...rawOrders('2024-06-01', 'x', '2024-06-01T10:00:00.000Z'),
      versionId: null,
      sk: 'VER#etag:abc',
    };
    const { lineage, deps } = setup([unversioned]);

    // Act
    await recordLineage({ object: TRAINING, output: trainingDataOutput(), conversion: NOT_CONVERTED }, deps);

    // Assess
    expect(lineage.edges[0]?.from).toBe(`${unversioned.uri}#etag:abc`);
  });

  it('lists declared inputs that are not registered instead of inventing edges', async () => {
    // Prepare
    const { lineage, deps } = setup();

    // Act
    const result = await recordLineage(
      { object: TRAINING, output: trainingDataOutput(), conversion: NOT_CONVERTED },
      deps,
    );

    // Assess
    expect(result).toEqual({ edges: 0, unresolvedInputs: ['sales/ingestion/raw_orders'] });
    expect(lineage.edges).toEqual([]);
  });

  it('resolves pipeline/step/output inputs in their own pipeline', async () => {
    // Prepare
    const contract = [
      'pipeline: marketing',
      'step: model',
      'output: features',
      'path: pipelines/marketing/{run_id}/model/features/',
      'inputs: [sales/ingestion/raw_orders, enrich/clicks]',
      'schema: [{ name: id, type: string }]',
    ].join('\n');
    const { registry, lineage, deps } = setup([rawOrders('2024-06-01', 'r1', '2024-06-01T10:00:00.000Z')], {
      'contracts/marketing-model-features.yaml': contract,
    });
    const output = trainingDataOutput({
      pipeline: 'marketing',
      step: 'model',
      output: 'features',
      contractKey: 'contracts/marketing-model-features.yaml',
      convertTo: null,
    });

    // Act
    const result = await recordLineage({ object: TRAINING, output, conversion: NOT_CONVERTED }, deps);

    // Assess
    expect(registry.queries).toEqual([
      'run sales/ingestion/raw_orders@2024-06-01',
      'run marketing/enrich/clicks@2024-06-01',
      'versions marketing/enrich/clicks',
    ]);
    expect(result).toEqual({ edges: 1, unresolvedInputs: ['marketing/enrich/clicks'] });
    expect(lineage.edges[0]).toMatchObject({
      fromOutput: 'sales/ingestion/raw_orders',
      toOutput: 'marketing/model/features',
    });
  });

  it('registers the converted copy as a derived output and links it to the object', async () => {
    // Prepare
    const { registry, lineage, deps } = setup([rawOrders('2024-06-01', 'r1', '2024-06-01T10:00:00.000Z')]);
    const convertedUri = `s3://${ARTIFACTS_BUCKET}/converted/landing-bucket/${TRAINING.key}/v9.parquet`;
    const conversion: ConversionOutcome = {
      converted: true,
      uri: convertedUri,
      versionId: null,
      etag: 'cafe',
      size: 912,
      format: 'parquet',
      rowsIn: 4,
      rowsOut: 4,
      equivalent: true,
      checksums: { order_id: 'x' },
    };

    // Act
    const result = await recordLineage({ object: TRAINING, output: trainingDataOutput(), conversion }, deps);

    // Assess
    expect(result).toEqual({ edges: 2, unresolvedInputs: [] });
    const derived = registry.entries().find((e) => e.dataType === 'converted');
    expect(derived).toEqual({
      pk: `OBJ#${convertedUri}`,
      sk: 'VER#etag:cafe',
      uri: convertedUri,
      bucket: ARTIFACTS_BUCKET,
      key: `converted/landing-bucket/${TRAINING.key}/v9.parquet`,
      versionId: null,
      etag: 'cafe',
      size: 912,
      status: 'passed',
      dataType: 'converted',
      registeredAt: NOW.toISOString(),
      eventTime: NOW.toISOString(),
      pipeline: 'sales',
      step: 'preprocessing',
      output: 'training_data@parquet',
      format: 'parquet',
      contractKey: 'contracts/sales-preprocessing-training_data.yaml',
      note: `converted from ${TRAINING.uri} (4 rows, checksums equal)`,
      gsi1pk: 'OUT#sales#preprocessing#training_data@parquet',
      gsi1sk: `${NOW.toISOString()}#${convertedUri}#VER#etag:cafe`,
      gsi2pk: 'RUN#sales#2024-06-01',
      gsi2sk: `preprocessing#training_data@parquet#${convertedUri}#VER#etag:cafe`,
      rowCount: 4,
      runId: '2024-06-01',
    });
    expect(lineage.edges[1]).toEqual({
      from: HERE,
      to: `${convertedUri}#etag:cafe`,
      kind: 'conversion',
      fromOutput: 'sales/preprocessing/training_data',
      toOutput: 'sales/preprocessing/training_data@parquet',
      recordedAt: NOW.toISOString(),
      dataType: 'converted',
      jobType: 'prt-convert',
      runId: '2024-06-01',
    });
  });

  it('keys a converted copy in a versioned bucket by its version id', async () => {
    // Prepare
    const { registry, lineage, deps } = setup();
    const conversion: ConversionOutcome = {
      converted: true,
      uri: `s3://${ARTIFACTS_BUCKET}/converted/x.parquet`,
      versionId: 'cv1',
      etag: 'cafe',
      size: 1,
      format: 'parquet',
      rowsIn: 0,
      rowsOut: 0,
      equivalent: true,
      checksums: {},
    };

    // Act
    await recordLineage({ object: TRAINING, output: trainingDataOutput({ runId: null }), conversion }, deps);

    // Assess
    const derived = registry.entries().find((e) => e.dataType === 'converted');
    expect(derived).toMatchObject({ sk: 'VER#cv1', versionId: 'cv1' });
    expect(derived).not.toHaveProperty('runId');
    expect(lineage.edges.at(-1)?.to).toBe(`s3://${ARTIFACTS_BUCKET}/converted/x.parquet#cv1`);
  });

  it('records nothing new when run twice for the same version', async () => {
    // Prepare
    const { registry, lineage, deps } = setup([rawOrders('2024-06-01', 'r1', '2024-06-01T10:00:00.000Z')]);
    const conversion: ConversionOutcome = {
      converted: true,
      uri: `s3://${ARTIFACTS_BUCKET}/converted/x.parquet`,
      versionId: null,
      etag: 'cafe',
      size: 1,
      format: 'parquet',
      rowsIn: 1,
      rowsOut: 1,
      equivalent: true,
      checksums: {},
    };
    await recordLineage({ object: TRAINING, output: trainingDataOutput(), conversion }, deps);
    const before = { entries: registry.entries().length, edges: lineage.edges.length };

    // Act
    await recordLineage({ object: TRAINING, output: trainingDataOutput(), conversion }, deps);

    // Assess
    expect({ entries: registry.entries().length, edges: lineage.edges.length }).toEqual(before);
  });
});
