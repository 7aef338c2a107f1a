/**
 * The run report the workflow writes each time an output of a run is recorded: the same aggregation
 * as `prt report --run`, as JSON and HTML under reports/runs/<pipeline>/<run>/, rewritten whole on
 * every arrival; a run past the bound is a recorded skip with its reason, not a crash.
 */
import { describe, expect, it } from 'vitest';
import { objectPk, type RegistryEntry } from '../../../../lambdas/core/registry/output-registry';
import type { TestStatus } from '../../../../lambdas/core/registry/status-transitions';
import { collectRunReport } from '../../../../lambdas/core/reporting/collect-run';
import {
  runReportKey,
  runReportSegment,
  writeRunReport,
} from '../../../../lambdas/core/reporting/write-run-report';
import { InMemoryLineageStore } from '../../../fixtures/in-memory-lineage-store';
import { InMemoryObjectStore } from '../../../fixtures/in-memory-object-store';
import { InMemoryRegistry } from '../../../fixtures/in-memory-registry';

const RUN = 'run-7';
const NOW = () => new Date('2026-12-07T08:00:00Z');

function entry(step: string, output: string, status: TestStatus, rowCount: number): RegistryEntry {
  const uri = `s3://data/pipelines/sales/${RUN}/${step}/${output}/part-0.csv`;
  return {
    pk: objectPk(uri),
    sk: 'VER#v1',
    uri,
    bucket: 'data',
    key: uri.slice('s3://data/'.length),
    versionId: 'v1',
    etag: 'e',
    size: 100,
    status,
    dataType: 'pipeline',
    registeredAt: '2026-12-07T07:00:00.000Z',
    eventTime: '2026-12-07T07:00:00.000Z',
    pipeline: 'sales',
    step,
    output,
    runId: RUN,
    rowCount,
    gsi2pk: `RUN#sales#${RUN}`,
    gsi2sk: `${step}#${output}#${uri}#VER#v1`,
  };
}

function deps(registry: InMemoryRegistry, store: InMemoryObjectStore, maxObjects?: number) {
  return {
    registry,
    lineage: new InMemoryLineageStore(),
    store,
    now: NOW,
    artifactsBucket: 'artifacts',
    reportsPrefix: 'reports/',
    ...(maxObjects !== undefined ? { maxObjects } : {}),
  };
}

describe('writeRunReport', () => {
  it('writes the JSON and HTML of the run as prt report --run builds it, and rewrites them as outputs land', async () => {
    // Arrange
    const registry = new InMemoryRegistry();
    const store = new InMemoryObjectStore();
    await registry.register(entry('ingestion', 'raw_orders', 'passed', 3));

    // Act
    const first = await writeRunReport(deps(registry, store), 'sales', RUN);
    await registry.register(entry('features', 'order_features', 'failed', 2));
    const second = await writeRunReport(deps(registry, store), 'sales', RUN);

    // Assess
    expect(first).toEqual({
      status: 'written',
      jsonKey: 'reports/runs/sales/run-7/report.json',
      htmlKey: 'reports/runs/sales/run-7/report.html',
      objects: 1,
    });
    expect(second).toMatchObject({ status: 'written', objects: 2 });
    const written = JSON.parse(store.text('artifacts', 'reports/runs/sales/run-7/report.json')) as unknown;
    const expected = await collectRunReport(deps(registry, new InMemoryObjectStore()), 'sales', RUN);
    expect(written).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(store.text('artifacts', 'reports/runs/sales/run-7/report.html')).toContain('order_features');
  });

  it('records a run past the bound as a skip with its reason, writing nothing', async () => {
    // Arrange
    const registry = new InMemoryRegistry();
    const store = new InMemoryObjectStore();
    await registry.register(entry('ingestion', 'raw_orders', 'passed', 1));
    await registry.register(entry('features', 'order_features', 'passed', 1));

    // Act
    const result = await writeRunReport(deps(registry, store, 1), 'sales', RUN);

    // Assess
    expect(result).toEqual({
      status: 'skipped',
      reason: 'run run-7 of sales has more than 1 registered objects; report on one output of it instead',
    });
    expect(store.keys()).toEqual([]);
  });

  it('keeps a pipeline or run name one path segment', () => {
    // Act
    const keys = [
      runReportKey('reports/', 'sales', 'a/b', 'json'),
      runReportKey('reports/', 'sales', '..', 'html'),
      runReportSegment('2026-12-07T08:00'),
    ];

    // Assess
    expect(keys).toEqual([
      'reports/runs/sales/a%2Fb/report.json',
      'reports/runs/sales/%2E%2E/report.html',
      '2026-12-07T08%3A00',
    ]);
  });
});
