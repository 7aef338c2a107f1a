/**
 * The run report the workflow writes each time an output of a run is recorded: the same aggregation
 * as `prt report --run`, as JSON and HTML under reports/runs/<pipeline>/<run>/, rewritten whole on
 * every arrival; a run past the bound is a recorded skip with its reason, not a crash.
 */
import { describe, expect, it } from 'vitest';
import { objectPk, type RegistryEntry } from '../../../../lambdas/core/registry/output-registry';
import type { TestStatus } from '../../../../lambdas/core/registry/status-transitions';
import { InvalidInputError } from '../../../../lambdas/core/errors';
import type { Page, PageRequest } from '../../../../lambdas/core/registry/output-registry';
import { collectRunReport, RunReadCache } from '../../../../lambdas/core/reporting/collect-run';
import type { RunReport } from '../../../../lambdas/core/reporting/run-report';
import {
  MAX_PASSES,
  runReportKey,
  runReportSegment,
  writeRunReport,
} from '../../../../lambdas/core/reporting/write-run-report';
import {
  runOfTestedOutput,
  writeTestedRunReport,
} from '../../../../lambdas/core/reporting/write-tested-run-report';
import { InMemoryLineageStore } from '../../../fixtures/in-memory-lineage-store';
import { InMemoryObjectStore } from '../../../fixtures/in-memory-object-store';
import { InMemoryRegistry } from '../../../fixtures/in-memory-registry';

const RUN = 'run-7';
const NOW = () => new Date('2026-12-07T08:00:00Z');

function entry(
  step: string,
  output: string,
  status: TestStatus,
  rowCount: number,
  part = 'part-0',
): RegistryEntry {
  const uri = `s3://data/pipelines/sales/${RUN}/${step}/${output}/${part}.csv`;
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
      passes: 1,
      settled: true,
    });
    expect(second).toMatchObject({ status: 'written', objects: 2, passes: 1, settled: true });
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

/** A store that runs `onReportWrite` each time the run report's JSON is put (another output landing meanwhile). */
class StoreDuringWrites extends InMemoryObjectStore {
  jsonWrites = 0;
  reads = 0;
  constructor(private readonly onReportWrite: (n: number) => Promise<void> = () => Promise.resolve()) {
    super();
  }
  override async write(bucket: string, key: string, body: string | Uint8Array, contentType: string) {
    const done = await super.write(bucket, key, body, contentType);
    if (key.endsWith('report.json')) await this.onReportWrite(++this.jsonWrites);
    return done;
  }
  override read(bucket: string, key: string, versionId?: string) {
    this.reads++;
    return super.read(bucket, key, versionId);
  }
}

/** A registry whose run index still shows every version as pending (a global index not caught up). */
class LaggingRunIndex extends InMemoryRegistry {
  override async runOutputs(
    pipeline: string,
    runId: string,
    request?: PageRequest,
  ): Promise<Page<RegistryEntry>> {
    const page = await super.runOutputs(pipeline, runId, request);
    return { ...page, items: page.items.map((e) => ({ ...e, status: 'pending' as const })) };
  }
}

function reportIn(store: InMemoryObjectStore): RunReport {
  return JSON.parse(store.text('artifacts', 'reports/runs/sales/run-7/report.json')) as RunReport;
}

function detail(e: RegistryEntry, runId: string | null = RUN): Record<string, unknown> {
  return {
    schemaVersion: '1',
    status: e.status,
    uri: e.uri,
    bucket: e.bucket,
    key: e.key,
    version: e.sk,
    execution: 'arn:aws:states:eu-west-1:111122223333:execution:prt-dev:1',
    output: { pipeline: 'sales', step: e.step, output: e.output, runId },
  };
}

describe('writeRunReport while outputs of the run keep landing', () => {
  it('writes again when an output was recorded while it wrote, so the last report holds both', async () => {
    // Arrange
    const registry = new InMemoryRegistry();
    await registry.register(entry('ingestion', 'raw_orders', 'passed', 3));
    const store = new StoreDuringWrites(async (n) => {
      if (n === 1) await registry.register(entry('features', 'order_features', 'passed', 2));
    });

    // Act
    const result = await writeRunReport(deps(registry, store), 'sales', RUN);

    // Assess
    expect(result).toMatchObject({ status: 'written', objects: 2, passes: 2, settled: true });
    expect(reportIn(store).outputs.map((o) => o.output)).toEqual([
      'features/order_features',
      'ingestion/raw_orders',
    ]);
  });

  it(`stops after ${MAX_PASSES} writes and says it did not see the run at rest`, async () => {
    // Arrange
    const registry = new InMemoryRegistry();
    await registry.register(entry('ingestion', 'raw_orders', 'passed', 3));
    const store = new StoreDuringWrites(async (n) => {
      await registry.register(entry('features', 'order_features', 'passed', 1, `part-${n}`));
    });

    // Act
    const result = await writeRunReport(deps(registry, store), 'sales', RUN);

    // Assess
    expect(result).toMatchObject({ status: 'written', passes: MAX_PASSES, settled: false });
    expect(store.jsonWrites).toBe(MAX_PASSES);
    expect(reportIn(store).objects).toBe(MAX_PASSES);
  });

  it('reads the version that asked for the report from the table when the run index still shows it pending', async () => {
    // Arrange
    const registry = new LaggingRunIndex();
    const recorded = entry('features', 'order_features', 'failed', 2);
    await registry.register(entry('ingestion', 'raw_orders', 'passed', 3));
    await registry.register(recorded);
    const store = new InMemoryObjectStore();

    // Act
    await writeRunReport(deps(registry, store), 'sales', RUN, {
      recorded: { uri: recorded.uri, version: recorded.sk },
    });

    // Assess
    expect(reportIn(store).outputs.map((o) => [o.output, o.status])).toEqual([
      ['features/order_features', 'failed'],
      ['ingestion/raw_orders', 'pending'],
    ]);
  });

  it("reads a tested version's stored report once per container, not once per arrival of its run", async () => {
    // Arrange
    const registry = new InMemoryRegistry();
    const store = new StoreDuringWrites();
    const reported = {
      ...entry('ingestion', 'raw_orders', 'passed', 3),
      reportUri: 's3://artifacts/reports/r1.json',
    };
    await registry.register(reported);
    await store.write(
      'artifacts',
      'reports/r1.json',
      JSON.stringify({ output: 'x', status: 'passed' }),
      'application/json',
    );
    const cache = new RunReadCache();
    const withCache = { ...deps(registry, store), cache };

    // Act
    await writeRunReport(withCache, 'sales', RUN);
    const readsAfterFirst = store.reads;
    await registry.register(entry('features', 'order_features', 'passed', 2));
    await writeRunReport(withCache, 'sales', RUN);

    // Assess
    expect(readsAfterFirst).toBe(1);
    expect(store.reads).toBe(1);
    expect(cache.size).toBe(2);
    expect(reportIn(store)).toMatchObject({ objects: 2, reportsMissing: [] });
  });
});

describe('writeTestedRunReport', () => {
  it('writes the report of the run the Output Tested event names', async () => {
    // Arrange
    const registry = new InMemoryRegistry();
    const tested = entry('ingestion', 'raw_orders', 'passed', 3);
    await registry.register(tested);
    const store = new InMemoryObjectStore();

    // Act
    const result = await writeTestedRunReport(detail(tested), deps(registry, store));

    // Assess
    expect(result).toMatchObject({ status: 'written', jsonKey: 'reports/runs/sales/run-7/report.json' });
    expect(reportIn(store).outputs.map((o) => o.output)).toEqual(['ingestion/raw_orders']);
  });

  it('writes nothing for an output outside every run, and says why', async () => {
    // Arrange
    const tested = entry('ingestion', 'raw_orders', 'passed', 3);
    const store = new InMemoryObjectStore();

    // Act
    const result = await writeTestedRunReport(detail(tested, null), deps(new InMemoryRegistry(), store));
    const unregistered = runOfTestedOutput({ ...detail(tested), output: undefined });

    // Assess
    expect(result).toEqual({
      status: 'no-run',
      reason: `${tested.uri} belongs to no run of sales (its path has no run id)`,
    });
    expect(unregistered).toEqual({
      none: `${tested.uri} has no logical output (it could not be registered)`,
    });
    expect(store.keys()).toEqual([]);
  });

  it.each([
    ['another schema version', { schemaVersion: '2' }],
    ['no pipeline', { output: { runId: RUN } }],
    ['a run id that is not text', { output: { pipeline: 'sales', runId: 7 } }],
  ])('refuses an event with %s as invalid input, not as a run', async (_, change) => {
    // Arrange
    const tested = entry('ingestion', 'raw_orders', 'passed', 3);

    // Act
    const written = writeTestedRunReport(
      { ...detail(tested), ...change },
      deps(new InMemoryRegistry(), new InMemoryObjectStore()),
    );

    // Assess
    await expect(written).rejects.toBeInstanceOf(InvalidInputError);
  });
});
