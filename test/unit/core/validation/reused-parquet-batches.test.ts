/**
 * Validation over a Parquet reader that reuses its arrays (readParquetColumns' reuseBatches, as
 * openTable hands it to the validator): the engine keeps nothing of a batch but strings and
 * numbers, so the report and every quarantined row must be those of the reader that allocates per
 * row group, even for failing rows of early row groups whose typed arrays, validity, dictionary
 * indices and text offsets later row groups overwrote. Seeded random files of row groups of
 * different lengths, whose chunks choose dictionary or plain pages by their values.
 */
import fc from 'fast-check';
import type { SchemaElement } from 'hyparquet';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';

import { readParquetColumns } from '../../../../lambdas/core/formats/parquet-column-reader';
import { validateColumns } from '../../../../lambdas/core/validation/validate-records';
import type { FailedRow, ValidationReport } from '../../../../lambdas/core/validation/validation-report';
import { sourceOf } from '../../../fixtures/parquet-arrow-tables';
import { reusedBatchesContract } from '../../../fixtures/reused-batches-contract';
import { seededRandom } from '../../../fixtures/seeded-random';

const CONTRACT = reusedBatchesContract('parquet', [
  "{ name: email_shape, field: email, condition: matches, value: '^[a-z0-9]+@[a-z.]+$', threshold: 0.5, severity: warn }",
]);

const SCHEMA: SchemaElement[] = [
  { name: 'root', num_children: 6 },
  { name: 'id', type: 'INT64', repetition_type: 'OPTIONAL' },
  { name: 'customer_id', type: 'INT64', repetition_type: 'OPTIONAL' },
  { name: 'amount', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
  {
    name: 'ordered_at',
    type: 'INT64',
    repetition_type: 'OPTIONAL',
    logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' },
  },
  { name: 'email', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
  { name: 'category', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
];

/** Row groups of the given lengths; a row group with `few` draws few distinct values. */
function ordersFile(seed: number, groups: readonly { rows: number; few: boolean }[]): Uint8Array {
  const random = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const data: Record<string, unknown[]> = Object.fromEntries(SCHEMA.slice(1).map((e) => [e.name, []]));
  let id = 0;
  for (const { rows, few } of groups) {
    for (let i = 0; i < rows; i++) {
      id++;
      data['id']!.push(random() < 0.002 ? null : BigInt(id));
      data['customer_id']!.push(few ? pick([1n, 7n, 250_000n]) : BigInt(Math.floor(random() * 210_000)));
      data['amount']!.push(
        random() < 0.05
          ? null
          : few
            ? pick([12.5, -3, 10_000])
            : Math.round((random() * 10_050 - 20) * 100) / 100,
      );
      data['ordered_at']!.push(1_700_000_000_000_000n + BigInt(Math.floor(random() * 1e12)));
      data['email']!.push(
        random() < 0.04
          ? null
          : few
            ? pick(['a@x.io', 'Bob@X', 'é@ü.de'])
            : `user${Math.floor(random() * 1e6)}@example.com`,
      );
      data['category']!.push(random() < 0.01 ? null : pick(['books', 'toys', 'home, garden']));
    }
  }
  const writer = new ByteWriter();
  const parquet = new ParquetWriter({ writer, schema: SCHEMA, codec: 'SNAPPY', statistics: false });
  void parquet.write({
    rowGroupSize: groups.map((g) => g.rows),
    pageSize: 4000,
    columnData: SCHEMA.slice(1).map((e) => ({ name: e.name, data: data[e.name]! })),
  });
  void parquet.finish();
  return writer.getBytes();
}

async function validate(
  bytes: Uint8Array,
  batchSize: number | undefined,
  reuseBatches: boolean,
): Promise<{ report: ValidationReport; failed: FailedRow[] }> {
  const failed: FailedRow[] = [];
  const batches = readParquetColumns(sourceOf(bytes), {
    columns: CONTRACT.schema.map((c) => c.name),
    presentOnly: true,
    stringsAsText: true,
    reuseBatches,
    ...(batchSize ? { batchSize } : {}),
  });
  const report = await validateColumns(CONTRACT, batches, {
    onFailedRow: (row) => {
      failed.push(row);
    },
    now: () => new Date('2026-12-07T00:00:00Z'),
  });
  return { report, failed };
}

describe('validation over a Parquet reader that reuses its arrays', () => {
  it('reports and quarantines what the allocating reader gives, for seeded random files', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer(),
        fc.array(fc.record({ rows: fc.integer({ min: 1, max: 900 }), few: fc.boolean() }), {
          minLength: 2,
          maxLength: 5,
        }),
        fc.option(fc.integer({ min: 50, max: 700 }), { nil: undefined }),
        async (seed, groups, batchSize) => {
          // Arrange
          const bytes = ordersFile(seed, groups);

          // Act
          const expected = await validate(bytes, batchSize, false);
          const actual = await validate(bytes, batchSize, true);

          // Assert
          expect(actual.failed).toEqual(expected.failed);
          expect(actual.report).toEqual(expected.report);
        },
      ),
      { numRuns: 25, seed: 20261207 },
    );
  });

  it('quarantines failing rows of the first row group with their values after its arrays were reused', async () => {
    // Arrange: three row groups of 800, 800 and 300 rows; amounts of 10,000 fail amount_below_cap
    const bytes = ordersFile(11, [
      { rows: 800, few: true },
      { rows: 800, few: false },
      { rows: 300, few: true },
    ]);

    // Act
    const expected = await validate(bytes, undefined, false);
    const actual = await validate(bytes, undefined, true);

    // Assert: failing rows in the first row group, quarantined with the values they had there
    expect(expected.failed.some((f) => f.row <= 800)).toBe(true);
    expect(actual.failed).toEqual(expected.failed);
    expect(actual.report).toEqual(expected.report);
  });
});
