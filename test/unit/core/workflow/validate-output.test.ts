import { gzipSync } from 'node:zlib';

import { describe, expect, it } from 'vitest';

import { ContractCatalog } from '../../../../lambdas/core/contracts/contract-catalog';
import { FormatError } from '../../../../lambdas/core/errors';
import { validateOutput, type StoredReport } from '../../../../lambdas/core/workflow/validate-output';
import { InMemoryObjectStore } from '../../../fixtures/in-memory-object-store';
import { ARTIFACTS_BUCKET, CONTRACTS_PREFIX, seedSampleContracts } from '../../../fixtures/sample-contracts';
import { LANDING_BUCKET, csvInspection, objectRef, trainingDataOutput } from '../../../fixtures/step-events';

const NOW = new Date('2024-06-01T10:21:00.000Z');
const KEY = 'pipelines/sales/2024-06-01/preprocessing/training_data/part-0.csv';
const HEADER = 'order_id,customer_id,purchase_amount,ordered_at';
const GOOD_ROWS = [
  'o1,1,10.5,2024-06-01T09:00:00Z',
  'o2,2,3,2024-06-01T09:05:00Z',
  'o3,3,,2024-06-01T09:10:00Z',
];

function setup(body: string | Uint8Array, versionId = 'v1') {
  const store = new InMemoryObjectStore(7);
  seedSampleContracts(store);
  const stored = store.put(LANDING_BUCKET, KEY, body, { versionId });
  const object = objectRef({ key: KEY, etag: stored.etag, size: stored.body.byteLength, versionId });
  const deps = {
    store,
    catalog: new ContractCatalog(store, ARTIFACTS_BUCKET, CONTRACTS_PREFIX),
    artifactsBucket: ARTIFACTS_BUCKET,
    reportsPrefix: 'reports/',
    quarantinePrefix: 'quarantine/',
    now: () => NOW,
  };
  return { store, object, deps };
}

const REPORT_KEY = `reports/${LANDING_BUCKET}/${KEY}/v1.json`;
const QUARANTINE_KEY = `quarantine/${LANDING_BUCKET}/${KEY}/v1.jsonl`;

describe('validateOutput', () => {
  it('writes the JSON report of a passing object and no quarantine', async () => {
    // Prepare
    const { store, object, deps } = setup([HEADER, ...GOOD_ROWS].join('\n'));

    // Act
    const result = await validateOutput(
      { object, output: trainingDataOutput(), inspection: csvInspection() },
      deps,
    );

    // Assess
    expect(result).toEqual({
      status: 'passed',
      rowCount: 3,
      failedRules: [],
      reportUri: `s3://${ARTIFACTS_BUCKET}/${REPORT_KEY}`,
      quarantineUri: null,
      summary: 'PASSED: 3 rows',
      rules: { checked: 3, passed: 3 },
    });
    expect(store.get(ARTIFACTS_BUCKET, REPORT_KEY)?.contentType).toBe('application/json');
    expect(store.get(ARTIFACTS_BUCKET, QUARANTINE_KEY)).toBeUndefined();
    const report = JSON.parse(store.text(ARTIFACTS_BUCKET, REPORT_KEY)) as StoredReport;
    expect(report).toMatchObject({
      output: 'sales/preprocessing/training_data',
      status: 'passed',
      rowCount: 3,
      object: { uri: object.uri, version: 'v1', etag: object.etag, size: object.size },
      format: { expected: 'csv', detected: 'csv', compression: 'none', matches: true },
      quarantineUri: null,
      validatedAt: NOW.toISOString(),
    });
    expect(report.rules.map((r) => [r.name, r.outcome])).toEqual([
      ['customer_id_present', 'pass'],
      ['amount_positive', 'pass'],
      ['customer_id_in_range', 'pass'],
    ]);
  });

  it('warns when the key names another format than the content (rule file_extension), never passes silently', async () => {
    // Prepare: CSV content under a key that says JSON Lines, read as CSV by its content.
    const { object, deps } = setup([HEADER, ...GOOD_ROWS].join('\n'));

    // Act
    const result = await validateOutput(
      { object, output: trainingDataOutput(), inspection: csvInspection({ extensionFormat: 'jsonl' }) },
      deps,
    );

    // Assess
    expect(result.status).toBe('warned');
    expect(result.failedRules).toEqual(['file_extension']);
    expect(result.summary).toBe(
      'WARNED: 3 rows; file_extension: the key ends in .csv, which names jsonl, but the object is csv',
    );
  });

  it('says nothing of an extension that names the content, or of a key without one', async () => {
    // Prepare
    const { object, deps } = setup([HEADER, ...GOOD_ROWS].join('\n'));

    // Act
    const named = await validateOutput(
      { object, output: trainingDataOutput(), inspection: csvInspection({ extensionFormat: 'csv' }) },
      deps,
    );
    const bare = await validateOutput(
      { object, output: trainingDataOutput(), inspection: csvInspection({ extensionFormat: null }) },
      deps,
    );

    // Assess
    expect([named.status, bare.status]).toEqual(['passed', 'passed']);
  });

  it('reads the announced version of the object', async () => {
    // Prepare
    const { store, object, deps } = setup([HEADER, ...GOOD_ROWS].join('\n'));

    // Act
    await validateOutput({ object, output: trainingDataOutput(), inspection: csvInspection() }, deps);

    // Assess
    expect(store.calls).toContainEqual({ op: 'read', bucket: LANDING_BUCKET, key: KEY, versionId: 'v1' });
  });

  it('quarantines every failing row as JSON Lines and links it from the report', async () => {
    // Prepare
    const rows = [
      ...GOOD_ROWS,
      'o4,,5,2024-06-01T09:20:00Z',
      'o5,5,-1,2024-06-01T09:25:00Z',
      'o6,6,7,not-a-time',
    ];
    const { store, object, deps } = setup([HEADER, ...rows].join('\n'));

    // Act
    const result = await validateOutput(
      { object, output: trainingDataOutput(), inspection: csvInspection() },
      deps,
    );

    // Assess
    expect(result.status).toBe('failed');
    expect(result.quarantineUri).toBe(`s3://${ARTIFACTS_BUCKET}/${QUARANTINE_KEY}`);
    expect(store.get(ARTIFACTS_BUCKET, QUARANTINE_KEY)?.contentType).toBe('application/x-ndjson');
    const quarantined = store
      .text(ARTIFACTS_BUCKET, QUARANTINE_KEY)
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { row: number; values: Record<string, string | null>; broke: string[] });
    expect(quarantined).toEqual([
      {
        row: 4,
        values: {
          order_id: 'o4',
          customer_id: null,
          purchase_amount: '5',
          ordered_at: '2024-06-01T09:20:00Z',
        },
        broke: ['customer_id: null in a non-nullable column', 'customer_id_present'],
      },
      {
        row: 5,
        values: {
          order_id: 'o5',
          customer_id: '5',
          purchase_amount: '-1',
          ordered_at: '2024-06-01T09:25:00Z',
        },
        broke: ['amount_positive'],
      },
      {
        row: 6,
        values: { order_id: 'o6', customer_id: '6', purchase_amount: '7', ordered_at: 'not-a-time' },
        broke: ["ordered_at: 'not-a-time' is not timestamp"],
      },
    ]);
    const report = JSON.parse(store.text(ARTIFACTS_BUCKET, REPORT_KEY)) as StoredReport;
    expect(report.quarantineUri).toBe(result.quarantineUri);
    expect(report.failedRowCount).toBe(3);
  });

  it('quarantines failing rows of a warned object too', async () => {
    // Prepare: customer_id beyond 10000 breaks only the warn rule (threshold 0.99)
    const rows = Array.from(
      { length: 10 },
      (_, i) => `o${i},${i === 0 ? 20000 : i + 1},1,2024-06-01T09:00:00Z`,
    );
    const { store, object, deps } = setup([HEADER, ...rows].join('\n'));

    // Act
    const result = await validateOutput(
      { object, output: trainingDataOutput(), inspection: csvInspection() },
      deps,
    );

    // Assess
    expect(result.status).toBe('warned');
    expect(result.failedRules).toEqual(['customer_id_in_range']);
    expect(store.text(ARTIFACTS_BUCKET, QUARANTINE_KEY).split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('fails a format mismatch without reading the object body', async () => {
    // Prepare
    const { store, object, deps } = setup('PAR1....PAR1');

    // Act
    const result = await validateOutput(
      {
        object,
        output: trainingDataOutput(),
        inspection: csvInspection({ format: 'parquet', formatMatches: false }),
      },
      deps,
    );

    // Assess
    expect(result).toEqual({
      status: 'failed',
      rowCount: 0,
      failedRules: ['format'],
      reportUri: `s3://${ARTIFACTS_BUCKET}/${REPORT_KEY}`,
      quarantineUri: null,
      summary: 'FAILED: expected csv, found parquet',
      // No rule ran on an object of the wrong format: no quality score, not a perfect one.
      rules: { checked: 0, passed: 0 },
    });
    expect(store.calls.filter((c) => c.bucket === LANDING_BUCKET)).toEqual([]);
    const report = JSON.parse(store.text(ARTIFACTS_BUCKET, REPORT_KEY)) as StoredReport;
    expect(report).toMatchObject({
      status: 'failed',
      schema: { level: 'incompatible', accepted: 'compatible', columns: [] },
      format: { expected: 'csv', detected: 'parquet', compression: 'none', matches: false },
    });
  });

  it('names gzip in the summary of a format mismatch', async () => {
    // Prepare
    const { object, deps } = setup('ignored');

    // Act
    const result = await validateOutput(
      {
        object,
        output: trainingDataOutput(),
        inspection: csvInspection({ format: 'jsonl', compression: 'gzip', formatMatches: false }),
      },
      deps,
    );

    // Assess
    expect(result.summary).toBe('FAILED: expected csv, found jsonl (gzip)');
  });

  it('validates gzip-compressed CSV through decompression', async () => {
    // Prepare
    const { object, deps } = setup(gzipSync([HEADER, ...GOOD_ROWS].join('\n')));

    // Act
    const result = await validateOutput(
      { object, output: trainingDataOutput(), inspection: csvInspection({ compression: 'gzip' }) },
      deps,
    );

    // Assess
    expect(result).toMatchObject({ status: 'passed', rowCount: 3 });
  });

  it('raises a FormatError for malformed CSV and writes no report', async () => {
    // Prepare
    const { store, object, deps } = setup(`${HEADER}\no1,1,"unterminated\n`);

    // Act
    const act = validateOutput({ object, output: trainingDataOutput(), inspection: csvInspection() }, deps);

    // Assess
    await expect(act).rejects.toBeInstanceOf(FormatError);
    expect(store.get(ARTIFACTS_BUCKET, REPORT_KEY)).toBeUndefined();
  });

  it('keys the artifacts of an unversioned object by its ETag', async () => {
    // Prepare
    const { object, deps } = setup([HEADER, ...GOOD_ROWS].join('\n'));
    const unversioned = { ...object, versionId: null, sk: `VER#etag:${object.etag}` };

    // Act
    const result = await validateOutput(
      { object: unversioned, output: trainingDataOutput(), inspection: csvInspection() },
      deps,
    );

    // Assess
    expect(result.reportUri).toBe(
      `s3://${ARTIFACTS_BUCKET}/reports/${LANDING_BUCKET}/${KEY}/etag:${object.etag}.json`,
    );
  });
});
