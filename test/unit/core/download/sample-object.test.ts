import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';

import type { ColumnSpec, OutputContract } from '../../../../lambdas/core/contracts/output-contract';
import { rangedSource } from '../../../../lambdas/core/download/ranged-source';
import { sampleParts, sampleTable } from '../../../../lambdas/core/download/sample-object';
import { FormatError } from '../../../../lambdas/core/errors';
import { BufferSink } from '../../../../lambdas/core/formats/byte-io';
import { openTable } from '../../../../lambdas/core/formats/open-table';
import { bufferSource } from '../../../../lambdas/core/formats/byte-io';
import { createParquetWriter } from '../../../../lambdas/core/formats/parquet-writer';

const CSV_ROWS = 200_000;
const CSV = `order_id,customer_id,amount\n${Array.from({ length: CSV_ROWS }, (_v, i) => `o-${i},${(i % 97) + 1},${(i * 1.25).toFixed(2)}`).join('\n')}\n`;

/** A ranged source over bytes in memory that counts what it serves, like S3 ranged GETs. */
function remote(bytes: Uint8Array, name: string) {
  return rangedSource(name, bytes.length, (start, end) => Promise.resolve(bytes.slice(start, end)));
}

async function rowsOf(bytes: Uint8Array, name: string) {
  const opened = await openTable(bufferSource(bytes, name));
  const rows: unknown[][] = [];
  let columns: readonly string[] = [];
  for await (const batch of opened.batches) {
    columns = batch.columns;
    rows.push(...batch.rows.map((r) => [...r]));
  }
  return { format: opened.format, columns, rows };
}

describe('sampleTable', () => {
  it('writes the first N rows of a CSV, reading only the start of the object', async () => {
    // Prepare
    const bytes = Buffer.from(CSV);
    const source = remote(bytes, 's3://b/orders.csv');
    const sink = new BufferSink('sample.csv');

    // Act
    const result = await sampleTable(source, sink, { rows: 5 });

    // Assess
    expect(result).toEqual({
      from: 'csv',
      to: 'csv',
      rows: 5,
      columns: ['order_id', 'customer_id', 'amount'],
      limitedByRowGroup: false,
    });
    expect(Buffer.from(sink.bytes()).toString()).toBe(
      'order_id,customer_id,amount\no-0,1,0.00\no-1,2,1.25\no-2,3,2.50\no-3,4,3.75\no-4,5,5.00\n',
    );
    // The format check reads the first 64 KiB, the reader one more 64 KiB range: not the 4 MB object.
    expect(source.bytesFetched()).toBeLessThanOrEqual(2 * 64 * 1024);
    expect(bytes.length).toBeGreaterThan(4e6);
  });

  it('converts the sample to another format on the way', async () => {
    // Prepare
    const source = remote(Buffer.from(CSV), 's3://b/orders.csv');
    const sink = new BufferSink('sample.jsonl');

    // Act
    await sampleTable(source, sink, { rows: 2, to: 'jsonl' });

    // Assess
    expect(
      Buffer.from(sink.bytes())
        .toString()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as unknown),
    ).toEqual([
      { order_id: 'o-0', customer_id: '1', amount: '0.00' },
      { order_id: 'o-1', customer_id: '2', amount: '1.25' },
    ]);
  });

  it('types the sample by a contract and refuses a value that does not fit', async () => {
    // Prepare
    const schema: ColumnSpec[] = [
      { name: 'order_id', type: 'string', nullable: false },
      { name: 'customer_id', type: 'int64', nullable: false },
      { name: 'amount', type: 'float64', nullable: true },
    ];
    const contract = {
      pipeline: 'p',
      step: 's',
      output: 'o',
      path: 'x/',
      format: 'csv',
      csv: { delimiter: ',', header: true },
      compatibility: 'compatible',
      inputs: [],
      allowExtraColumns: true,
      schema,
      quality: [],
    } as unknown as OutputContract;
    const bad = remote(Buffer.from('order_id,customer_id,amount\no-1,seven,1\n'), 's3://b/bad.csv');
    const good = remote(Buffer.from(CSV), 's3://b/orders.csv');
    const sink = new BufferSink('sample.parquet');

    // Act
    const typed = await sampleTable(good, sink, { rows: 3, to: 'parquet', contract });
    const act = sampleTable(bad, new BufferSink(), { rows: 3, contract });

    // Assess
    expect(typed.rows).toBe(3);
    const back = await rowsOf(sink.bytes(), 'sample.parquet');
    expect(back.rows).toEqual([
      ['o-0', 1, 0],
      ['o-1', 2, 1.25],
      ['o-2', 3, 2.5],
    ]);
    await expect(act).rejects.toBeInstanceOf(FormatError);
    await expect(act).rejects.toThrow("row 1: 'seven' in customer_id is not int64");
  });

  it('takes a Parquet sample from the first row group only', async () => {
    // Prepare: 4 row groups of 1000 rows, incompressible labels so the groups have real weight.
    const schema: ColumnSpec[] = [
      { name: 'id', type: 'int64', nullable: false },
      { name: 'label', type: 'string', nullable: true },
    ];
    const file = new BufferSink('groups.parquet');
    const writer = createParquetWriter(file, { schema, parquet: { rowGroupRows: 1000 } });
    await writer.write(
      Array.from({ length: 4000 }, (_v, i) => [BigInt(i), randomBytes(150).toString('hex')]),
    );
    await writer.close();
    const bytes = file.bytes();
    const source = remote(bytes, 's3://b/groups.parquet');
    const sink = new BufferSink('sample.parquet');

    // Act
    const result = await sampleTable(source, sink, { rows: 5000 });

    // Assess
    expect(result).toMatchObject({ from: 'parquet', to: 'parquet', rows: 1000, limitedByRowGroup: true });
    const back = await rowsOf(sink.bytes(), 'sample.parquet');
    expect(back.rows).toHaveLength(1000);
    expect(back.rows.at(-1)?.[0]).toBe(999);
    // Footer and the first group only: about a quarter of the file, not all of it.
    expect(source.bytesFetched()).toBeLessThan(bytes.length * 0.5);
  });

  it('refuses a sample of no rows', async () => {
    // Act
    const act = sampleTable(remote(Buffer.from(CSV), 'x.csv'), new BufferSink(), { rows: 0 });

    // Assess
    await expect(act).rejects.toThrow(RangeError);
  });
});

describe('sampleParts', () => {
  it('takes the first N rows across the parts in order, reading no part beyond what it needs', async () => {
    // Prepare
    const first = remote(Buffer.from('a,b\n1,x\n2,y\n'), 's3://b/t/p=1/part-0.csv');
    const second = remote(Buffer.from('a,b\n3,z\n4,w\n'), 's3://b/t/p=2/part-0.csv');
    const third = remote(Buffer.from('a,b\n5,v\n'), 's3://b/t/p=3/part-0.csv');
    const sink = new BufferSink('sample.csv');

    // Act
    const result = await sampleParts([first, second, third], sink, { rows: 3 });

    // Assess
    expect(result).toMatchObject({ rows: 3, partsRead: 2, columns: ['a', 'b'] });
    expect(Buffer.from(sink.bytes()).toString('utf8')).toBe('a,b\n1,x\n2,y\n3,z\n');
    expect(third.bytesFetched()).toBe(0);
  });

  it('refuses a later part with a column the first has not, instead of dropping it silently', async () => {
    // Prepare
    const first = remote(Buffer.from('a\n1\n'), 's3://b/t/p=1/part-0.csv');
    const second = remote(Buffer.from('a,extra\n2,x\n'), 's3://b/t/p=2/part-0.csv');

    // Act
    const act = sampleParts([first, second], new BufferSink('sample.csv'), { rows: 5 });

    // Assess
    await expect(act).rejects.toBeInstanceOf(FormatError);
    await expect(act).rejects.toThrow(
      's3://b/t/p=2/part-0.csv has column extra that s3://b/t/p=1/part-0.csv has not',
    );
  });
});
