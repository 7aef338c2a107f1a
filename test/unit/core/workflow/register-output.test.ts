import { describe, expect, it } from 'vitest';

import { ContractCatalog } from '../../../../lambdas/core/contracts/contract-catalog';
import { registerOutput } from '../../../../lambdas/core/workflow/register-output';
import { InMemoryObjectStore } from '../../../fixtures/in-memory-object-store';
import type { LineageEdge } from '../../../../lambdas/core/lineage/lineage-store';
import type { RegistryEntry } from '../../../../lambdas/core/registry/output-registry';
import { ContractError, TransientDependencyError } from '../../../../lambdas/core/errors';
import { InMemoryLineageStore } from '../../../fixtures/in-memory-lineage-store';
import { InMemoryRegistry } from '../../../fixtures/in-memory-registry';
import {
  ARTIFACTS_BUCKET,
  CONTRACTS_PREFIX,
  RAW_ORDERS_CONTRACT,
  TRAINING_DATA_CONTRACT,
  seedSampleContracts,
} from '../../../fixtures/sample-contracts';
import { objectRef, trainingDataOutput } from '../../../fixtures/step-events';

const NOW = new Date('2024-06-01T10:20:31.000Z');
const TRAINING_KEY = 'pipelines/sales/2024-06-01/preprocessing/training_data/part-0.csv';

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
  return { store, registry, deps };
}

describe('registerOutput', () => {
  it('registers a canary output apart: data type canary, no index keys, no lineage, no conversion', async () => {
    // Arrange
    const { registry, deps } = setup();
    const object = objectRef({ key: `canary/${TRAINING_KEY}`, etag: 'abc', size: 42, versionId: 'v1' });

    // Act
    const result = await registerOutput({ object }, deps);
    const latest = await registry.latest('sales', 'preprocessing', 'training_data');
    const outputs = await registry.logicalOutputs('sales');

    // Assess
    expect(result).toMatchObject({
      tracked: true,
      duplicate: false,
      output: { pipeline: 'sales', output: 'training_data', runId: '2024-06-01', convertTo: null },
    });
    const stored = [...registry.items.values()];
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      dataType: 'canary',
      status: 'pending',
      contractKey: TRAINING_DATA_CONTRACT,
    });
    expect(stored[0]).not.toHaveProperty('gsi1pk');
    expect(stored[0]).not.toHaveProperty('gsi2pk');
    expect(latest).toBeUndefined();
    expect(outputs).toEqual([]);
    expect(registry.lineage.edges).toEqual([]);
  });

  it('registers a tracked object version as pending, with its index keys and run id', async () => {
    // Prepare
    const { registry, deps } = setup();
    const object = objectRef({ key: TRAINING_KEY, etag: 'abc', size: 42, versionId: 'v1' });

    // Act
    const result = await registerOutput({ object }, deps);

    // Assess
    expect(result).toEqual({
      tracked: true,
      duplicate: false,
      partOfDataset: false,
      // The sample training_data contract's output, run 2024-06-01, converted to Parquet.
      output: trainingDataOutput(),
    });
    expect(registry.entries()).toEqual([
      {
        pk: `OBJ#s3://landing-bucket/${TRAINING_KEY}`,
        sk: 'VER#v1',
        uri: `s3://landing-bucket/${TRAINING_KEY}`,
        bucket: 'landing-bucket',
        key: TRAINING_KEY,
        versionId: 'v1',
        etag: 'abc',
        size: 42,
        dataType: 'pipeline',
        registeredAt: NOW.toISOString(),
        eventTime: object.eventTime,
        status: 'pending',
        pipeline: 'sales',
        step: 'preprocessing',
        output: 'training_data',
        format: 'csv',
        contractKey: TRAINING_DATA_CONTRACT,
        runId: '2024-06-01',
        gsi1pk: 'OUT#sales#preprocessing#training_data',
        gsi1sk: `${NOW.toISOString()}#s3://landing-bucket/${TRAINING_KEY}#VER#v1`,
        gsi2pk: 'RUN#sales#2024-06-01',
        gsi2sk: `preprocessing#training_data#s3://landing-bucket/${TRAINING_KEY}#VER#v1`,
      },
    ]);
  });

  it('carries the job type of the contract into the entry and the result', async () => {
    // Prepare
    const { registry, deps } = setup();
    const object = objectRef({
      key: 'pipelines/sales/r9/ingestion/raw_orders/orders.csv',
      etag: 'e',
      size: 1,
    });

    // Act
    const result = await registerOutput({ object }, deps);

    // Assess
    expect(result.output).toMatchObject({
      output: 'raw_orders',
      contractKey: RAW_ORDERS_CONTRACT,
      jobType: 'glue',
      convertTo: null,
      runId: 'r9',
    });
    expect(registry.entries()[0]).toMatchObject({ jobType: 'glue', sk: 'VER#etag:e', versionId: null });
  });

  it('records a key no contract claims as untracked, without index keys', async () => {
    // Prepare
    const { registry, deps } = setup();
    const object = objectRef({ key: 'pipelines/marketing/r1/clicks.csv', etag: 'e', size: 7 });

    // Act
    const result = await registerOutput({ object }, deps);

    // Assess
    expect(result).toEqual({ tracked: false, duplicate: false, partOfDataset: false, output: null });
    const [item] = registry.entries();
    expect(item).toMatchObject({
      status: 'untracked',
      note: 'no contract claims this key',
      dataType: 'pipeline',
      size: 7,
    });
    expect(
      Object.keys(item ?? {}).filter((k) => k.startsWith('gsi') || k === 'pipeline' || k === 'runId'),
    ).toEqual([]);
  });

  it('fails a key a broken contract claims with ContractError naming the file, and writes nothing', async () => {
    // Prepare: the contract meant to claim the key does not parse
    const { registry, deps } = setup({
      'contracts/marketing-clicks.yaml':
        'pipeline: marketing\nstep: web\noutput: clicks\npath: pipelines/marketing/{run_id}/\nschema: []\n',
    });
    const object = objectRef({ key: 'pipelines/marketing/r1/clicks.csv', etag: 'e', size: 7 });

    // Act
    const registering = registerOutput({ object }, deps);

    // Assess: the parser's wording belongs to the contract loader; this checks the file and line.
    await expect(registering).rejects.toThrow(ContractError);
    await expect(registering).rejects.toThrow(
      /^contracts\/marketing-clicks\.yaml claims this key but cannot be loaded, so the output was not tested: contracts\/marketing-clicks\.yaml: line 5: schema: .+$/,
    );
    expect(registry.entries()).toEqual([]);
  });

  it('names the broken contract files in the note of a key no contract, broken or not, claims', async () => {
    // Prepare: a broken contract whose path is elsewhere
    const { registry, deps } = setup({
      'contracts/marketing-clicks.yaml':
        'pipeline: marketing\nstep: web\noutput: clicks\npath: pipelines/marketing/{run_id}/\nschema: []\n',
    });
    const object = objectRef({ key: 'pipelines/finance/r1/ledger.csv', etag: 'e', size: 7 });

    // Act
    const result = await registerOutput({ object }, deps);

    // Assess
    expect(result.tracked).toBe(false);
    expect(registry.entries()[0]?.note).toMatch(
      /^no valid contract claims this key; contract files that failed to load: contracts\/marketing-clicks\.yaml \(contracts\/marketing-clicks\.yaml: line 5: schema: .+\)$/,
    );
  });

  it('reports a second delivery of the same version as a duplicate and leaves the first entry alone', async () => {
    // Prepare
    const { registry, deps } = setup();
    const object = objectRef({ key: TRAINING_KEY, etag: 'abc', size: 42, versionId: 'v1' });
    await registerOutput({ object }, deps);
    const later = { ...deps, now: () => new Date('2024-06-01T11:00:00.000Z') };

    // Act
    const result = await registerOutput({ object }, later);

    // Assess
    expect(result).toMatchObject({ tracked: true, duplicate: true, output: { output: 'training_data' } });
    expect(registry.entries()).toHaveLength(1);
    expect(registry.entries()[0]?.registeredAt).toBe(NOW.toISOString());
  });

  it('reports a duplicate untracked delivery as a duplicate', async () => {
    // Prepare
    const { deps } = setup();
    const object = objectRef({ key: 'elsewhere/file.csv', etag: 'e', size: 1 });
    await registerOutput({ object }, deps);

    // Act
    const result = await registerOutput({ object }, deps);

    // Assess
    expect(result).toEqual({ tracked: false, duplicate: true, partOfDataset: false, output: null });
  });

  it('registers a new version of the same key as a new entry', async () => {
    // Prepare
    const { registry, deps } = setup();
    await registerOutput(
      { object: objectRef({ key: TRAINING_KEY, etag: 'a', size: 1, versionId: 'v1' }) },
      deps,
    );

    // Act
    const result = await registerOutput(
      { object: objectRef({ key: TRAINING_KEY, etag: 'b', size: 2, versionId: 'v2' }) },
      deps,
    );

    // Assess
    expect(result.duplicate).toBe(false);
    expect(registry.entries().map((e) => e.sk)).toEqual(['VER#v1', 'VER#v2']);
  });

  it.each([
    ['run', 'exports/{run}/daily/', 'exports/r7/daily/x.csv', 'r7'],
    ['execution_id', 'exports/{execution_id}/daily/', 'exports/e7/daily/x.csv', 'e7'],
  ])('takes the run id from a {%s} placeholder', async (_name, path, key, runId) => {
    // Prepare
    const { registry, deps } = setup({
      'contracts/exports.yaml': `pipeline: exports\nstep: daily\noutput: x\npath: ${path}\nschema: [{ name: id, type: string }]\n`,
    });

    // Act
    const result = await registerOutput({ object: objectRef({ key, etag: 'e', size: 1 }) }, deps);

    // Assess
    expect(result.output?.runId).toBe(runId);
    expect(registry.entries()[0]).toMatchObject({ runId, gsi2pk: `RUN#exports#${runId}` });
  });

  it('leaves the run id null and the run index unset when the template has no run placeholder', async () => {
    // Prepare
    const { registry, deps } = setup({
      'contracts/static.yaml':
        'pipeline: ref\nstep: load\noutput: countries\npath: reference/{region}/countries.csv\nschema: [{ name: id, type: string }]\n',
    });

    // Act
    const result = await registerOutput(
      { object: objectRef({ key: 'reference/eu/countries.csv', etag: 'e', size: 1 }) },
      deps,
    );

    // Assess
    expect(result.output?.runId).toBeNull();
    const [item] = registry.entries();
    expect(item).not.toHaveProperty('runId');
    expect(item).not.toHaveProperty('gsi2pk');
    expect(item).toMatchObject({ gsi1pk: 'OUT#ref#load#countries' });
  });

  it('fails with a ContractError when two contracts claim the key equally', async () => {
    // Prepare
    const { registry, deps } = setup({
      'contracts/a.yaml':
        'pipeline: p\nstep: s\noutput: a\npath: data/{x}/daily/\nschema: [{ name: id, type: string }]\n',
      'contracts/b.yaml':
        'pipeline: p\nstep: s\noutput: b\npath: data/daily/{y}/\nschema: [{ name: id, type: string }]\n',
    });

    // Act
    const act = registerOutput(
      { object: objectRef({ key: 'data/daily/daily/f.csv', etag: 'e', size: 1 }) },
      deps,
    );

    // Assess
    await expect(act).rejects.toBeInstanceOf(ContractError);
    expect(registry.entries()).toEqual([]);
  });
});

/** A registered version of a sample output in a run, as registration writes it. */
function registered(
  step: string,
  output: string,
  runId: string,
  file: string,
  version: string,
  registeredAt: string,
): RegistryEntry {
  const key = `pipelines/sales/${runId}/${step}/${output}/${file}`;
  const uri = `s3://landing-bucket/${key}`;
  return {
    pk: `OBJ#${uri}`,
    sk: `VER#${version}`,
    uri,
    bucket: 'landing-bucket',
    key,
    versionId: version,
    etag: 'e',
    size: 1,
    status: 'passed',
    dataType: 'pipeline',
    registeredAt,
    eventTime: registeredAt,
    pipeline: 'sales',
    step,
    output,
    runId,
    gsi2pk: `RUN#sales#${runId}`,
    gsi2sk: `${step}#${output}#${uri}#VER#${version}`,
  };
}

describe('registerOutput lineage', () => {
  const RUN = '2024-06-01';

  it('links the new version to every key of its declared input in the same run, newest version of each', async () => {
    // Prepare: raw_orders of the run has two part files, one of them written twice.
    const seed = [
      registered('ingestion', 'raw_orders', RUN, 'part-0.csv', 'a1', '2024-06-01T09:00:00.000Z'),
      registered('ingestion', 'raw_orders', RUN, 'part-0.csv', 'a2', '2024-06-01T09:05:00.000Z'),
      registered('ingestion', 'raw_orders', RUN, 'part-1.csv', 'b1', '2024-06-01T09:01:00.000Z'),
      registered('ingestion', 'raw_orders', '2024-05-31', 'part-0.csv', 'old', '2024-05-31T09:00:00.000Z'),
    ];
    const { registry, deps } = setup({}, seed);
    const object = objectRef({ key: TRAINING_KEY, etag: 't', size: 3, versionId: 'v1' });

    // Act
    await registerOutput({ object }, deps);

    // Assess
    const edges = registry.lineage.edges;
    expect(edges.map((e) => e.from)).toEqual([
      `s3://landing-bucket/pipelines/sales/${RUN}/ingestion/raw_orders/part-0.csv#a2`,
      `s3://landing-bucket/pipelines/sales/${RUN}/ingestion/raw_orders/part-1.csv#b1`,
    ]);
    expect(edges[0]).toEqual<LineageEdge>({
      from: `s3://landing-bucket/pipelines/sales/${RUN}/ingestion/raw_orders/part-0.csv#a2`,
      to: `${object.uri}#v1`,
      kind: 'declared-input',
      fromOutput: 'sales/ingestion/raw_orders',
      toOutput: 'sales/preprocessing/training_data',
      recordedAt: NOW.toISOString(),
      dataType: 'pipeline',
      runId: RUN,
    });
  });

  it('links an upstream that arrives after its consumers to the consumers of its run', async () => {
    // Prepare: training_data of the run was registered first.
    const consumer = registered(
      'preprocessing',
      'training_data',
      RUN,
      'part-0.csv',
      't1',
      '2024-06-01T09:00:00.000Z',
    );
    const { registry, deps } = setup({}, [consumer]);
    const raw = objectRef({
      key: `pipelines/sales/${RUN}/ingestion/raw_orders/orders.csv`,
      etag: 'r',
      size: 1,
      versionId: 'r1',
    });

    // Act
    await registerOutput({ object: raw }, deps);

    // Assess
    expect(registry.lineage.edges).toEqual([
      {
        from: `${raw.uri}#r1`,
        to: `${consumer.uri}#t1`,
        kind: 'declared-input',
        fromOutput: 'sales/ingestion/raw_orders',
        toOutput: 'sales/preprocessing/training_data',
        recordedAt: NOW.toISOString(),
        dataType: 'pipeline',
        runId: RUN,
      },
    ]);
  });

  it('leaves a consumer alone that is already linked to another version of the same key', async () => {
    // Prepare: the consumer read version r1; r2 of the same key arrives later in the run.
    const consumer = registered(
      'preprocessing',
      'training_data',
      RUN,
      'part-0.csv',
      't1',
      '2024-06-01T09:00:00.000Z',
    );
    const rawKey = `pipelines/sales/${RUN}/ingestion/raw_orders/orders.csv`;
    const lineage = new InMemoryLineageStore();
    await lineage.record({
      from: `s3://landing-bucket/${rawKey}#r1`,
      to: `${consumer.uri}#t1`,
      kind: 'declared-input',
      recordedAt: '2024-06-01T09:00:00.000Z',
    });
    const { registry, deps } = setup({}, [consumer]);

    // Act
    await registerOutput(
      { object: objectRef({ key: rawKey, etag: 'r', size: 1, versionId: 'r2' }) },
      { ...deps, lineage },
    );

    // Assess
    expect(lineage.edges.map((e) => e.from)).toEqual([`s3://landing-bucket/${rawKey}#r1`]);
    expect(registry.lineage.edges).toEqual([]);
  });

  it('records no edge twice when the same version is delivered again', async () => {
    // Prepare
    const { registry, deps } = setup({}, [
      registered('ingestion', 'raw_orders', RUN, 'orders.csv', 'r1', '2024-06-01T09:00:00.000Z'),
    ]);
    const object = objectRef({ key: TRAINING_KEY, etag: 't', size: 3, versionId: 'v1' });
    await registerOutput({ object }, deps);

    // Act
    const again = await registerOutput({ object }, deps);

    // Assess
    expect(again.duplicate).toBe(true);
    expect(registry.lineage.edges).toHaveLength(1);
  });

  it('writes the entry last, so a Register retried after a lineage failure is not mistaken for a duplicate', async () => {
    // Prepare: the first attempt's lineage write is throttled.
    const { registry, deps } = setup({}, [
      registered('ingestion', 'raw_orders', RUN, 'orders.csv', 'r1', '2024-06-01T09:00:00.000Z'),
    ]);
    const flaky = new InMemoryLineageStore();
    let calls = 0;
    flaky.record = (edge) =>
      calls++ === 0
        ? Promise.reject(new TransientDependencyError('throttled'))
        : InMemoryLineageStore.prototype.record.call(flaky, edge);
    const object = objectRef({ key: TRAINING_KEY, etag: 't', size: 3, versionId: 'v1' });
    const failed = registerOutput({ object }, { ...deps, lineage: flaky });
    await expect(failed).rejects.toBeInstanceOf(TransientDependencyError);

    // Act: the state machine retries the step.
    const retried = await registerOutput({ object }, { ...deps, lineage: flaky });

    // Assess
    expect(retried).toMatchObject({ tracked: true, duplicate: false });
    expect(registry.entries().filter((e) => e.uri === object.uri)).toHaveLength(1);
    expect(flaky.edges).toHaveLength(1);
  });
});
