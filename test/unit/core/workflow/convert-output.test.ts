import { gzipSync } from 'node:zlib';

import { parquetReadObjects } from 'hyparquet';
import { describe, expect, it } from 'vitest';

import { ContractCatalog } from '../../../../lambdas/core/contracts/contract-catalog';
import { FormatError, InvalidInputError } from '../../../../lambdas/core/errors';
import { convertOutput } from '../../../../lambdas/core/workflow/convert-output';
import { InMemoryObjectStore } from '../../../fixtures/in-memory-object-store';
import {
  ARTIFACTS_BUCKET,
  CONTRACTS_PREFIX,
  RAW_ORDERS_CONTRACT,
  seedSampleContracts,
} from '../../../fixtures/sample-contracts';
import { LANDING_BUCKET, csvInspection, objectRef, trainingDataOutput } from '../../../fixtures/step-events';

const KEY = 'pipelines/sales/2024-06-01/preprocessing/training_data/part-0.csv';
const CSV = [
  'order_id,customer_id,purchase_amount,ordered_at',
  'o1,1,10.5,2024-06-01T09:00:00Z',
  'o2,9007199254740993,,2024-06-01T09:05:00.123+02:00',
].join('\n');

function setup(body: string | Uint8Array) {
  const store = new InMemoryObjectStore(5);
  seedSampleContracts(store);
  const stored = store.put(LANDING_BUCKET, KEY, body, { versionId: 'v1' });
  const object = objectRef({ key: KEY, etag: stored.etag, size: stored.body.byteLength, versionId: 'v1' });
  const deps = {
    store,
    catalog: new ContractCatalog(store, ARTIFACTS_BUCKET, CONTRACTS_PREFIX),
    artifactsBucket: ARTIFACTS_BUCKET,
    convertedPrefix: 'converted/',
  };
  return { store, object, deps };
}

const CONVERTED_KEY = `converted/${LANDING_BUCKET}/${KEY}/v1.parquet`;

describe('convertOutput', () => {
  it("writes the output in its contract's convert_to format under the converted prefix", async () => {
    // Prepare
    const { store, object, deps } = setup(CSV);

    // Act
    const result = await convertOutput(
      { object, output: trainingDataOutput(), inspection: csvInspection() },
      deps,
    );

    // Assess
    const written = store.get(ARTIFACTS_BUCKET, CONVERTED_KEY);
    expect(written?.contentType).toBe('application/vnd.apache.parquet');
    expect(result).toEqual({
      uri: `s3://${ARTIFACTS_BUCKET}/${CONVERTED_KEY}`,
      versionId: null,
      etag: written?.etag,
      size: written?.body.byteLength,
      format: 'parquet',
      rowsIn: 2,
      rowsOut: 2,
      equivalent: true,
      checksums: {
        order_id: expect.any(String) as unknown,
        customer_id: expect.any(String) as unknown,
        purchase_amount: expect.any(String) as unknown,
        ordered_at: expect.any(String) as unknown,
      },
    });
  });

  it('writes Parquet that holds the values of the CSV', async () => {
    // Prepare
    const { store, object, deps } = setup(CSV);

    // Act
    await convertOutput({ object, output: trainingDataOutput(), inspection: csvInspection() }, deps);

    // Assess
    const body = store.get(ARTIFACTS_BUCKET, CONVERTED_KEY)!.body;
    const rows = await parquetReadObjects({
      file: body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer,
    });
    expect(rows).toEqual([
      {
        order_id: 'o1',
        customer_id: 1n,
        purchase_amount: 10.5,
        ordered_at: new Date('2024-06-01T09:00:00Z'),
      },
      {
        order_id: 'o2',
        customer_id: 9007199254740993n,
        purchase_amount: null,
        ordered_at: new Date('2024-06-01T07:05:00.123Z'),
      },
    ]);
  });

  it('converts gzip-compressed CSV', async () => {
    // Prepare
    const { object, deps } = setup(gzipSync(CSV));

    // Act
    const result = await convertOutput(
      { object, output: trainingDataOutput(), inspection: csvInspection({ compression: 'gzip' }) },
      deps,
    );

    // Assess
    expect(result).toMatchObject({ rowsIn: 2, rowsOut: 2, equivalent: true });
  });

  it('refuses an output whose contract has no convert_to', async () => {
    // Prepare
    const { store, object, deps } = setup(CSV);

    // Act
    const act = convertOutput(
      {
        object,
        output: trainingDataOutput({ output: 'raw_orders', contractKey: RAW_ORDERS_CONTRACT }),
        inspection: csvInspection(),
      },
      deps,
    );

    // Assess
    await expect(act).rejects.toBeInstanceOf(InvalidInputError);
    await expect(act).rejects.toThrow(`${RAW_ORDERS_CONTRACT} has no convert_to`);
    expect(store.calls.filter((c) => c.op === 'write')).toEqual([]);
  });

  it('fails with a FormatError and writes nothing when a value does not conform', async () => {
    // Prepare
    const { store, object, deps } = setup(`${CSV}\no3,three,1,2024-06-01T09:00:00Z`);

    // Act
    const act = convertOutput({ object, output: trainingDataOutput(), inspection: csvInspection() }, deps);

    // Assess
    await expect(act).rejects.toBeInstanceOf(FormatError);
    await expect(act).rejects.toThrow("row 3: 'three' in customer_id is not int64; cannot convert");
    expect(store.calls.filter((c) => c.op === 'write')).toEqual([]);
  });
});
