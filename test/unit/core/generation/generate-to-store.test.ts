/** The generate Lambda's core: plans from the catalog, writes under the synthetic prefix, registers as synthetic. */
import { describe, expect, it } from 'vitest';
import { ContractCatalog } from '../../../../lambdas/core/contracts/contract-catalog';
import { InvalidInputError } from '../../../../lambdas/core/errors';
import { generateToStore, parseGenerateRequest } from '../../../../lambdas/core/generation/generate-to-store';
import { GenerationError } from '../../../../lambdas/core/generation/generation-error';
import { InMemoryObjectStore } from '../../../fixtures/in-memory-object-store';
import { InMemoryRegistry } from '../../../fixtures/in-memory-registry';
import { readFileSync, readdirSync } from 'node:fs';
import { projectPath } from '../../../../lib/config/project-paths';

function setup() {
  const store = new InMemoryObjectStore();
  for (const f of readdirSync(projectPath('contracts')))
    store.put('artifacts', `contracts/${f}`, readFileSync(projectPath(`contracts/${f}`)));
  const registry = new InMemoryRegistry();
  const deps = {
    store,
    registry,
    catalog: new ContractCatalog(store, 'artifacts', 'contracts/'),
    bucket: 'outputs',
    prefix: 'synthetic/',
    maxRows: 100_000,
    now: () => new Date('2026-11-22T10:00:00Z'),
  };
  return { store, registry, deps };
}

describe('generateToStore', () => {
  it('writes one output under the synthetic prefix and registers it as synthetic', async () => {
    // Prepare
    const { store, registry, deps } = setup();
    // Act
    const result = await generateToStore(
      parseGenerateRequest({ output: 'sales/ingestion/raw_orders', rows: 250, seed: 3 }),
      deps,
    );
    // Assess
    const key = 'synthetic/pipelines/sales/synthetic-3/ingestion/raw_orders/part-00000.csv';
    expect(result.objects).toEqual([
      expect.objectContaining({
        output: 'sales/ingestion/raw_orders',
        uri: `s3://outputs/${key}`,
        rows: 250,
        format: 'csv',
      }),
    ]);
    expect(store.text('outputs', key).split('\n')[0]).toBe('order_id,customer_id,amount,ordered_at');
    const entries = [...registry.items.values()];
    expect(entries).toEqual([
      expect.objectContaining({
        uri: `s3://outputs/${key}`,
        dataType: 'synthetic',
        status: 'pending',
        pipeline: 'sales',
        step: 'ingestion',
        output: 'raw_orders',
        runId: 'synthetic-3',
        rowCount: 250,
        contractKey: 'contracts/sales-ingestion-raw_orders.yaml',
        gsi1pk: 'OUT#sales#ingestion#raw_orders',
        gsi2pk: 'RUN#sales#synthetic-3',
      }),
    ]);
  });

  it('writes a canary case under the canary prefix and leaves its registration to the arrival', async () => {
    // Arrange
    const { store, registry, deps } = setup();
    // Act
    const result = await generateToStore(
      parseGenerateRequest({
        output: 'sales/ingestion/raw_orders',
        rows: 20,
        runId: 'canary-x-1',
        violate: ['order_id_present=0.5'],
        canary: true,
      }),
      deps,
    );
    // Assess
    const key = 'canary/pipelines/sales/canary-x-1/ingestion/raw_orders/part-00000.csv';
    expect(result.objects.map((o) => o.uri)).toEqual([`s3://outputs/${key}`]);
    const rows = store.text('outputs', key).trim().split('\n').slice(1);
    expect(rows.filter((r) => r.startsWith(',')).length).toBe(10);
    expect(registry.items.size).toBe(0);
    expect(() => parseGenerateRequest({ output: 'a/b/c', canary: 'yes' })).toThrow(InvalidInputError);
  });

  it('generates a whole pipeline with agreeing keys', async () => {
    // Prepare
    const { deps } = setup();
    // Act
    const result = await generateToStore(
      parseGenerateRequest({ pipeline: 'sales', rows: 100, seed: 1, runId: 'r1' }),
      deps,
    );
    // Assess: upstream outputs first (export reads raw_orders, as training_data does).
    expect(result.objects.map((o) => o.output)).toEqual([
      'sales/ingestion/raw_orders',
      'sales/export/orders_parts',
      'sales/preprocessing/training_data',
      'sales/features/order_features',
    ]);
    expect(result.objects.map((o) => o.uri)).toEqual([
      's3://outputs/synthetic/pipelines/sales/r1/ingestion/raw_orders/part-00000.csv',
      's3://outputs/synthetic/datasets/sales/r1/orders/part-00000.csv',
      's3://outputs/synthetic/pipelines/sales/r1/preprocessing/training_data/part-00000.csv',
      's3://outputs/synthetic/pipelines/sales/r1/features/order_features/part-00000.parquet',
    ]);
  });

  it('Noncompliance 1: writes nothing for an impossible request or an unknown output', async () => {
    // Prepare
    const { store, registry, deps } = setup();
    // Act / Assess
    await expect(generateToStore(parseGenerateRequest({ output: 'sales/nope/x' }), deps)).rejects.toThrow(
      /^output: no contract describes output 'sales\/nope\/x'$/,
    );
    await expect(
      generateToStore(
        parseGenerateRequest({ output: 'sales/ingestion/raw_orders', rows: 10, violate: ['order_id.range'] }),
        deps,
      ),
    ).rejects.toThrow(GenerationError);
    await expect(
      generateToStore(parseGenerateRequest({ output: 'sales/ingestion/raw_orders', rows: 200_000 }), deps),
    ).rejects.toThrow(/limit of 100000/);
    expect(store.calls.filter((c) => c.op === 'sink')).toEqual([]);
    expect(registry.items.size).toBe(0);
  });

  it('Noncompliance 2: rejects malformed events with InvalidInputError naming the field', () => {
    // Act / Assess
    expect(() => parseGenerateRequest({ rows: 1 })).toThrow(InvalidInputError);
    expect(() => parseGenerateRequest({ output: 'a/b/c', rows: 1.5 })).toThrow(/rows must be a whole number/);
    expect(() => parseGenerateRequest({ output: 'a/b/c', format: 'xml' })).toThrow(/format must be one of/);
    expect(() => parseGenerateRequest({ output: 'a/b/c', violate: 'x' })).toThrow(/violate must be a list/);
  });
});
