/**
 * Loading the history of an output through the registry and object store ports: bounded in the
 * entries looked at and in the size of a report read, newest first, metrics from the reports.
 */
import { describe, expect, it } from 'vitest';
import { loadHistory, MAX_REPORT_BYTES } from '../../../../lambdas/core/history/history-series';
import type { RegistryEntry } from '../../../../lambdas/core/registry/output-registry';
import { InMemoryObjectStore } from '../../../fixtures/in-memory-object-store';
import { InMemoryRegistry } from '../../../fixtures/in-memory-registry';

const NAME = { pipeline: 'sales', step: 'export', output: 'orders' };

function entry(i: number, status: RegistryEntry['status']): RegistryEntry {
  const at = new Date(Date.UTC(2026, 0, 1) + i * 3_600_000).toISOString();
  const uri = `s3://landing/exports/${i}.csv`;
  return {
    pk: `OBJ#${uri}`,
    sk: `VER#v${i}`,
    uri,
    bucket: 'landing',
    key: `exports/${i}.csv`,
    versionId: `v${i}`,
    etag: `e${i}`,
    size: 1,
    status,
    dataType: 'pipeline',
    registeredAt: at,
    eventTime: at,
    ...NAME,
    rowCount: i,
    reportUri: `s3://artifacts/reports/${i}.json`,
  };
}

describe('loadHistory', () => {
  it('looks at no more than 10 × N entries, however many failed versions stand in the way', async () => {
    // Arrange: 3 passed versions, then 100 newer failed ones
    const entries = [
      ...[0, 1, 2].map((i) => entry(i, 'passed')),
      ...Array.from({ length: 100 }, (_, k) => entry(3 + k, 'failed')),
    ];
    const registry = new InMemoryRegistry(entries);

    // Act
    const loaded = await loadHistory({ registry, store: new InMemoryObjectStore() }, NAME, { count: 5 });

    // Assess: 50 entries looked at, all failed: no history, not a scan of the whole output
    expect(loaded.versions).toEqual([]);
    expect(registry.queries).toEqual(['versions sales/export/orders']);
  });

  it('keeps passed and warned versions newest first, with the metrics of their reports', async () => {
    // Arrange
    const registry = new InMemoryRegistry([entry(0, 'passed'), entry(1, 'warned'), entry(2, 'error')]);
    const store = new InMemoryObjectStore();
    const profile = (mean: number) =>
      JSON.stringify({
        profile: [{ name: 'amount', nullRate: 0.1, mean, stddev: 2, distinct: { value: 7, exact: true } }],
      });
    store.put('artifacts', 'reports/0.json', profile(5));
    store.put('artifacts', 'reports/1.json', profile(6));

    // Act
    const loaded = await loadHistory({ registry, store }, NAME, { count: 5 });

    // Assess
    expect(loaded.versions.map((v) => [v.version, v.status, v.rowCount])).toEqual([
      ['v1', 'warned', 1],
      ['v0', 'passed', 0],
    ]);
    expect(loaded.versions[0]!.columns).toEqual([
      { name: 'amount', nullRate: 0.1, mean: 6, stddev: 2, distinct: 7 },
    ]);
    expect(loaded.unreadReports).toBe(0);
  });

  it('does not read a report larger than its bound, and counts it as unread', async () => {
    // Arrange
    const registry = new InMemoryRegistry([entry(0, 'passed')]);
    const store = new InMemoryObjectStore();
    store.put('artifacts', 'reports/0.json', new Uint8Array(MAX_REPORT_BYTES + 1));

    // Act
    const loaded = await loadHistory({ registry, store }, NAME, { count: 5 });

    // Assess: the version stays, with its row count and arrival only
    expect(loaded.versions.map((v) => [v.version, v.columns])).toEqual([['v0', []]]);
    expect(loaded.unreadReports).toBe(1);
  });
});
