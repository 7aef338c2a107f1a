/**
 * A conversion carries every column the input has: columns its contract does not list, a column
 * without a name (pandas' index), and columns whose names are object-prototype words. The proof
 * counts the input's columns and covers each of them.
 */
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { describe, expect, it } from 'vitest';

import { convertTable, planConversion } from '../../../../lambdas/core/conversion/convert-table';
import { ContractCatalog } from '../../../../lambdas/core/contracts/contract-catalog';
import type { ColumnSpec } from '../../../../lambdas/core/contracts/output-contract';
import { FormatError } from '../../../../lambdas/core/errors';
import { BufferSink, bufferSource } from '../../../../lambdas/core/formats/byte-io';
import type { DataFormat } from '../../../../lambdas/core/contracts/output-contract';
import type { FailedRow } from '../../../../lambdas/core/validation/validation-report';
import { ValidationState } from '../../../../lambdas/core/validation/validate-records';
import { convertOutput } from '../../../../lambdas/core/workflow/convert-output';
import { InMemoryObjectStore } from '../../../fixtures/in-memory-object-store';
import { outputContract } from '../../../fixtures/output-contract';
import { ARTIFACTS_BUCKET, CONTRACTS_PREFIX, seedSampleContracts } from '../../../fixtures/sample-contracts';
import { LANDING_BUCKET, csvInspection, objectRef, trainingDataOutput } from '../../../fixtures/step-events';
import { loadContract } from '../../../fixtures/validation-fixtures';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** What pandas' `to_csv()` writes: its index under an empty header, then the frame's columns. */
const PANDAS_CSV = ',station,temp,wind,at\n0,A,21.5,3,2024-06-01\n1,B,,7,2024-06-02\n';

const CONTRACT_SCHEMA: ColumnSpec[] = [
  { name: 'station', type: 'string', nullable: false },
  { name: 'temp', type: 'float64', nullable: true },
  { name: 'at', type: 'date', nullable: true },
];

async function convert(input: string, to: DataFormat, schema?: readonly ColumnSpec[]) {
  const sink = new BufferSink('out');
  const result = await convertTable(
    bufferSource(utf8(input), 'in.csv'),
    sink,
    () => bufferSource(sink.bytes(), 'out'),
    { to, ...(schema ? { contract: outputContract({ schema }) } : {}) },
  );
  return { result, bytes: sink.bytes() };
}

function parquetRows(bytes: Uint8Array): Promise<Record<string, unknown>[]> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return parquetReadObjects({ file });
}

describe('a conversion keeps every source column', () => {
  it('writes the columns a contract does not list, in source order, typed as their source', async () => {
    // Prepare
    const input = PANDAS_CSV;

    // Act
    const { result, bytes } = await convert(input, 'parquet', CONTRACT_SCHEMA);

    // Assess
    const metadata = parquetMetadata(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
    );
    expect(metadata.schema.slice(1).map((e) => e.name)).toEqual([
      'column_1',
      'station',
      'temp',
      'wind',
      'at',
    ]);
    expect(result.schemaMapping).toEqual([
      { from: '', to: 'column_1', type: 'string', renamed: 'input column 1 has no name' },
      { from: 'station', to: 'station', type: 'string' },
      { from: 'temp', to: 'temp', type: 'float64' },
      { from: 'wind', to: 'wind', type: 'string' },
      { from: 'at', to: 'at', type: 'date' },
    ]);
    expect(await parquetRows(bytes)).toEqual([
      { column_1: '0', station: 'A', temp: 21.5, wind: '3', at: expect.any(Date) as unknown },
      { column_1: '1', station: 'B', temp: null, wind: '7', at: expect.any(Date) as unknown },
    ]);
  });

  it.each(['csv', 'jsonl', 'json', 'parquet', 'arrow'] as const)(
    'proves all 5 of 5 source columns through %s',
    async (to) => {
      // Prepare
      const input = PANDAS_CSV;

      // Act
      const { result } = await convert(input, to, CONTRACT_SCHEMA);

      // Assess
      expect(result).toMatchObject({ columnsIn: 5, columnsOut: 5, rowsIn: 2, rowsOut: 2, equivalent: true });
      expect(Object.keys(result.checksums)).toEqual(['column_1', 'station', 'temp', 'wind', 'at']);
      expect(result.checksumsOut).toEqual(result.checksums);
    },
  );

  it('keeps the columns of a CSV without a contract, the unnamed one included', async () => {
    // Prepare
    const input = PANDAS_CSV;

    // Act
    const { result, bytes } = await convert(input, 'csv');

    // Assess
    expect(Buffer.from(bytes).toString('utf8').split('\n')[0]).toBe('column_1,station,temp,wind,at');
    expect(result).toMatchObject({ columnsIn: 5, columnsOut: 5 });
  });

  it('names an unnamed column column_<n> without taking a name the input already has', async () => {
    // Prepare
    const input = 'column_1,\nx,y\n';

    // Act
    const { result } = await convert(input, 'jsonl');

    // Assess
    expect(result.schemaMapping.map((m) => [m.from, m.to])).toEqual([
      ['column_1', 'column_1'],
      ['', 'column_2'],
    ]);
  });

  it('refuses a contract column the input lacks, naming it, and publishes nothing', async () => {
    // Prepare
    const schema: ColumnSpec[] = [...CONTRACT_SCHEMA, { name: 'humidity', type: 'float64', nullable: true }];

    // Act
    const error = await convert(PANDAS_CSV, 'parquet', schema).then(
      () => undefined,
      (e: unknown) => e,
    );

    // Assess
    expect(error).toBeInstanceOf(FormatError);
    expect((error as Error).message).toBe("in.csv lacks contract column(s) 'humidity'; cannot convert");
  });

  it('refuses an input that names one column twice instead of dropping one of them', () => {
    // Prepare: an Arrow schema may repeat a field name; the CSV and JSON readers refuse it themselves
    const columns = ['a', 'b', 'a'];

    // Act
    const act = () => planConversion(columns, [], undefined, 'arrow', 'in.arrow');

    // Assess
    expect(act).toThrow(FormatError);
    expect(act).toThrow("in.arrow: column 'a' appears twice; cannot convert without losing one");
  });

  it('keeps a column named __proto__ in the checksums of both sides of the proof', async () => {
    // Prepare
    const input = '__proto__,constructor,n\nx,y,1\n';

    // Act
    const { result } = await convert(input, 'parquet');

    // Assess
    expect(Object.keys(result.checksums)).toEqual(['__proto__', 'constructor', 'n']);
    expect(Object.keys(result.checksumsOut)).toEqual(['__proto__', 'constructor', 'n']);
    expect(result.columnsIn).toBe(3);
  });
});

describe('the Convert step keeps every source column', () => {
  it('writes a column the contract does not list into the converted Parquet and its checksums', async () => {
    // Prepare
    const key = 'pipelines/sales/2024-06-01/preprocessing/training_data/part-0.csv';
    const csv = [
      'order_id,customer_id,purchase_amount,ordered_at,wind',
      'o1,1,10.5,2024-06-01T09:00:00Z,3',
      'o2,2,,2024-06-01T09:05:00Z,7',
    ].join('\n');
    const store = new InMemoryObjectStore(5);
    seedSampleContracts(store);
    const stored = store.put(LANDING_BUCKET, key, csv, { versionId: 'v1' });
    const object = objectRef({ key, etag: stored.etag, size: stored.body.byteLength, versionId: 'v1' });
    const deps = {
      store,
      catalog: new ContractCatalog(store, ARTIFACTS_BUCKET, CONTRACTS_PREFIX),
      artifactsBucket: ARTIFACTS_BUCKET,
      convertedPrefix: 'converted/',
    };

    // Act
    const result = await convertOutput(
      { object, output: trainingDataOutput(), inspection: csvInspection() },
      deps,
    );

    // Assess
    expect(Object.keys(result.checksums)).toContain('wind');
    const written = store.get(ARTIFACTS_BUCKET, `converted/${LANDING_BUCKET}/${key}/v1.parquet`)!.body;
    expect((await parquetRows(written)).map((r) => r['wind'])).toEqual(['3', '7']);
  });
});

describe('validation keeps a column named __proto__', () => {
  it('writes its value into the quarantined row', async () => {
    // Prepare
    const contract = loadContract({
      schema: ["{ name: '__proto__', type: string }", '{ name: n, type: int32 }'],
      quality: ['{ name: n_positive, field: n, condition: greater_than, value: 0 }'],
    });
    const failed: FailedRow[] = [];
    const state = new ValidationState(contract, { onFailedRow: (row) => void failed.push(row) });

    // Act
    await state.add({ columns: ['__proto__', 'n'], rows: [['kept', '-1']], firstRow: 1 });

    // Assess
    expect(failed).toHaveLength(1);
    expect(Object.keys(failed[0]!.values)).toEqual(['__proto__', 'n']);
    expect(JSON.parse(JSON.stringify(failed[0]))).toMatchObject({ row: 1, values: { n: '-1' } });
    expect(JSON.stringify(failed[0]!.values)).toBe('{"__proto__":"kept","n":"-1"}');
  });
});
