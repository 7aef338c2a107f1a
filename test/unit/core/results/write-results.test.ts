import { parquetReadObjects } from 'hyparquet';
import { describe, expect, it } from 'vitest';

import {
  RESULTS_SCHEMAS,
  RESULTS_TABLES,
  resultsKey,
  versionHash,
  writeEndedResults,
  writeResults,
  type ResultsInput,
} from '../../../../lambdas/core/results';
import { InMemoryObjectStore } from '../../../fixtures/in-memory-object-store';
import { ordersReport } from '../../../fixtures/report-fixtures';

const VERSION: ResultsInput['version'] = {
  bucket: 'outputs',
  key: 'pipelines/sales/run-42/preprocessing/training_data/part-0.csv',
  version: 'v1',
  uri: 's3://outputs/pipelines/sales/run-42/preprocessing/training_data/part-0.csv',
  arrivedAt: '2026-12-07T23:59:59.000Z',
  pipeline: 'sales',
  step: 'preprocessing',
  output: 'training_data',
  run: 'run-42',
};

const DEPS = { artifactsBucket: 'artifacts', resultsPrefix: 'results/' };

async function readRows(store: InMemoryObjectStore, key: string): Promise<Record<string, unknown>[]> {
  const body = store.get('artifacts', key)!.body;
  const file = body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer;
  return parquetReadObjects({ file });
}

describe('writing the results dataset', () => {
  it('writes one Parquet file per table under its Hive partitions, named by the tested version', async () => {
    // Arrange
    const store = new InMemoryObjectStore();
    const report = ordersReport();

    // Act
    const keys = await writeResults(
      { version: VERSION, report, reportUri: 's3://artifacts/r.json' },
      { ...DEPS, store },
    );

    // Assess
    const hash = versionHash(VERSION);
    expect(keys).toEqual({
      rule_results: `results/rule_results/dt=2026-12-07/pipeline=sales/${hash}.parquet`,
      column_metrics: `results/column_metrics/dt=2026-12-07/pipeline=sales/${hash}.parquet`,
      version_results: `results/version_results/dt=2026-12-07/pipeline=sales/${hash}.parquet`,
    });
    const rules = await readRows(store, keys.rule_results);
    expect(rules).toHaveLength(report.rules.length + 1);
    expect(Object.keys(rules[0]!)).toEqual(RESULTS_SCHEMAS.rule_results.map((c) => c.name));
    const [version] = await readRows(store, keys.version_results);
    expect(version).toMatchObject({ status: 'failed', row_count: 1000n, step: 'preprocessing' });
    expect(version!['tested_at']).toEqual(new Date('2026-02-01T06:15:00.000Z'));
    expect(store.get('artifacts', keys.column_metrics)!.contentType).toBe('application/vnd.apache.parquet');
  });

  it("takes the date partition from the arrival's UTC date and refuses an arrival time that is none", () => {
    // Arrange
    const justAfterMidnightInBerlin = { ...VERSION, arrivedAt: '2026-12-08T00:30:00+01:00' };

    // Act
    const key = resultsKey('results/', 'version_results', justAfterMidnightInBerlin);

    // Assess
    expect(key).toContain('/dt=2026-12-07/');
    expect(() => resultsKey('results/', 'version_results', { ...VERSION, arrivedAt: 'yesterday' })).toThrow(
      /arrival time 'yesterday' is not an ISO time/,
    );
  });

  it('a retried write yields the same keys and no duplicate rows', async () => {
    // Arrange
    const store = new InMemoryObjectStore();
    const report = ordersReport();
    const first = await writeResults(
      { version: VERSION, report, reportUri: 's3://artifacts/r.json' },
      { ...DEPS, store },
    );
    const objectsAfterFirst = store.keys();

    // Act: the same version tested again later (a retried execution)
    const retried = await writeResults(
      {
        version: VERSION,
        report: { ...report, validatedAt: '2026-12-08T01:00:00.000Z' },
        reportUri: 's3://artifacts/r.json',
      },
      { ...DEPS, store },
    );

    // Assess
    expect(retried).toEqual(first);
    expect(store.keys()).toEqual(objectsAfterFirst);
    expect(store.keys()).toHaveLength(RESULTS_TABLES.length);
    expect(await readRows(store, retried.version_results)).toHaveLength(1);
    expect(await readRows(store, retried.rule_results)).toHaveLength(report.rules.length + 1);
  });

  it('an ended test replaces the rows an earlier attempt wrote for the version, keeping one version row', async () => {
    // Arrange
    const store = new InMemoryObjectStore();
    await writeResults(
      { version: VERSION, report: ordersReport(), reportUri: 's3://artifacts/r.json' },
      { ...DEPS, store },
    );

    // Act
    const keys = await writeEndedResults(
      {
        version: VERSION,
        status: 'error',
        reason: 'Sandbox.Timedout: Task timed out',
        endedAt: '2026-12-08T00:10:00.000Z',
        bytes: 77,
      },
      { ...DEPS, store },
    );

    // Assess
    expect(keys.version_results).toBe(resultsKey('results/', 'version_results', VERSION));
    const versions = await readRows(store, keys.version_results);
    expect(versions).toHaveLength(1);
    expect(versions[0]).toMatchObject({ status: 'error', row_count: null, bytes: 77n, report_uri: null });
    expect(await readRows(store, keys.rule_results)).toEqual([]);
    expect(await readRows(store, keys.column_metrics)).toEqual([]);
  });
});
