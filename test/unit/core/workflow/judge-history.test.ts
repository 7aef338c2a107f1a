/**
 * The validation's history step: the output's earlier versions come from the registry (newest
 * first, bounded to the contract's N, only passed or warned, none arrived after the version
 * judged), their column metrics from their stored reports, and the judgement lands in the report.
 */
import { describe, expect, it } from 'vitest';
import type { RegistryEntry } from '../../../../lambdas/core/registry/output-registry';
import type { ValidationReport } from '../../../../lambdas/core/validation/validation-report';
import { judgedAgainstHistory } from '../../../../lambdas/core/workflow/judge-history';
import { InMemoryObjectStore } from '../../../fixtures/in-memory-object-store';
import { InMemoryRegistry } from '../../../fixtures/in-memory-registry';

const DAY = 86_400_000;
const START = Date.UTC(2026, 10, 2, 6);
const OUTPUT = { pipeline: 'sales', step: 'export', output: 'orders' };
const ARTIFACTS = 'artifacts';

function entry(i: number, fields: Partial<RegistryEntry> = {}): RegistryEntry {
  const at = new Date(START + i * DAY).toISOString();
  const uri = `s3://landing/exports/${i}/orders.csv`;
  return {
    pk: `OBJ#${uri}`,
    sk: `VER#v${i}`,
    uri,
    bucket: 'landing',
    key: `exports/${i}/orders.csv`,
    versionId: `v${i}`,
    etag: `e${i}`,
    size: 100,
    status: 'passed',
    dataType: 'pipeline',
    registeredAt: at,
    eventTime: at,
    ...OUTPUT,
    runId: String(i),
    rowCount: 1_000 + (i % 5) * 10,
    reportUri: `s3://${ARTIFACTS}/reports/${i}.json`,
    gsi1pk: 'OUT#sales#export#orders',
    gsi1sk: at,
    ...fields,
  };
}

function report(rowCount: number, mean: number): ValidationReport {
  return {
    output: 'sales/export/orders',
    status: 'passed',
    rowCount,
    schema: { level: 'strict', accepted: 'compatible', columns: [] },
    rules: [],
    failedRules: [],
    failedRowCount: 0,
    summary: 'PASSED',
    profile: [
      {
        name: 'amount',
        type: 'float64',
        count: rowCount,
        nulls: 0,
        nullRate: 0,
        nonConforming: 0,
        distinct: { value: 500, exact: true, relativeError: 0 },
        mean,
        stddev: 10,
      },
    ],
  };
}

/** 14 earlier passed versions with their reports, plus a failed one and one that arrived later. */
function seeded(): { registry: InMemoryRegistry; store: InMemoryObjectStore } {
  const store = new InMemoryObjectStore();
  const entries: RegistryEntry[] = [];
  for (let i = 0; i < 14; i++) {
    entries.push(entry(i));
    store.put(
      ARTIFACTS,
      `reports/${i}.json`,
      JSON.stringify(report(1_000 + (i % 5) * 10, 50 + (i % 3) * 0.2)),
    );
  }
  entries.push(entry(13.5, { status: 'failed', rowCount: 1 }));
  entries.push(entry(20, { rowCount: 99_999 }));
  return { registry: new InMemoryRegistry(entries), store };
}

const current = {
  pk: 'OBJ#s3://landing/exports/14/orders.csv',
  sk: 'VER#v14',
  eventTime: new Date(START + 14 * DAY).toISOString(),
};

describe('judgedAgainstHistory', () => {
  it('flags an outlier with its band, judged against the passed versions that arrived before it', async () => {
    // Arrange
    const { registry, store } = seeded();

    // Act
    const judged = await judgedAgainstHistory(
      { registry, store },
      { object: current, output: OUTPUT },
      report(1_020, 80),
      {},
    );

    // Assess
    expect(judged.historyCheck?.state).toBe('judged');
    expect(judged.historyCheck?.versions).toBe(14);
    expect(judged.historyCheck?.unreadReports).toBe(0);
    expect(judged.historyCheck?.trend.map((p) => p.version)).toEqual([
      ...Array.from({ length: 14 }, (_, i) => `v${i}`),
      'v14',
    ]);
    expect(judged.history?.map((f) => [f.metric, f.column])).toEqual([['mean', 'amount']]);
    expect(judged.history?.[0]?.expected?.median).toBe(50.2);
    expect(judged.history?.[0]?.expected?.high).toBeLessThan(55);
    expect(judged.status).toBe('passed');
  });

  it('bounds the history to the contract N and counts reports it could not read', async () => {
    // Arrange: the newest report is gone
    const { registry, store } = seeded();
    const broken = new InMemoryObjectStore();
    for (let i = 0; i < 13; i++)
      broken.put(ARTIFACTS, `reports/${i}.json`, store.text(ARTIFACTS, `reports/${i}.json`));

    // Act
    const judged = await judgedAgainstHistory(
      { registry, store: broken },
      { object: current, output: OUTPUT },
      report(1_020, 50.2),
      { history: { versions: 5, minVersions: 3, threshold: 3.5 } },
    );

    // Assess
    expect(judged.historyCheck?.versions).toBe(5);
    expect(judged.historyCheck?.window).toBe(5);
    expect(judged.historyCheck?.unreadReports).toBe(1);
    expect(judged.historyCheck?.message).toContain('1 earlier report could not be read');
    expect(judged.history).toBeUndefined();
    expect(registry.queries).toEqual(['versions sales/export/orders']);
  });

  it('says "not enough history" for a new output, and adds no finding', async () => {
    // Arrange
    const registry = new InMemoryRegistry([entry(0), entry(1)]);

    // Act
    const judged = await judgedAgainstHistory(
      { registry, store: new InMemoryObjectStore() },
      { object: current, output: OUTPUT },
      report(5, 1),
      {},
    );

    // Assess
    expect(judged.historyCheck?.state).toBe('not_enough_history');
    expect(judged.historyCheck?.message).toBe(
      'not enough history: 2 earlier versions passed or warned, 10 needed; nothing judged against history',
    );
    expect(judged.history).toBeUndefined();
  });

  it('leaves the report as it is without a registry', async () => {
    // Arrange
    const plain = report(5, 1);

    // Act
    const judged = await judgedAgainstHistory(
      { store: new InMemoryObjectStore() },
      { object: current, output: OUTPUT },
      plain,
      {},
    );

    // Assess
    expect(judged).toBe(plain);
  });
});
