/**
 * Emission of a tested version's RunEvents from its Output Tested event: the registry names the
 * job, the stored report gives the facets, the lineage store the producing step's inputs; every
 * event sent validates against the OpenLineage JSON Schemas; errors are thrown, never sent as FAIL.
 */
import { describe, expect, it } from 'vitest';
import {
  emitTestedVersion,
  objectStoreTransport,
  type OpenLineageTransport,
  type RunEvent,
} from '../../../../lambdas/core/openlineage';
import type { RegistryEntry } from '../../../../lambdas/core/registry';
import { InMemoryLineageStore } from '../../../fixtures/in-memory-lineage-store';
import { InMemoryObjectStore } from '../../../fixtures/in-memory-object-store';
import { openLineageSpecValidator } from '../../../fixtures/openlineage-spec-validator';

const validate = openLineageSpecValidator();
const URI = 's3://outputs/pipelines/sales/r1/preprocessing/training_data/a.csv';
const REPORT_URI = 's3://artifacts/reports/a.json';

const REPORT = {
  output: 'sales/preprocessing/training_data',
  status: 'failed',
  rowCount: 2,
  schema: {
    level: 'strict',
    accepted: 'compatible',
    columns: [
      { name: 'amount', expectedType: 'float64', finding: 'ok', level: 'strict', nulls: 0, nonConforming: 0 },
    ],
  },
  rules: [
    {
      name: 'amount_positive',
      type: 'range',
      field: 'amount',
      threshold: 1,
      severity: 'error',
      evaluated: 2,
      passed: 1,
      failed: 1,
      passRate: 0.5,
      outcome: 'fail',
    },
  ],
  failedRules: ['amount_positive'],
  failedRowCount: 1,
  summary: '1 of 1 rules failed',
  profile: [],
};

function entry(extra: Partial<RegistryEntry> = {}): RegistryEntry {
  return {
    pk: `OBJ#${URI}`,
    sk: 'VER#v1',
    uri: URI,
    bucket: 'outputs',
    key: 'pipelines/sales/r1/preprocessing/training_data/a.csv',
    versionId: 'v1',
    etag: 'e',
    size: 10,
    status: 'failed',
    dataType: 'pipeline',
    registeredAt: '2026-12-07T00:00:00Z',
    eventTime: '2026-12-07T00:00:00Z',
    pipeline: 'sales',
    step: 'preprocessing',
    output: 'training_data',
    ...extra,
  };
}

function detail(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schemaVersion: '1',
    status: 'failed',
    uri: URI,
    bucket: 'outputs',
    key: 'pipelines/sales/r1/preprocessing/training_data/a.csv',
    version: 'VER#v1',
    execution: 'arn:aws:states:eu-west-1:1:execution:m:x',
    reportUri: REPORT_URI,
    ...extra,
  };
}

function setup(found: RegistryEntry | null = entry()) {
  const store = new InMemoryObjectStore();
  store.put('artifacts', 'reports/a.json', JSON.stringify(REPORT));
  const lineage = new InMemoryLineageStore();
  const sent: RunEvent[] = [];
  const transport: OpenLineageTransport = {
    describe: 'memory',
    send: (e) => {
      sent.push(e);
      return Promise.resolve();
    },
  };
  const deps = {
    store,
    lineage,
    registry: { find: () => Promise.resolve(found ?? undefined) },
    transport,
    settings: { namespace: 'prt-dev' },
    now: () => new Date('2026-12-07T08:00:00Z'),
  };
  return { store, lineage, sent, deps };
}

describe('emitTestedVersion', () => {
  it('sends the producing step (inputs from the lineage store) and a FAIL test run, both spec-valid', async () => {
    // Arrange
    const { lineage, sent, deps } = setup();
    await lineage.record({
      from: 's3://outputs/pipelines/sales/r1/ingestion/raw_orders/o.csv#v9',
      to: `${URI}#v1`,
      kind: 'declared-input',
      fromOutput: 'sales/ingestion/raw_orders',
      recordedAt: '2026-12-07T00:00:00Z',
    });
    // Act
    const result = await emitTestedVersion(detail(), deps);
    // Assess
    expect(result).toMatchObject({ emitted: ['COMPLETE', 'FAIL'] });
    expect(sent.map((e) => e.job)).toEqual([
      { namespace: 'sales', name: 'preprocessing' },
      { namespace: 'prt-dev', name: 'test.sales.preprocessing.training_data' },
    ]);
    expect(sent[0]!.inputs.map((i) => [i.namespace, i.name])).toEqual([
      ['s3://outputs', 'pipelines/sales/r1/ingestion/raw_orders/o.csv'],
    ]);
    expect(sent[1]!.inputs[0]!.inputFacets?.['dataQualityAssertions']).toBeDefined();
    for (const e of sent) expect(validate(e)).toEqual([]);
  });

  it('sends a FAIL with the error message, bounded, for a version that could not be tested', async () => {
    // Arrange
    const { sent, deps } = setup(entry({ status: 'error' }));
    // Act
    await emitTestedVersion(
      detail({
        status: 'error',
        reportUri: undefined,
        error: { Error: 'States.Timeout', Cause: 'x'.repeat(10_000) },
      }),
      deps,
    );
    // Assess
    const message = sent[1]!.run.facets?.['errorMessage']?.['message'] as string;
    expect(sent[1]!.eventType).toBe('FAIL');
    expect(message.startsWith('States.Timeout: x')).toBe(true);
    expect(message.length).toBe(2000);
    expect(validate(sent[1]!)).toEqual([]);
  });

  it('skips, saying why, a version the registry does not know', async () => {
    // Arrange
    const { sent, deps } = setup(null);
    // Act
    const result = await emitTestedVersion(detail(), deps);
    // Assess
    expect(result).toEqual({ skipped: expect.stringContaining('is not a registered output') as unknown });
    expect(sent).toEqual([]);
  });

  it('throws, sending nothing, when the report cannot be read (a processing error is not a FAIL)', async () => {
    // Arrange
    const { sent, deps } = setup();
    // Act
    const emission = emitTestedVersion(detail({ reportUri: 's3://artifacts/reports/missing.json' }), deps);
    // Assess
    await expect(emission).rejects.toThrow();
    expect(sent).toEqual([]);
  });

  it('refuses a detail of another schema version by name', async () => {
    // Arrange
    const { deps } = setup();
    // Act
    const emission = emitTestedVersion(detail({ schemaVersion: '2' }), deps);
    // Assess
    await expect(emission).rejects.toThrow(/schemaVersion "2" is not supported/);
  });

  it('the s3 transport writes one object per run under its prefix, so a retry overwrites', async () => {
    // Arrange
    const { store, deps } = setup();
    const s3 = objectStoreTransport(store, 'artifacts', 'openlineage/');
    // Act
    await emitTestedVersion(detail(), { ...deps, transport: s3 });
    await emitTestedVersion(detail(), { ...deps, transport: s3 });
    // Assess
    const keys = store.keys().filter((k) => k.includes('openlineage/'));
    expect(keys).toHaveLength(2);
  });
});
