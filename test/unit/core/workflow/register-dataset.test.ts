import { describe, expect, it } from 'vitest';

import { ContractCatalog } from '../../../../lambdas/core/contracts/contract-catalog';
import type { RegistryEntry } from '../../../../lambdas/core/registry/output-registry';
import { registerDataset, registerOutput } from '../../../../lambdas/core/workflow/register-output';
import { InMemoryObjectStore } from '../../../fixtures/in-memory-object-store';
import { InMemoryRegistry } from '../../../fixtures/in-memory-registry';
import { ARTIFACTS_BUCKET, CONTRACTS_PREFIX, seedSampleContracts } from '../../../fixtures/sample-contracts';
import { LANDING_BUCKET, objectRef } from '../../../fixtures/step-events';

const NOW = new Date('2026-11-02T08:00:00.000Z');
const CONTRACT_KEY = 'contracts/sales-export-orders_parts.yaml';
const FOLDER = 'datasets/sales/r1/orders/';
const FOLDER_URI = `s3://${LANDING_BUCKET}/${FOLDER}`;
/** The S3 event's sequencer objectRef() gives every event. */
const SEQUENCER = '0062E99A88DC407460';
const EMPTY_ETAG = 'd41d8cd98f00b204e9800998ecf8427e';

function setup(extraContracts: Record<string, string> = {}, seed: RegistryEntry[] = []) {
  const store = new InMemoryObjectStore();
  seedSampleContracts(store);
  for (const [key, text] of Object.entries(extraContracts)) store.put(ARTIFACTS_BUCKET, key, text);
  const registry = new InMemoryRegistry(seed);
  const deps = {
    catalog: new ContractCatalog(store, ARTIFACTS_BUCKET, CONTRACTS_PREFIX),
    registry,
    lineage: registry.lineage,
    now: () => NOW,
  };
  return { registry, deps };
}

function marker(key = `${FOLDER}_SUCCESS`, versionId: string | null = null) {
  return objectRef({ key, etag: EMPTY_ETAG, size: 0, versionId });
}

const IGNORED = { tracked: false, duplicate: false, output: null, dataset: null };

describe('registerDataset', () => {
  it('registers the folder of a marker on an unversioned bucket as one pending output version', async () => {
    // Prepare
    const { registry, deps } = setup();
    const object = marker();

    // Act
    const result = await registerDataset({ object }, deps);

    // Assess
    expect(result).toEqual({
      tracked: true,
      duplicate: false,
      output: {
        pipeline: 'sales',
        step: 'export',
        output: 'orders_parts',
        runId: 'r1',
        contractKey: CONTRACT_KEY,
        format: 'csv',
        convertTo: null,
        jobType: 'spark',
      },
      dataset: {
        ...object,
        key: FOLDER,
        uri: FOLDER_URI,
        pk: `OBJ#${FOLDER_URI}`,
        sk: `VER#marker-${SEQUENCER}`,
        versionId: null,
        size: 0,
      },
    });
    expect(registry.entries()).toEqual([
      expect.objectContaining({
        pk: `OBJ#${FOLDER_URI}`,
        sk: `VER#marker-${SEQUENCER}`,
        uri: FOLDER_URI,
        bucket: LANDING_BUCKET,
        key: FOLDER,
        versionId: null,
        size: 0,
        status: 'pending',
        partitioned: true,
        marker: `s3://${LANDING_BUCKET}/${FOLDER}_SUCCESS`,
        pipeline: 'sales',
        step: 'export',
        output: 'orders_parts',
        contractKey: CONTRACT_KEY,
        runId: 'r1',
        jobType: 'spark',
        registeredAt: NOW.toISOString(),
        gsi1pk: 'OUT#sales#export#orders_parts',
        gsi2pk: 'RUN#sales#r1',
      }),
    ]);
  });

  it("takes the version of the folder from the marker's version id on a versioned bucket", async () => {
    // Prepare
    const { registry, deps } = setup();

    // Act
    const result = await registerDataset({ object: marker(undefined, 'mv1') }, deps);

    // Assess
    expect(result.dataset).toMatchObject({ key: FOLDER, sk: 'VER#mv1', versionId: null });
    expect(registry.entries().map((e) => [e.uri, e.sk])).toEqual([[FOLDER_URI, 'VER#mv1']]);
  });

  it('registers a rerun (a new marker with a new sequencer) as a new version of the folder', async () => {
    // Prepare
    const { registry, deps } = setup();
    await registerDataset({ object: marker() }, deps);

    // Act
    const result = await registerDataset({ object: { ...marker(), sequencer: '0062E99A88DC409999' } }, deps);

    // Assess
    expect(result.duplicate).toBe(false);
    expect(registry.entries().map((e) => e.sk)).toEqual([
      `VER#marker-${SEQUENCER}`,
      'VER#marker-0062E99A88DC409999',
    ]);
  });

  it('reports a second delivery of the same marker event as a duplicate and keeps the first entry', async () => {
    // Prepare
    const { registry, deps } = setup();
    await registerDataset({ object: marker() }, deps);
    const later = { ...deps, now: () => new Date('2026-11-02T09:00:00.000Z') };

    // Act
    const result = await registerDataset({ object: marker() }, later);

    // Assess
    expect(result).toMatchObject({ tracked: true, duplicate: true, output: { output: 'orders_parts' } });
    expect(registry.entries()).toHaveLength(1);
    expect(registry.entries()[0]?.registeredAt).toBe(NOW.toISOString());
  });

  it("links the folder to the contract's declared inputs of the same run", async () => {
    // Prepare
    const rawKey = 'pipelines/sales/r1/ingestion/raw_orders/orders.csv';
    const rawUri = `s3://${LANDING_BUCKET}/${rawKey}`;
    const raw: RegistryEntry = {
      pk: `OBJ#${rawUri}`,
      sk: 'VER#r1v',
      uri: rawUri,
      bucket: LANDING_BUCKET,
      key: rawKey,
      versionId: 'r1v',
      etag: 'e',
      size: 1,
      status: 'passed',
      dataType: 'pipeline',
      registeredAt: '2026-11-02T07:00:00.000Z',
      eventTime: '2026-11-02T07:00:00.000Z',
      pipeline: 'sales',
      step: 'ingestion',
      output: 'raw_orders',
      runId: 'r1',
      gsi2pk: 'RUN#sales#r1',
      gsi2sk: `ingestion#raw_orders#${rawUri}#VER#r1v`,
    };
    const { registry, deps } = setup({}, [raw]);

    // Act
    await registerDataset({ object: marker() }, deps);

    // Assess
    expect(registry.lineage.edges.map((e) => [e.from, e.to])).toEqual([
      [`${rawUri}#r1v`, `${FOLDER_URI}#marker-${SEQUENCER}`],
    ]);
  });

  it.each([
    ['a marker in a subfolder of the contract folder', `${FOLDER}date=2026-11-01/_SUCCESS`],
    [
      'a marker in a folder only a non-partitioned contract claims',
      'pipelines/sales/r1/preprocessing/training_data/_SUCCESS',
    ],
    ['a marker in a folder no contract claims', 'datasets/unknown/r1/_SUCCESS'],
    ['a part key, not a marker', `${FOLDER}part-00000.csv`],
    ['a key that only ends like a marker', `${FOLDER}not_SUCCESS`],
  ])('ignores %s without writing to the registry', async (_what, key) => {
    // Prepare
    const { registry, deps } = setup();

    // Act
    const result = await registerDataset({ object: marker(key) }, deps);

    // Assess
    expect(result).toEqual(IGNORED);
    expect(registry.entries()).toEqual([]);
    expect(registry.lineage.edges).toEqual([]);
  });
});

describe('registerOutput for a part of a partitioned output', () => {
  it.each([`${FOLDER}part-00000.csv`, `${FOLDER}date=2026-11-01/part-00001.csv`])(
    'answers partOfDataset for %s and writes nothing to the registry',
    async (key) => {
      // Prepare
      const { registry, deps } = setup();

      // Act
      const result = await registerOutput({ object: objectRef({ key, etag: 'e', size: 10 }) }, deps);

      // Assess
      expect(result).toEqual({ tracked: true, duplicate: false, partOfDataset: true, output: null });
      expect(registry.entries()).toEqual([]);
      expect(registry.lineage.edges).toEqual([]);
    },
  );
});
