import { parquetReadObjects } from 'hyparquet';
import { describe, expect, it } from 'vitest';

import { ContractCatalog } from '../../../../lambdas/core/contracts/contract-catalog';
import { parseContract } from '../../../../lambdas/core/contracts/parse-contract';
import { IncompleteTestError, TransientDependencyError } from '../../../../lambdas/core/errors';
import { bufferSource } from '../../../../lambdas/core/formats/byte-io';
import { runValidation } from '../../../../lambdas/core/validation/run-validation';
import type { ValidationReport } from '../../../../lambdas/core/validation/validation-report';
import {
  envelopeKey,
  isDataPart,
  mergeParts,
  validatePart,
  type PartEnvelope,
  type PartitionDeps,
  type StoredDatasetReport,
} from '../../../../lambdas/core/workflow/validate-partitions';
import { planParts } from '../../../../lambdas/core/workflow/plan-parts';
import type { ObjectRef, RegisteredOutput } from '../../../../lambdas/core/workflow/workflow-types';
import { InMemoryObjectStore } from '../../../fixtures/in-memory-object-store';
import {
  ARTIFACTS_BUCKET,
  CONTRACTS_PREFIX,
  sampleContractText,
  seedSampleContracts,
} from '../../../fixtures/sample-contracts';
import { LANDING_BUCKET, objectRef } from '../../../fixtures/step-events';

const NOW = new Date('2026-11-02T08:00:00.000Z');
const CONTRACT_FILE = 'sales-export-orders_parts.yaml';
const FOLDER = 'datasets/sales/r1/orders/';
const VERSION = 'marker-0062E99A88DC407460';
const HEADER = 'order_id,customer_id,amount,channel,ordered_at';
const PARQUET_LOOKALIKE = Buffer.from('PAR1\u0000\u0000not really parquetPAR1');

/** The folder as RegisterDataset hands it on: its key ends with '/', its version is the marker's. */
function dataset(folder = FOLDER): ObjectRef {
  return {
    ...objectRef({ key: folder, etag: 'd41d8cd98f00b204e9800998ecf8427e', size: 0 }),
    sk: `VER#${VERSION}`,
  };
}

function ordersOutput(): RegisteredOutput {
  return {
    pipeline: 'sales',
    step: 'export',
    output: 'orders_parts',
    runId: 'r1',
    contractKey: `${CONTRACTS_PREFIX}${CONTRACT_FILE}`,
    format: 'csv',
    convertTo: null,
    jobType: 'spark',
  };
}

/** Valid rows with ids from `first` on. */
function goodRows(first: number, count: number): string[] {
  return Array.from(
    { length: count },
    (_, i) => `o${first + i},${first + i},${(first + i + 0.5).toFixed(2)},web,2026-11-01T0${i % 10}:00:00Z`,
  );
}

function csv(rows: readonly string[]): string {
  return `${HEADER}\n${rows.join('\n')}\n`;
}

function setup() {
  const store = new InMemoryObjectStore(16);
  seedSampleContracts(store);
  const deps: PartitionDeps = {
    store,
    catalog: new ContractCatalog(store, ARTIFACTS_BUCKET, CONTRACTS_PREFIX),
    artifactsBucket: ARTIFACTS_BUCKET,
    reportsPrefix: 'reports/',
    quarantinePrefix: 'quarantine/',
    now: () => NOW,
  };
  return { store, deps };
}

/** Lands a part in the folder and returns it as the Map's ItemReader lists it (quoted Etag). */
function landPart(store: InMemoryObjectStore, name: string, body: string | Uint8Array) {
  const stored = store.put(LANDING_BUCKET, `${FOLDER}${name}`, body);
  return { Key: `${FOLDER}${name}`, Size: stored.body.byteLength, Etag: `"${stored.etag}"` };
}

/** Runs the Map: every listed object of the folder through validatePart, as its items would. */
async function validateFolder(store: InMemoryObjectStore, deps: PartitionDeps, skip: readonly string[] = []) {
  const listed = [];
  for await (const o of store.list(LANDING_BUCKET, FOLDER)) listed.push(o);
  for (const o of listed) {
    if (skip.includes(o.key.slice(FOLDER.length))) continue;
    await validatePart(
      { part: { Key: o.key, Size: o.size, Etag: `"${o.etag}"` }, dataset: dataset(), output: ordersOutput() },
      deps,
    );
  }
}

function envelopeOf(store: InMemoryObjectStore, name: string): PartEnvelope {
  const key = `reports/${LANDING_BUCKET}/datasets/sales/r1/orders/${VERSION}.parts/${name}.json`;
  return JSON.parse(store.text(ARTIFACTS_BUCKET, key)) as PartEnvelope;
}

const REPORT_KEY = `reports/${LANDING_BUCKET}/datasets/sales/r1/orders/${VERSION}.json`;

function storedReport(store: InMemoryObjectStore): StoredDatasetReport {
  return JSON.parse(store.text(ARTIFACTS_BUCKET, REPORT_KEY)) as StoredDatasetReport;
}

/** The fields a one-pass report and a merged one share (as test/integration/partitioned-output.test.ts compares them). */
function comparable(report: ValidationReport): unknown {
  return {
    output: report.output,
    status: report.status,
    rowCount: report.rowCount,
    schema: report.schema,
    rules: report.rules,
    failedRules: report.failedRules,
    summary: report.summary,
    profile: report.profile?.map(({ mean: _m, stddev: _s, ...rest }) => rest),
  };
}

describe('isDataPart', () => {
  it.each([
    ['a part file', 'part-00000.csv', true],
    ['a part in a Hive-style partition folder', 'date=2026-11-01/part-0.csv', true],
    ['the _SUCCESS marker', '_SUCCESS', false],
    ['a file under _temporary/', '_temporary/0/task_0001/part-99999.csv', false],
    ['a checksum file', '.part-00000.csv.crc', false],
    ['a hidden file in a partition folder', 'date=2026-11-01/.part-0.csv.crc', false],
    ['a folder placeholder', 'date=2026-11-01/', false],
    ['a marker of a partition folder', 'date=2026-11-01/_SUCCESS', false],
  ])('%s (%s) → %s', (_what, name, expected) => {
    // Act
    const result = isDataPart(FOLDER, `${FOLDER}${name}`);

    // Assess
    expect(result).toBe(expected);
  });

  it.each([
    ['a sibling folder sharing the name as a prefix', 'datasets/sales/r1/orders2/part-0.csv'],
    ['another run', 'datasets/sales/r2/orders/part-0.csv'],
    ['the folder itself', FOLDER],
  ])('is false for a key outside the folder: %s', (_what, key) => {
    // Act
    const result = isDataPart(FOLDER, key);

    // Assess
    expect(result).toBe(false);
  });

  it('looks only at the segments below the folder: a `_` segment above it does not hide the parts', () => {
    // Prepare
    const folder = 'datasets/_staging/.hidden/orders/';

    // Act
    const part = isDataPart(folder, `${folder}part-0.csv`);
    const marker = isDataPart(folder, `${folder}_SUCCESS`);

    // Assess
    expect(part).toBe(true);
    expect(marker).toBe(false);
  });
});

describe('validatePart', () => {
  it("writes a valid part's mergeable state and row count as a JSON envelope under the dataset's report key", async () => {
    // Prepare
    const { store, deps } = setup();
    const part = landPart(store, 'part-00000.csv', csv(goodRows(1, 3)));

    // Act
    const result = await validatePart({ part, dataset: dataset(), output: ordersOutput() }, deps);

    // Assess
    expect(result).toEqual({ key: part.Key, rows: 3, skipped: false });
    const key = envelopeKey(deps, dataset(), part.Key);
    expect(key).toBe(
      `reports/${LANDING_BUCKET}/datasets/sales/r1/orders/${VERSION}.parts/part-00000.csv.json`,
    );
    expect(store.get(ARTIFACTS_BUCKET, key)?.contentType).toBe('application/json');
    const envelope = JSON.parse(store.text(ARTIFACTS_BUCKET, key)) as PartEnvelope;
    expect(envelope).toMatchObject({
      schemaVersion: 1,
      part: part.Key,
      etag: part.Etag.replace(/"/g, ''),
      size: part.Size,
      format: { detected: 'csv', compression: 'none', matches: true },
      rows: 3,
      quarantinedRows: 0,
      error: null,
    });
    expect(envelope.state).toMatchObject({ rowCount: 3, failedRowCount: 0 });
  });

  it('quarantines failing rows of a part under the parts folder and counts them in the envelope', async () => {
    // Prepare
    const { store, deps } = setup();
    const part = landPart(
      store,
      'part-00000.csv',
      csv([...goodRows(1, 2), 'o9,9,1.00,fax,2026-11-01T00:00:00Z']),
    );

    // Act
    await validatePart({ part, dataset: dataset(), output: ordersOutput() }, deps);

    // Assess
    expect(envelopeOf(store, 'part-00000.csv')).toMatchObject({ rows: 3, quarantinedRows: 1 });
    const quarantined = store.text(
      ARTIFACTS_BUCKET,
      `quarantine/${LANDING_BUCKET}/datasets/sales/r1/orders/${VERSION}.parts/part-00000.csv.jsonl`,
    );
    expect(quarantined.split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('records a Parquet part under a CSV contract as a FormatError and returns normally', async () => {
    // Prepare
    const { store, deps } = setup();
    const part = landPart(store, 'part-00002.csv', PARQUET_LOOKALIKE);

    // Act
    const result = await validatePart({ part, dataset: dataset(), output: ordersOutput() }, deps);

    // Assess
    expect(result).toEqual({ key: part.Key, rows: 0, skipped: false });
    expect(envelopeOf(store, 'part-00002.csv')).toEqual({
      schemaVersion: 1,
      part: part.Key,
      etag: part.Etag.replace(/"/g, ''),
      size: part.Size,
      format: { detected: 'parquet', compression: 'none', matches: false },
      rows: 0,
      quarantinedRows: 0,
      error: { name: 'FormatError', message: 'expected csv, found parquet' },
      state: null,
    });
    expect(store.calls.filter((c) => c.op === 'read' && c.bucket === LANDING_BUCKET)).toEqual([]);
  });

  it('records a part that changed since it was listed (PartChangedError, named by its full key) instead of throwing', async () => {
    // Prepare
    const { store, deps } = setup();
    const listed = landPart(store, 'part-00000.csv', csv(goodRows(1, 3)));
    const part = { ...listed, Size: listed.Size - 1 };

    // Act
    const result = await validatePart({ part, dataset: dataset(), output: ordersOutput() }, deps);

    // Assess
    expect(result).toEqual({ key: part.Key, rows: 0, skipped: false });
    const envelope = envelopeOf(store, 'part-00000.csv');
    expect(envelope.error?.name).toBe('PartChangedError');
    expect(envelope.error?.message).toContain(
      `s3://${LANDING_BUCKET}/${part.Key} changed after the folder was listed: listed ${part.Size} bytes`,
    );
    expect(envelope.error?.message).not.toContain('arrival event');
    expect(envelope.state).toBeNull();
  });

  it('records a part deleted since it was listed as a finding', async () => {
    // Prepare
    const { store, deps } = setup();
    const part = { Key: `${FOLDER}part-00007.csv`, Size: 10, Etag: '"e"' };

    // Act
    const result = await validatePart({ part, dataset: dataset(), output: ordersOutput() }, deps);

    // Assess
    expect(result).toEqual({ key: part.Key, rows: 0, skipped: false });
    expect(envelopeOf(store, 'part-00007.csv').error?.name).toBe('ObjectNotFoundError');
  });

  const throttled = () => Promise.reject(new TransientDependencyError('S3 throttled the request'));

  it.each<[string, (store: InMemoryObjectStore) => void]>([
    ['head', (store) => (store.head = throttled)],
    ['readRange', (store) => (store.readRange = throttled)],
    ['read', (store) => (store.read = throttled)],
  ])(
    'throws a TransientDependencyError from the store (%s) so the Map retries the item, and writes no envelope',
    async (_method, throttle) => {
      // Prepare
      const { store, deps } = setup();
      const part = landPart(store, 'part-00000.csv', csv(goodRows(1, 3)));
      throttle(store);

      // Act
      const act = validatePart({ part, dataset: dataset(), output: ordersOutput() }, deps);

      // Assess
      await expect(act).rejects.toBeInstanceOf(TransientDependencyError);
      expect(store.get(ARTIFACTS_BUCKET, envelopeKey(deps, dataset(), part.Key))).toBeUndefined();
    },
  );

  it.each(['_SUCCESS', '_temporary/0/part-1.csv', '.part-00000.csv.crc', 'date=2026-11-01/'])(
    'skips %s without reading or writing anything',
    async (name) => {
      // Prepare
      const { store, deps } = setup();
      const part = { Key: `${FOLDER}${name}`, Size: 0, Etag: '"d41d8cd98f00b204e9800998ecf8427e"' };

      // Act
      const result = await validatePart({ part, dataset: dataset(), output: ordersOutput() }, deps);

      // Assess
      expect(result).toEqual({ key: part.Key, rows: 0, skipped: true });
      expect(store.calls).toEqual([]);
    },
  );
});

describe('mergeParts', () => {
  const merge = (deps: PartitionDeps, toleratedFailurePercentage = 0) =>
    mergeParts({ dataset: dataset(), output: ordersOutput(), toleratedFailurePercentage }, deps);

  it('writes one passing report at the dataset report key with a summary of the parts', async () => {
    // Prepare
    const { store, deps } = setup();
    landPart(store, 'part-00000.csv', csv(goodRows(1, 3)));
    landPart(store, 'part-00001.csv', csv(goodRows(4, 2)));
    landPart(store, '_SUCCESS', '');
    await validateFolder(store, deps);

    // Act
    const result = await merge(deps);

    // Assess
    expect(REPORT_KEY).not.toContain('//');
    expect(result).toEqual({
      status: 'passed',
      rowCount: 5,
      failedRules: [],
      reportUri: `s3://${ARTIFACTS_BUCKET}/${REPORT_KEY}`,
      quarantineUri: null,
      summary: 'PASSED: 5 rows',
      rules: { checked: 5, passed: 5 },
    });
    expect(store.get(ARTIFACTS_BUCKET, REPORT_KEY)?.contentType).toBe('application/json');
    const report = storedReport(store);
    expect(report).toMatchObject({
      output: 'sales/export/orders_parts',
      status: 'passed',
      rowCount: 5,
      quarantineUri: null,
      validatedAt: NOW.toISOString(),
      object: { uri: `s3://${LANDING_BUCKET}/${FOLDER}`, version: VERSION },
      format: { expected: 'csv', detected: 'csv', matches: true },
      parts: {
        total: 2,
        validated: 2,
        unreadable: 0,
        notValidated: 0,
        unreadableParts: [],
        notValidatedParts: [],
      },
    });
    const partBytes = ['part-00000.csv', 'part-00001.csv'].map(
      (n) => store.get(LANDING_BUCKET, `${FOLDER}${n}`)!.body.byteLength,
    );
    expect(report.parts.bytes).toBe(partBytes[0]! + partBytes[1]!);
    expect(report.object.size).toBe(report.parts.bytes);
  });

  it("names the folder in the report, not its marker: the marker's URI and no ETag (the empty object's MD5)", async () => {
    // Prepare
    const { store, deps } = setup();
    landPart(store, 'part-00000.csv', csv(goodRows(1, 3)));
    landPart(store, '_SUCCESS', '');
    await validateFolder(store, deps);

    // Act
    await merge(deps);

    // Assess
    const report = storedReport(store);
    expect(report.object).toEqual({
      uri: `s3://${LANDING_BUCKET}/${FOLDER}`,
      version: VERSION,
      size: report.parts.bytes,
      marker: `s3://${LANDING_BUCKET}/${FOLDER}_SUCCESS`,
    });
    expect(store.text(ARTIFACTS_BUCKET, REPORT_KEY)).not.toContain('d41d8cd98f00b204e9800998ecf8427e');
  });

  it("judges the merged folder by its consumers' expectations, naming the consumer it breaks", async () => {
    // Arrange: a step that reads orders_parts and needs a column its parts do not have
    const { store, deps } = setup();
    store.put(
      ARTIFACTS_BUCKET,
      `${CONTRACTS_PREFIX}sales-report-region_totals.yaml`,
      [
        'pipeline: sales',
        'step: report',
        'output: region_totals',
        'path: pipelines/sales/{run_id}/report/region_totals/',
        'format: csv',
        'inputs:',
        '  - output: export/orders_parts',
        '    columns:',
        '      - { name: region, type: string }',
        'schema:',
        '  - { name: total, type: float64 }',
        '',
      ].join('\n'),
    );
    landPart(store, 'part-00000.csv', csv(goodRows(1, 3)));
    landPart(store, '_SUCCESS', '');
    await validateFolder(store, deps);

    // Act
    const result = await merge(deps);

    // Assess
    expect(result.status).toBe('failed');
    expect(result.failedRules).toEqual(['consumer:sales/report/region_totals=incompatible']);
    expect(storedReport(store).consumers?.map((c) => [c.consumer, c.breaks])).toEqual([
      ['sales/report/region_totals', true],
    ]);
  });

  it('merges the parts in key order: row numbers of later parts continue those of earlier ones', async () => {
    // Prepare: the bad customer ids are the first rows of the second part by key, landed first.
    const { store, deps } = setup();
    landPart(
      store,
      'part-00001.csv',
      csv(['o4,x,1.00,web,2026-11-01T00:00:00Z', 'o5,y,1.00,web,2026-11-01T00:00:00Z']),
    );
    landPart(store, 'part-00000.csv', csv(goodRows(1, 3)));
    await validateFolder(store, deps);

    // Act
    await merge(deps);

    // Assess
    const customer = storedReport(store).schema.columns.find((c) => c.name === 'customer_id');
    expect(customer).toMatchObject({
      finding: 'type_mismatch',
      nonConforming: 2,
      example: { row: 4, value: 'x' },
    });
  });

  it('orders parts by UTF-8 bytes, as S3 lists them, not by JavaScript string order', async () => {
    // Prepare: U+FF61 sorts after U+1F600 in UTF-16 code units but before it in UTF-8 bytes.
    const { store, deps } = setup();
    const first = 'part-\uFF61.csv';
    const second = 'part-\u{1F600}.csv';
    expect([first, second].sort()).toEqual([second, first]);
    landPart(store, first, csv([...goodRows(1, 2), 'o3,x,1.00,web,2026-11-01T00:00:00Z']));
    landPart(store, second, csv(['o4,y,1.00,web,2026-11-01T00:00:00Z']));
    await validateFolder(store, deps);

    // Act
    await merge(deps);

    // Assess
    const customer = storedReport(store).schema.columns.find((c) => c.name === 'customer_id');
    expect(customer?.example).toEqual({ row: 3, value: 'x' });
  });

  it('equals one pass over the concatenated data for a three-part folder', async () => {
    // Prepare: failures of every kind, and an order id repeated across parts (uniqueness is dataset-wide).
    const { store, deps } = setup();
    const parts = [
      [...goodRows(1, 4), 'o5,5,-1.00,web,2026-11-01T00:00:00Z', 'o6,6,,fax,2026-11-01T01:00:00Z'],
      ['o7,7,7.10,,2026-11-02T00:00:00Z', 'o1,8,8.20,store,2026-11-02T01:00:00Z', ...goodRows(9, 3)],
      [
        'o12,x,12.00,app,2026-11-03T00:00:00Z',
        ...goodRows(13, 2),
        'o14,200000,3.30,web,2026-11-03T02:00:00Z',
      ],
    ];
    parts.forEach((rows, i) => landPart(store, `part-0000${i}.csv`, csv(rows)));
    landPart(store, '_SUCCESS', '');
    await validateFolder(store, deps);
    const contract = parseContract(sampleContractText(CONTRACT_FILE), CONTRACT_FILE);
    const onePass = await runValidation(contract, bufferSource(Buffer.from(csv(parts.flat())), 'all.csv'), {
      openSource: () => {
        throw new Error('no reference samples in this contract');
      },
      now: () => NOW,
    });

    // Act
    const result = await merge(deps);

    // Assess
    const stored = storedReport(store);
    expect(comparable(stored)).toEqual(comparable(onePass.report));
    expect(stored.status).toBe('failed');
    expect(stored.failedRules).toEqual([
      'schema_compatibility',
      'order_id.unique',
      'customer_id.range',
      'channel.allowed',
      'amount_positive',
    ]);
    expect(result).toMatchObject({ status: onePass.report.status, rowCount: 15 });
    // No single part saw o1 twice: its repeat is a uniqueness failure of the merge, not a flagged row.
    expect(stored.failedRowCount).toBe(onePass.report.failedRowCount - 1);
  });

  it('links the quarantine folder of the parts when a part quarantined rows', async () => {
    // Prepare
    const { store, deps } = setup();
    landPart(store, 'part-00000.csv', csv(goodRows(1, 2)));
    landPart(store, 'part-00001.csv', csv(['o3,3,1.00,fax,2026-11-01T00:00:00Z']));
    await validateFolder(store, deps);

    // Act
    const result = await merge(deps);

    // Assess
    const folder = `s3://${ARTIFACTS_BUCKET}/quarantine/${LANDING_BUCKET}/datasets/sales/r1/orders/${VERSION}.parts/`;
    expect(result.quarantineUri).toBe(folder);
    expect(storedReport(store).quarantineUri).toBe(folder);
  });

  it('ends in IncompleteTestError (status error, not failed) when parts not validated exceed the tolerated percentage', async () => {
    // Prepare: one of four parts never left an envelope (its Map item failed after its retries).
    const { store, deps } = setup();
    for (let i = 0; i < 4; i++) landPart(store, `part-0000${i}.csv`, csv(goodRows(i * 10 + 1, 2)));
    await validateFolder(store, deps, ['part-00002.csv']);

    // Act
    const outcome = merge(deps, 20);

    // Assess: the folder was not tested, which says nothing of its data; the partial report stays.
    await expect(outcome).rejects.toThrow(IncompleteTestError);
    await expect(outcome).rejects.toThrow(
      /^1 of 4 parts of s3:\/\/.+ could not be validated after their retries \(beyond the tolerated 20%\)/,
    );
    const report = storedReport(store);
    expect(report.failedRules).toEqual(['parts_validated']);
    expect(report.summary).toBe(
      'INCOMPLETE: 6 rows in 4 parts; 1 of 4 parts not validated (their validation failed after its retries; beyond the tolerated 20%)',
    );
    expect(report.parts).toMatchObject({
      total: 4,
      validated: 3,
      notValidated: 1,
      notValidatedParts: [`${FOLDER}part-00002.csv`],
    });
  });

  it('warns with parts_validated when the parts without an envelope are within the tolerated percentage', async () => {
    // Prepare
    const { store, deps } = setup();
    for (let i = 0; i < 4; i++) landPart(store, `part-0000${i}.csv`, csv(goodRows(i * 10 + 1, 2)));
    await validateFolder(store, deps, ['part-00002.csv']);

    // Act
    const result = await merge(deps, 25);

    // Assess
    expect(result.status).toBe('warned');
    expect(result.failedRules).toEqual(['parts_validated']);
    expect(result.summary).toContain('within the tolerated 25%');
    expect(storedReport(store).status).toBe('warned');
  });

  it('fails with parts_readable, naming the first unreadable part and why', async () => {
    // Prepare
    const { store, deps } = setup();
    landPart(store, 'part-00000.csv', csv(goodRows(1, 3)));
    landPart(store, 'part-00001.csv', PARQUET_LOOKALIKE);
    landPart(store, 'part-00002.csv', csv(goodRows(4, 2)));
    await validateFolder(store, deps);

    // Act
    const result = await merge(deps, 100);

    // Assess
    expect(result.status).toBe('failed');
    expect(result.rowCount).toBe(5);
    expect(result.failedRules).toEqual(['parts_readable']);
    expect(result.summary).toContain(
      `1 of 3 parts unreadable, first ${FOLDER}part-00001.csv: FormatError: expected csv, found parquet`,
    );
    expect(storedReport(store)).toMatchObject({
      format: { detected: 'csv, parquet', matches: false },
      parts: {
        total: 3,
        validated: 2,
        unreadable: 1,
        unreadableParts: [
          { part: `${FOLDER}part-00001.csv`, error: 'FormatError: expected csv, found parquet' },
        ],
      },
    });
  });

  it('fails a folder without parts with parts_present only', async () => {
    // Prepare
    const { store, deps } = setup();
    landPart(store, '_SUCCESS', '');
    landPart(store, '_temporary/0/part-0.csv', csv(goodRows(1, 1)));

    // Act
    const result = await merge(deps, 100);

    // Assess
    expect(result).toMatchObject({ status: 'failed', rowCount: 0, failedRules: ['parts_present'] });
    expect(result.summary).toMatch(/^FAILED: no part files in the folder/);
    expect(storedReport(store)).toMatchObject({ status: 'failed', parts: { total: 0, validated: 0 } });
  });
});

describe('mergeParts on a folder still changing after its marker', () => {
  // The marker's event time (test/fixtures/step-events.ts) and times around it.
  const MARKER_AT = new Date('2024-06-01T10:20:30Z');
  const AFTER_MARKER = new Date('2024-06-01T10:20:42Z');
  const merge = (deps: PartitionDeps) =>
    mergeParts({ dataset: dataset(), output: ordersOutput(), toleratedFailurePercentage: 0 }, deps);

  it('settles a folder whose part was rewritten between listing and reading, and validates that part again', async () => {
    // Prepare: `aws s3 sync` is still writing p=2 when the Map reads it.
    const { store, deps } = setup();
    const sleeps: number[] = [];
    const settling: PartitionDeps = {
      ...deps,
      settle: { windowMs: 30, pollMs: 10 },
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
    };
    store.put(LANDING_BUCKET, `${FOLDER}p=1/data_0.csv`, csv(goodRows(1, 3)), { lastModified: MARKER_AT });
    const listed = landPart(store, 'p=2/data_0.csv', csv(goodRows(4, 1)));
    store.put(LANDING_BUCKET, `${FOLDER}_SUCCESS`, '', { lastModified: MARKER_AT });
    store.put(LANDING_BUCKET, listed.Key, csv(goodRows(4, 2)), { lastModified: AFTER_MARKER });
    for (const key of [`${FOLDER}p=1/data_0.csv`])
      await validatePart(
        {
          part: {
            Key: key,
            Size: store.get(LANDING_BUCKET, key)!.body.byteLength,
            Etag: store.get(LANDING_BUCKET, key)!.etag,
          },
          dataset: dataset(),
          output: ordersOutput(),
        },
        settling,
      );
    await validatePart({ part: listed, dataset: dataset(), output: ordersOutput() }, settling);

    // Act
    const result = await merge(settling);

    // Assess: every row of the settled folder, one relisting, and the report says what happened.
    expect(result).toMatchObject({ status: 'passed', rowCount: 5, failedRules: [] });
    expect(result.summary).toContain(
      `folder still changing after its marker (first sign s3://${LANDING_BUCKET}/${FOLDER}p=2/data_0.csv: `,
    );
    expect(result.summary).toContain('settled after 2 listings and 1 part was validated again');
    expect(result.summary).not.toContain('arrival event');
    expect(sleeps).toEqual([10]);
  });

  it('validates a part that arrived after the marker and the listing, instead of calling it not validated', async () => {
    // Prepare
    const { store, deps } = setup();
    const settling: PartitionDeps = {
      ...deps,
      settle: { windowMs: 30, pollMs: 10 },
      sleep: () => Promise.resolve(),
    };
    landPart(store, 'part-00000.csv', csv(goodRows(1, 3)));
    store.put(LANDING_BUCKET, `${FOLDER}_SUCCESS`, '', { lastModified: MARKER_AT });
    await validateFolder(store, settling);
    store.put(LANDING_BUCKET, `${FOLDER}part-00001.csv`, csv(goodRows(4, 2)), { lastModified: AFTER_MARKER });

    // Act
    const result = await merge(settling);

    // Assess
    expect(result).toMatchObject({ status: 'passed', rowCount: 5, failedRules: [] });
    expect(storedReport(store).parts).toMatchObject({ total: 2, validated: 2, notValidated: 0 });
  });

  it("validates a part the plan's manifest did not list, though written in the marker's second", async () => {
    // Prepare: the plan lists one part; a second lands in the same second as the marker, so only
    // the manifest tells it from a part whose validation failed.
    const { store, deps } = setup();
    const settling: PartitionDeps = {
      ...deps,
      settle: { windowMs: 30, pollMs: 10 },
      sleep: () => Promise.resolve(),
    };
    store.put(LANDING_BUCKET, `${FOLDER}part-00000.csv`, csv(goodRows(1, 3)), { lastModified: MARKER_AT });
    store.put(LANDING_BUCKET, `${FOLDER}_SUCCESS`, '', { lastModified: MARKER_AT });
    const planned = await planParts(
      { dataset: dataset(), execution: 'exec-1' },
      { store, artifactsBucket: ARTIFACTS_BUCKET, manifestsPrefix: 'manifests/' },
    );
    await validateFolder(store, settling);
    store.put(LANDING_BUCKET, `${FOLDER}part-00001.csv`, csv(goodRows(4, 2)), { lastModified: MARKER_AT });

    // Act
    const withManifest = await mergeParts(
      {
        dataset: dataset(),
        output: ordersOutput(),
        toleratedFailurePercentage: 0,
        manifest: { key: planned.key },
      },
      settling,
    );

    // Assess: part-00001 is validated by the merge, not counted among the parts not validated.
    expect(withManifest).toMatchObject({ status: 'passed', rowCount: 5, failedRules: [] });
    expect(withManifest.summary).toContain('appeared after the folder was planned');
    expect(storedReport(store).parts).toMatchObject({ total: 2, validated: 2, notValidated: 0 });
  });

  it('calls a part the manifest listed but that left no envelope not validated, as before', async () => {
    // Prepare
    const { store, deps } = setup();
    for (let i = 0; i < 2; i++)
      store.put(LANDING_BUCKET, `${FOLDER}part-0000${i}.csv`, csv(goodRows(i * 10 + 1, 2)), {
        lastModified: MARKER_AT,
      });
    const planned = await planParts(
      { dataset: dataset() },
      { store, artifactsBucket: ARTIFACTS_BUCKET, manifestsPrefix: 'manifests/' },
    );
    await validateFolder(store, deps, ['part-00001.csv']);

    // Act
    const outcome = mergeParts(
      {
        dataset: dataset(),
        output: ordersOutput(),
        toleratedFailurePercentage: 0,
        manifest: { key: planned.key },
      },
      deps,
    );

    // Assess
    await expect(outcome).rejects.toThrow(IncompleteTestError);
    expect(storedReport(store).parts).toMatchObject({
      total: 2,
      notValidated: 1,
      notValidatedParts: [`${FOLDER}part-00001.csv`],
    });
  });

  it('fails with parts_settled, naming the part by its full key, when the folder never settles within the window', async () => {
    // Prepare: a new part lands before every listing.
    const { store, deps } = setup();
    let written = 0;
    const settling: PartitionDeps = {
      ...deps,
      settle: { windowMs: 40, pollMs: 10 },
      sleep: () => {
        written++;
        store.put(LANDING_BUCKET, `${FOLDER}p=${written}/data_0.csv`, csv(goodRows(10 * written, 1)), {
          lastModified: AFTER_MARKER,
        });
        return Promise.resolve();
      },
    };
    landPart(store, 'p=0/data_0.csv', csv(goodRows(1, 3)));
    store.put(LANDING_BUCKET, `${FOLDER}_SUCCESS`, '', { lastModified: MARKER_AT });
    await validateFolder(store, settling);
    store.put(LANDING_BUCKET, `${FOLDER}p=0/data_0.csv`, csv(goodRows(1, 4)), { lastModified: AFTER_MARKER });

    // Act
    const result = await merge(settling);

    // Assess: four waits (40 ms / 10 ms), then a failure that says why, not a data finding.
    expect(written).toBe(4);
    expect(result).toMatchObject({ status: 'failed', failedRules: ['parts_settled'] });
    expect(result.summary).toContain('the folder was still changing 0.04 s after its marker');
    expect(result.summary).toContain(`s3://${LANDING_BUCKET}/${FOLDER}p=4/data_0.csv appeared`);
    expect(result.summary).toContain('Publish the marker last');
  });
});

describe('the merged folder in the results dataset', () => {
  const merge = (deps: PartitionDeps, toleratedFailurePercentage = 0) =>
    mergeParts({ dataset: dataset(), output: ordersOutput(), toleratedFailurePercentage }, deps);

  async function versionRows(store: InMemoryObjectStore): Promise<Record<string, unknown>[]> {
    const key = store.keys().find((k) => k.startsWith(`${ARTIFACTS_BUCKET}/results/version_results/`));
    if (!key) throw new Error(`no version_results file in ${store.keys().join(', ')}`);
    const body = store.get(ARTIFACTS_BUCKET, key.slice(ARTIFACTS_BUCKET.length + 1))!.body;
    const file = body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer;
    return parquetReadObjects({ file });
  }

  it('adds the folder as one version, as the report is stored', async () => {
    // Prepare
    const { store, deps } = setup();
    for (let i = 0; i < 2; i++) landPart(store, `part-0000${i}.csv`, csv(goodRows(i * 10 + 1, 3)));
    await validateFolder(store, deps);

    // Act
    await merge({ ...deps, resultsPrefix: 'results/' });

    // Assess
    expect(await versionRows(store)).toEqual([
      expect.objectContaining({
        status: 'passed',
        row_count: 6n,
        step: 'export',
        output: 'orders_parts',
        run: 'r1',
      }),
    ]);
  });

  it('records a folder left incomplete beyond the tolerance as error, never as failed', async () => {
    // Prepare
    const { store, deps } = setup();
    for (let i = 0; i < 4; i++) landPart(store, `part-0000${i}.csv`, csv(goodRows(i * 10 + 1, 2)));
    await validateFolder(store, deps, ['part-00002.csv']);

    // Act
    await expect(merge({ ...deps, resultsPrefix: 'results/' }, 20)).rejects.toThrow(IncompleteTestError);

    // Assess
    const [version] = await versionRows(store);
    expect(version).toMatchObject({ status: 'error', rules_passed: 0n });
    expect(String(version!['summary'])).toMatch(/^ERROR: 1 of 4 parts/);
  });
});
