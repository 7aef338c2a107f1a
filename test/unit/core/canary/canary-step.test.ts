import { describe, expect, it } from 'vitest';

import { canaryRunId, runCanaryStep } from '../../../../lambdas/core/canary/canary-step';
import type { CanaryPlan } from '../../../../lambdas/core/canary/canary-plan';
import type { CanaryVerdict } from '../../../../lambdas/core/canary/canary-verdict';
import { ContractCatalog } from '../../../../lambdas/core/contracts/contract-catalog';
import { InvalidInputError } from '../../../../lambdas/core/errors';
import type { RegistryEntry } from '../../../../lambdas/core/registry/output-registry';
import { InMemoryObjectStore } from '../../../fixtures/in-memory-object-store';
import { InMemoryRegistry } from '../../../fixtures/in-memory-registry';
import { ARTIFACTS_BUCKET, CONTRACTS_PREFIX, seedSampleContracts } from '../../../fixtures/sample-contracts';

function setup() {
  const store = new InMemoryObjectStore();
  seedSampleContracts(store);
  const registry = new InMemoryRegistry();
  const deps = {
    catalog: new ContractCatalog(store, ARTIFACTS_BUCKET, CONTRACTS_PREFIX),
    registry,
  };
  return { registry, deps };
}

function entry(uri: string, status: RegistryEntry['status'], failedRules: string[] = []): RegistryEntry {
  return {
    pk: `OBJ#${uri}`,
    sk: 'VER#v1',
    uri,
    bucket: 'outputs',
    key: uri.replace('s3://outputs/', ''),
    versionId: 'v1',
    etag: 'e',
    size: 1,
    status,
    dataType: 'canary',
    registeredAt: '2026-01-01T00:00:00.000Z',
    eventTime: '2026-01-01T00:00:00.000Z',
    ...(failedRules.length ? { failedRules: new Set(failedRules) } : {}),
  };
}

const URI_PASS = 's3://outputs/canary/pipelines/sales/a/ingestion/raw_orders/part-00000.csv';
const URI_FAIL = 's3://outputs/canary/pipelines/sales/b/ingestion/raw_orders/part-00000.csv';
const GENERATED = [
  { seed: 1, runId: 'a', objects: [{ uri: URI_PASS, versionId: 'v1' }] },
  { seed: 1, runId: 'b', objects: [{ uri: URI_FAIL, versionId: 'v1' }] },
];

async function planOf(deps: ReturnType<typeof setup>['deps']): Promise<CanaryPlan> {
  return (await runCanaryStep(
    {
      action: 'plan',
      execution: 'exec:1/2',
      request: { contracts: ['sales/ingestion/raw_orders'], rows: 20 },
    },
    deps,
  )) as CanaryPlan;
}

describe('runCanaryStep', () => {
  it('plans from the deployed contracts the config names, with a run id made from the execution name', async () => {
    // Arrange
    const { deps } = setup();

    // Act
    const plan = await planOf(deps);

    // Assess
    expect(plan.runId).toBe('canary-exec12');
    expect(plan.cases.map((c) => c.violate)).toEqual([[], ['order_id_present=0.5']]);
    expect(plan.cases.every((c) => c.rows === 20 && c.output === 'sales/ingestion/raw_orders')).toBe(true);
  });

  it('keeps polling while an output is unregistered or pending, then judges every case', async () => {
    // Arrange
    const { registry, deps } = setup();
    const plan = await planOf(deps);
    const check = { action: 'check', ...plan, generated: GENERATED, maxPolls: 5 };

    // Act
    const first = await runCanaryStep({ ...check, polls: 0 }, deps);
    await registry.register(entry(URI_PASS, 'passed'));
    await registry.register(entry(URI_FAIL, 'pending'));
    const second = await runCanaryStep({ ...check, polls: 1 }, deps);
    registry.items.set(
      `OBJ#${URI_FAIL}|VER#v1`,
      entry(URI_FAIL, 'failed', ['order_id_present', 'schema_compatibility']),
    );
    const third = await runCanaryStep({ ...check, polls: 2 }, deps);

    // Assess
    expect(first).toMatchObject({ polls: 1, done: false });
    expect(first).toMatchObject({ verdict: null, cleanup: [] });
    expect(second).toMatchObject({ polls: 2, done: false });
    expect(third).toMatchObject({ polls: 3, done: true });
    const verdict = (third as { verdict: CanaryVerdict }).verdict;
    expect(verdict).toMatchObject({ runId: 'canary-exec12', passed: true, cases: 2, differences: [] });
    expect((third as { cleanup: unknown }).cleanup).toEqual([
      { bucket: 'outputs', key: URI_PASS.replace('s3://outputs/', '') },
      { bucket: 'outputs', key: URI_FAIL.replace('s3://outputs/', '') },
    ]);
  });

  it('names each difference when a rule was not caught, and when the polls run out', async () => {
    // Arrange
    const { registry, deps } = setup();
    const plan = await planOf(deps);
    await registry.register(entry(URI_FAIL, 'passed'));

    // Act
    const out = await runCanaryStep(
      { action: 'check', ...plan, generated: GENERATED, polls: 2, maxPolls: 3 },
      deps,
    );

    // Assess
    const verdict = (out as { done: boolean; verdict: CanaryVerdict }).verdict;
    expect(verdict.passed).toBe(false);
    expect(verdict.differences.map((d) => d.message)).toEqual([
      'sales/ingestion/raw_orders: the passing output was unregistered, expected passed',
      'sales/ingestion/raw_orders: the output violating order_id_present=0.5 was passed, expected failed (order_id_present, schema_compatibility)',
    ]);
  });

  it('refuses malformed events with the field named', async () => {
    // Arrange
    const { deps } = setup();
    const plan = await planOf(deps);

    // Act / Assess
    await expect(runCanaryStep({ action: 'nope' }, deps)).rejects.toThrow(/action must be plan or check/);
    await expect(
      runCanaryStep({ action: 'check', ...plan, generated: GENERATED.slice(1), polls: 0, maxPolls: 3 }, deps),
    ).rejects.toThrow(/2 canary cases but 1 generated/);
    await expect(
      runCanaryStep({ action: 'check', ...plan, generated: GENERATED, polls: 0, maxPolls: 0 }, deps),
    ).rejects.toThrow(InvalidInputError);
    expect(() => canaryRunId('::')).toThrow(InvalidInputError);
    await expect(
      runCanaryStep({ action: 'plan', execution: 'e', request: { contracts: 'all' } }, deps),
    ).rejects.toThrow(/contracts must be a list/);
    await expect(
      runCanaryStep({ action: 'plan', execution: 'e', request: { rows: 0 } }, deps),
    ).rejects.toThrow(/rows/);
  });
});
