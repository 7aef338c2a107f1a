/** Partition values from Hive-style folders: parsing a part's key, typing its values, adding them as columns. */
import { describe, expect, it } from 'vitest';

import { parseContract } from '../../../../lambdas/core/contracts/parse-contract';
import { PartitionPathError } from '../../../../lambdas/core/errors';
import type { ColumnBatch } from '../../../../lambdas/core/formats/column-batch';
import { rawCellOf } from '../../../../lambdas/core/formats/column-batch';
import {
  partitionValuesOf,
  withoutPartitionColumns,
  withPartitionColumns,
} from '../../../../lambdas/core/validation/partition-values';
import { runValidation } from '../../../../lambdas/core/validation/run-validation';
import { bufferSource } from '../../../../lambdas/core/formats/byte-io';

const FOLDER = 'datasets/sales/orders/';

const CONTRACT = parseContract(
  [
    'pipeline: sales',
    'step: export',
    'output: orders',
    'path: datasets/sales/orders/',
    'format: csv',
    'partitioned: true',
    'partition_by: [date, region, shard]',
    'schema:',
    '  - { name: order_id, type: string, nullable: false }',
    '  - { name: date, type: date, nullable: false }',
    '  - { name: region, type: string }',
    '  - { name: shard, type: int32 }',
    'quality:',
    '  - { name: known_region, type: validity, field: region, condition: in_set, value: [eu, us] }',
  ].join('\n'),
  'orders.yaml',
);

function errorOf(fn: () => unknown): PartitionPathError {
  try {
    fn();
  } catch (error) {
    if (error instanceof PartitionPathError) return error;
    throw error;
  }
  throw new Error('expected a PartitionPathError');
}

describe('partitionValuesOf', () => {
  it('types each folder value by its schema column, in partition_by order', () => {
    // Arrange
    const key = `${FOLDER}date=2026-11-01/region=eu/shard=7/part-0.csv`;

    // Act
    const values = partitionValuesOf(CONTRACT, FOLDER, key);

    // Assess
    expect(values).toEqual([
      { column: 'date', text: '2026-11-01', value: '2026-11-01' },
      { column: 'region', text: 'eu', value: 'eu' },
      { column: 'shard', text: '7', value: 7 },
    ]);
  });

  it("undoes Hive's %-escapes and reads its default partition as null", () => {
    // Arrange
    const key = `${FOLDER}date=2026-11-01/region=north%2Fwest/shard=__HIVE_DEFAULT_PARTITION__/part-0.csv`;

    // Act
    const values = partitionValuesOf(CONTRACT, FOLDER, key);

    // Assess
    expect(values[1]).toEqual({ column: 'region', text: 'north/west', value: 'north/west' });
    expect(values[2]).toEqual({ column: 'shard', text: null, value: null });
  });

  it('refuses a value that is not of its column type, naming the key, the folder and the type', () => {
    // Arrange
    const key = `${FOLDER}date=2026-13-01/region=eu/shard=7/part-0.csv`;

    // Act
    const error = errorOf(() => partitionValuesOf(CONTRACT, FOLDER, key));

    // Assess
    expect(error.name).toBe('PartitionPathError');
    expect(error.key).toBe(key);
    expect(error.message).toBe(
      `${key}: folder 'date=2026-13-01': '2026-13-01' is not a date value for partition column 'date'`,
    );
  });

  it('refuses an int partition that does not parse', () => {
    // Arrange
    const key = `${FOLDER}date=2026-11-01/region=eu/shard=seven/part-0.csv`;

    // Act
    const error = errorOf(() => partitionValuesOf(CONTRACT, FOLDER, key));

    // Assess
    expect(error.message).toContain("'seven' is not a int32 value for partition column 'shard'");
  });

  it('refuses folders out of order or misnamed, and too few or too many of them', () => {
    // Arrange
    const swapped = `${FOLDER}region=eu/date=2026-11-01/shard=1/part-0.csv`;
    const plain = `${FOLDER}2026-11-01/eu/1/part-0.csv`;
    const shallow = `${FOLDER}date=2026-11-01/part-0.csv`;
    const flat = `${FOLDER}part-0.csv`;

    // Act
    const errors = [swapped, plain, shallow, flat].map((k) =>
      errorOf(() => partitionValuesOf(CONTRACT, FOLDER, k)),
    );

    // Assess
    expect(errors[0]!.message).toContain("folder 1 is 'region=eu', expected 'date=<value>'");
    expect(errors[1]!.message).toContain("folder 1 is '2026-11-01', expected 'date=<value>'");
    expect(errors[2]!.message).toContain('1 folder below the output');
    expect(errors[3]!.message).toContain('0 folders below the output');
    expect(errors.map((e) => e.key)).toEqual([swapped, plain, shallow, flat]);
  });

  it('gives nothing when the contract declares no partition columns, whatever the folders', () => {
    // Arrange
    const { partitionBy: _declared, ...plain } = CONTRACT;

    // Act
    const values = partitionValuesOf(plain, FOLDER, `${FOLDER}date=x/part-0.csv`);

    // Assess
    expect(values).toEqual([]);
  });
});

describe('withPartitionColumns', () => {
  async function* one(batch: ColumnBatch): AsyncIterable<ColumnBatch> {
    yield await Promise.resolve(batch);
  }
  const batch: ColumnBatch = {
    columns: ['order_id'],
    vectors: [{ kind: 'cells', values: ['a', 'b'] }],
    length: 2,
    firstRow: 1,
  };

  it('appends each value as a column of every row', async () => {
    // Arrange
    const values = partitionValuesOf(CONTRACT, FOLDER, `${FOLDER}date=2026-11-01/region=eu/shard=3/p.csv`);

    // Act
    const out: ColumnBatch[] = [];
    for await (const b of withPartitionColumns(one(batch), values, 'p')) out.push(b);

    // Assess
    expect(out[0]!.columns).toEqual(['order_id', 'date', 'region', 'shard']);
    expect([0, 1].map((r) => out[0]!.vectors.map((v) => rawCellOf(v!, r)))).toEqual([
      ['a', '2026-11-01', 'eu', '3'],
      ['b', '2026-11-01', 'eu', '3'],
    ]);
  });

  it('refuses a part whose file holds a partition column too', async () => {
    // Arrange
    const values = partitionValuesOf(CONTRACT, FOLDER, `${FOLDER}date=2026-11-01/region=eu/shard=3/p.csv`);
    const clashing: ColumnBatch = { ...batch, columns: ['region'] };

    // Act
    const run = async () => {
      for await (const _ of withPartitionColumns(one(clashing), values, 'k/p.csv')) void _;
    };

    // Assess
    await expect(run()).rejects.toThrow("k/p.csv: column 'region' is both in the file and in its folder");
  });
});

describe('validation with partition values', () => {
  it('checks rules on a partition column as on any column', async () => {
    // Arrange
    const key = `${FOLDER}date=2026-11-01/region=apac/shard=1/part-0.csv`;
    const values = partitionValuesOf(CONTRACT, FOLDER, key);
    const source = bufferSource(new TextEncoder().encode('order_id\na\nb\n'), 'part-0.csv');

    // Act
    const run = await runValidation(CONTRACT, source, {
      openSource: () => {
        throw new Error('no references');
      },
      partition: { key, values },
    });

    // Assess
    expect(run.report.status).toBe('failed');
    expect(run.report.failedRules).toEqual(['known_region']);
    expect(run.report.rowCount).toBe(2);
  });

  it('converts a part by its own columns: the partition columns stay in the folders', () => {
    // Act
    const own = withoutPartitionColumns(CONTRACT);

    // Assess
    expect(own.schema.map((c) => c.name)).toEqual(['order_id']);
    expect(own.quality).toEqual([]);
  });
});
