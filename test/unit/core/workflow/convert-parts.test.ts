/**
 * A partitioned output with partition columns and `convert_to`, through the map's steps in core:
 * each part validated with its folder's values and converted with its own proof, the merge
 * publishing the converted folder (manifest, then `_SUCCESS`) only when every part's proof passed.
 */
import { describe, expect, it } from 'vitest';

import { ContractCatalog } from '../../../../lambdas/core/contracts/contract-catalog';
import { IntegrityError } from '../../../../lambdas/core/errors';
import { openTable } from '../../../../lambdas/core/formats/open-table';
import {
  convertedPartPath,
  CONVERTED_MANIFEST,
  CONVERTED_MARKER,
} from '../../../../lambdas/core/workflow/convert-parts';
import {
  envelopeKey,
  mergeParts,
  validatePart,
  type PartEnvelope,
  type PartitionDeps,
} from '../../../../lambdas/core/workflow/validate-partitions';
import type { ObjectRef, RegisteredOutput } from '../../../../lambdas/core/workflow/workflow-types';
import { InMemoryObjectStore } from '../../../fixtures/in-memory-object-store';
import { ARTIFACTS_BUCKET, CONTRACTS_PREFIX } from '../../../fixtures/sample-contracts';
import { LANDING_BUCKET, objectRef } from '../../../fixtures/step-events';

const NOW = new Date('2026-11-02T08:00:00.000Z');
const FOLDER = 'datasets/sales/r1/orders_by_day/';
const VERSION = 'marker-0001';
const CONTRACT_FILE = 'sales-export-orders_by_day.yaml';
const CONTRACT = `pipeline: sales
step: export
output: orders_by_day
path: datasets/sales/{run_id}/orders_by_day/
format: csv
partitioned: true
partition_by: [date, region]
convert_to: parquet
schema:
  - { name: order_id, type: string, nullable: false }
  - { name: amount, type: float64, nullable: false }
  - { name: date, type: date, nullable: false }
  - { name: region, type: string, nullable: false }
quality:
  - { name: region_known, field: region, condition: in_set, value: [eu, us] }
`;

function dataset(): ObjectRef {
  return {
    ...objectRef({ key: FOLDER, etag: 'd41d8cd98f00b204e9800998ecf8427e', size: 0 }),
    sk: `VER#${VERSION}`,
  };
}

function output(): RegisteredOutput {
  return {
    pipeline: 'sales',
    step: 'export',
    output: 'orders_by_day',
    runId: 'r1',
    contractKey: `${CONTRACTS_PREFIX}${CONTRACT_FILE}`,
    format: 'csv',
    convertTo: 'parquet',
    jobType: 'spark',
  };
}

function setup(parts: Readonly<Record<string, string>>) {
  const store = new InMemoryObjectStore(16);
  store.put(ARTIFACTS_BUCKET, `${CONTRACTS_PREFIX}${CONTRACT_FILE}`, CONTRACT);
  for (const [name, body] of Object.entries(parts)) store.put(LANDING_BUCKET, `${FOLDER}${name}`, body);
  const deps: PartitionDeps = {
    store,
    catalog: new ContractCatalog(store, ARTIFACTS_BUCKET, CONTRACTS_PREFIX),
    artifactsBucket: ARTIFACTS_BUCKET,
    reportsPrefix: 'reports/',
    quarantinePrefix: 'quarantine/',
    convertedPrefix: 'converted/',
    now: () => NOW,
  };
  return { store, deps };
}

async function runMap(store: InMemoryObjectStore, deps: PartitionDeps): Promise<void> {
  const listed = [];
  for await (const o of store.list(LANDING_BUCKET, FOLDER)) listed.push(o);
  for (const o of listed)
    await validatePart(
      { part: { Key: o.key, Size: o.size, Etag: `"${o.etag}"` }, dataset: dataset(), output: output() },
      deps,
    );
}

const CONVERTED = `converted/${LANDING_BUCKET}/datasets/sales/r1/orders_by_day/${VERSION}/`;

describe('partition columns and convert_to on a partitioned output', () => {
  it('converts every part with its proof and publishes the folder: manifest, then _SUCCESS', async () => {
    // Arrange
    const { store, deps } = setup({
      'date=2026-11-01/region=eu/part-0.csv': 'order_id,amount\na,1.5\nb,2.5\n',
      'date=2026-11-02/region=us/part-0.csv': 'order_id,amount\nc,3.5\n',
    });

    // Act
    await runMap(store, deps);
    const result = await mergeParts(
      { dataset: dataset(), output: output(), toleratedFailurePercentage: 0 },
      deps,
    );

    // Assess
    expect(result.status).toBe('passed');
    expect(result.rowCount).toBe(3);
    expect(result.conversion).toMatchObject({
      converted: true,
      uri: `s3://${ARTIFACTS_BUCKET}/${CONVERTED}`,
      format: 'parquet',
      rowsIn: 3,
      rowsOut: 3,
      equivalent: true,
    });
    const manifest = JSON.parse(store.text(ARTIFACTS_BUCKET, `${CONVERTED}${CONVERTED_MANIFEST}`)) as {
      parts: { key: string; rowsOut: number; equivalent: boolean }[];
    };
    expect(manifest.parts.map((p) => [p.key, p.rowsOut, p.equivalent])).toEqual([
      [`${CONVERTED}date=2026-11-01/region=eu/part-0.parquet`, 2, true],
      [`${CONVERTED}date=2026-11-02/region=us/part-0.parquet`, 1, true],
    ]);
    expect(store.text(ARTIFACTS_BUCKET, `${CONVERTED}${CONVERTED_MARKER}`)).toBe('');
    // The part's own columns only: its partition values stay in its folders, as Spark writes them.
    const opened = await openTable(
      store.source(ARTIFACTS_BUCKET, `${CONVERTED}date=2026-11-01/region=eu/part-0.parquet`),
    );
    const rows = [];
    for await (const b of opened.batches) rows.push(...b.rows);
    expect(rows).toEqual([
      ['a', 1.5],
      ['b', 2.5],
    ]);
  });

  it('fails a rule on a partition column for the one folder that breaks it, and publishes nothing', async () => {
    // Arrange
    const { store, deps } = setup({
      'date=2026-11-01/region=eu/part-0.csv': 'order_id,amount\na,1.5\n',
      'date=2026-11-01/region=apac/part-0.csv': 'order_id,amount\nb,2.5\nc,3.5\n',
    });

    // Act
    await runMap(store, deps);
    const result = await mergeParts(
      { dataset: dataset(), output: output(), toleratedFailurePercentage: 0 },
      deps,
    );

    // Assess
    expect(result.status).toBe('failed');
    expect(result.failedRules).toEqual(['region_known']);
    expect(result.conversion).toBeUndefined();
    expect(store.get(ARTIFACTS_BUCKET, `${CONVERTED}${CONVERTED_MARKER}`) !== undefined).toBe(false);
  });

  it('reports a part whose folder value is not of its type on partition_folders, naming the key', async () => {
    // Arrange
    const bad = `${FOLDER}date=2026-02-30/region=eu/part-0.csv`;
    const { store, deps } = setup({
      'date=2026-11-01/region=eu/part-0.csv': 'order_id,amount\na,1.5\n',
      'date=2026-02-30/region=eu/part-0.csv': 'order_id,amount\nb,2.5\n',
    });

    // Act
    await runMap(store, deps);
    const result = await mergeParts(
      { dataset: dataset(), output: output(), toleratedFailurePercentage: 0 },
      deps,
    );

    // Assess
    expect(result.status).toBe('failed');
    expect(result.failedRules).toEqual(['partition_folders']);
    expect(result.summary).toContain(
      `${bad}: folder 'date=2026-02-30': '2026-02-30' is not a date value for partition column 'date'`,
    );
    expect(result.rowCount).toBe(1);
  });

  it('fails the conversion when one part has no passing proof, and writes no _SUCCESS', async () => {
    // Arrange
    const { store, deps } = setup({
      'date=2026-11-01/region=eu/part-0.csv': 'order_id,amount\na,1.5\n',
      'date=2026-11-02/region=eu/part-0.csv': 'order_id,amount\nb,2.5\n',
    });
    await runMap(store, deps);
    const second = envelopeKey(deps, dataset(), `${FOLDER}date=2026-11-02/region=eu/part-0.csv`);
    const envelope = JSON.parse(store.text(ARTIFACTS_BUCKET, second)) as PartEnvelope;
    store.put(
      ARTIFACTS_BUCKET,
      second,
      JSON.stringify({
        ...envelope,
        conversion: {
          ...envelope.conversion!,
          equivalent: false,
          error: { name: 'IntegrityError', message: 'checksum of amount differs' },
        },
      }),
    );

    // Act
    const merging = mergeParts({ dataset: dataset(), output: output(), toleratedFailurePercentage: 0 }, deps);

    // Assess
    await expect(merging).rejects.toThrow(IntegrityError);
    await expect(
      mergeParts({ dataset: dataset(), output: output(), toleratedFailurePercentage: 0 }, deps),
    ).rejects.toThrow(
      `1 of 2 parts have no passing equivalence proof, first ${FOLDER}date=2026-11-02/region=eu/part-0.csv (IntegrityError: checksum of amount differs)`,
    );
    expect(store.get(ARTIFACTS_BUCKET, `${CONVERTED}${CONVERTED_MARKER}`) !== undefined).toBe(false);
    expect(store.get(ARTIFACTS_BUCKET, `${CONVERTED}${CONVERTED_MANIFEST}`) !== undefined).toBe(false);
  });
});

describe('convertedPartPath', () => {
  it.each([
    ['date=2026-11-01/part-00000-abc.c000.csv', 'date=2026-11-01/part-00000-abc.c000.parquet'],
    ['part-0.csv.gz', 'part-0.parquet'],
    ['part-0', 'part-0.parquet'],
  ])('%s becomes %s', (from, to) => {
    // Act
    const path = convertedPartPath(from, 'parquet');

    // Assess
    expect(path).toBe(to);
  });
});
