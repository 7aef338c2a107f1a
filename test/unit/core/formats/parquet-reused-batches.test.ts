/**
 * readParquetColumns with reuseBatches: a batch is valid only until the next is asked for, as with
 * readCsvColumns. A consumer that copies out what it keeps before asking for the next batch sees
 * exactly what the allocating reader gives (values, nulls, the zeros under nulls, texts, errors),
 * whatever the row groups' lengths and the encodings their chunks chose; one that keeps a batch
 * past the next request sees it overwritten by the next row group.
 */
import fc from 'fast-check';
import type { SchemaElement } from 'hyparquet';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';

import {
  rawCellOf,
  type ColumnBatch,
  type ColumnVector,
} from '../../../../lambdas/core/formats/column-batch';
import { readParquetColumns } from '../../../../lambdas/core/formats/parquet-column-reader';
import type { ParquetReadOptions } from '../../../../lambdas/core/formats/parquet-reader';
import { sourceOf } from '../../../fixtures/parquet-arrow-tables';
import { seededRandom } from '../../../fixtures/seeded-random';

const SCHEMA: SchemaElement[] = [
  { name: 'root', num_children: 10 },
  { name: 's', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
  { name: 'i64', type: 'INT64', repetition_type: 'OPTIONAL' },
  { name: 'f64', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
  { name: 'i32', type: 'INT32', repetition_type: 'OPTIONAL' },
  { name: 'day', type: 'INT32', repetition_type: 'OPTIONAL', converted_type: 'DATE' },
  {
    name: 'ts',
    type: 'INT64',
    repetition_type: 'OPTIONAL',
    logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' },
  },
  { name: 'flag', type: 'BOOLEAN', repetition_type: 'OPTIONAL' },
  { name: 'delta', type: 'INT64', repetition_type: 'OPTIONAL' },
  { name: 'req', type: 'INT32', repetition_type: 'REQUIRED' },
  { name: 'u32', type: 'INT32', repetition_type: 'OPTIONAL', converted_type: 'UINT_32' },
];

/** How one row group's values are drawn: its chunks choose their encodings from these. */
interface Group {
  readonly rows: number;
  readonly nulls: number;
  /** Few distinct values: the writer picks dictionary pages; many: plain pages. */
  readonly few: boolean;
  /** Strings outside ASCII: a cells vector instead of text. */
  readonly nonAscii: boolean;
  /** One string longer than the others (maxFieldLength is set between them). */
  readonly long: boolean;
}

/** A file of row groups of the given lengths, each column's encoding chosen per chunk. */
function groupsFile(groups: readonly Group[], seed: number, pageSize: number): Uint8Array {
  const random = seededRandom(seed);
  const data: Record<string, unknown[]> = Object.fromEntries(SCHEMA.slice(1).map((e) => [e.name, []]));
  for (const g of groups) {
    for (let i = 0; i < g.rows; i++) {
      const put = (name: string, make: () => unknown): void => {
        data[name]!.push(random() < g.nulls ? null : make());
      };
      const k = g.few ? Math.floor(random() * 3) : Math.floor(random() * 1e9);
      put('s', () =>
        g.long && i === g.rows - 1 ? 'a string far too long' : `${g.nonAscii ? 'é' : 's'}${k}`,
      );
      put('i64', () => (g.few ? BigInt(k) : 2n ** 62n - BigInt(k) * 977n));
      put('f64', () => (g.few ? k / 2 : (random() - 0.5) * 1e12));
      put('i32', () => k | 0);
      put('day', () => (k % 4_000_000) - 719_162);
      put('ts', () => BigInt(k) * 1_000_003n - 10n ** 15n);
      put('flag', () => k % 2 === 0);
      put('delta', () => BigInt(k) - 500n);
      data['req']!.push(k | 0);
      put('u32', () => k % 2 ** 32);
    }
  }
  const writer = new ByteWriter();
  const parquet = new ParquetWriter({ writer, schema: SCHEMA, codec: 'SNAPPY', statistics: false });
  void parquet.write({
    rowGroupSize: groups.map((g) => g.rows),
    pageSize,
    columnData: SCHEMA.slice(1).map((e) => ({
      name: e.name,
      data: data[e.name]!,
      ...(e.name === 'delta' ? { encoding: 'DELTA_BINARY_PACKED' as const } : {}),
    })),
  });
  void parquet.finish();
  return writer.getBytes();
}

/** Everything a vector holds, copied (typed arrays as arrays), with its cells through rawCellOf. */
function copyOf(v: ColumnVector, length: number): Record<string, unknown> {
  const out: Record<string, unknown> = {
    cells: Array.from({ length }, (_, r) => rawCellOf(v, r)),
  };
  for (const [key, value] of Object.entries(v)) {
    if (typeof value === 'function') continue;
    out[key] = ArrayBuffer.isView(value)
      ? Array.from(value as unknown as ArrayLike<unknown>)
      : Array.isArray(value)
        ? [...(value as unknown[])]
        : value;
  }
  return out;
}

type Outcome = {
  readonly batches: unknown[];
  readonly error: { readonly type: string; readonly message: string } | null;
};

/** A consumer that copies each batch out before it asks for the next. */
async function copiedRead(bytes: Uint8Array, options: ParquetReadOptions): Promise<Outcome> {
  const batches: unknown[] = [];
  try {
    for await (const b of readParquetColumns(sourceOf(bytes), options)) {
      batches.push({
        columns: [...b.columns],
        length: b.length,
        firstRow: b.firstRow,
        vectors: b.vectors.map((v) => v && copyOf(v, b.length)),
      });
    }
  } catch (e) {
    const error = e as Error;
    return { batches, error: { type: error.constructor.name, message: error.message } };
  }
  return { batches, error: null };
}

const groupArb = fc.record({
  rows: fc.integer({ min: 1, max: 400 }),
  nulls: fc.constantFrom(0, 0.1, 0.5, 1),
  few: fc.boolean(),
  nonAscii: fc.boolean(),
  long: fc.boolean(),
});

describe('readParquetColumns with reuseBatches', () => {
  it('gives what the allocating reader gives, batch by batch, over row groups of different lengths and encodings (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(groupArb, { minLength: 2, maxLength: 6 }),
        fc.integer(),
        fc.integer({ min: 200, max: 6000 }),
        fc.record({
          stringsAsText: fc.boolean(),
          batchSize: fc.option(fc.integer({ min: 1, max: 500 }), { nil: undefined }),
          maxFieldLength: fc.option(fc.constant(12), { nil: undefined }),
          columns: fc.option(
            fc.subarray(
              SCHEMA.slice(1).map((e) => e.name),
              { minLength: 1 },
            ),
            {
              nil: undefined,
            },
          ),
        }),
        async (groups, seed, pageSize, drawn) => {
          // Arrange
          const bytes = groupsFile(groups, seed, pageSize);
          const options: ParquetReadOptions = Object.fromEntries(
            Object.entries(drawn).filter(([, v]) => v !== undefined),
          );

          // Act
          const expected = await copiedRead(bytes, options);
          const actual = await copiedRead(bytes, { ...options, reuseBatches: true });

          // Assert
          expect(actual).toEqual(expected);
        },
      ),
      { numRuns: 60, seed: 20261207 },
    );
  });

  it('overwrites a batch kept past the next request (the contract is real)', async () => {
    // Arrange: two row groups of 300 rows with nulls in both, plain numbers in each
    const group: Group = { rows: 300, nulls: 0.2, few: false, nonAscii: false, long: false };
    const bytes = groupsFile([group, group], 7, 100_000);
    const read = async (
      reuseBatches: boolean,
    ): Promise<{ kept: ColumnBatch; keptCells: unknown; second: ColumnBatch }> => {
      const batches = readParquetColumns(sourceOf(bytes), { columns: ['i64', 'f64'], reuseBatches });
      const kept = (await batches.next()).value as ColumnBatch;
      const keptCells = copyOf(kept.vectors[1]!, kept.length)['cells'];
      const second = (await batches.next()).value as ColumnBatch;
      return { kept, keptCells, second };
    };

    // Act
    const reused = await read(true);
    const allocated = await read(false);

    // Assert: with reuse, the kept batch's vectors are the second's arrays and now hold its
    // values; without, the kept batch is as it was read
    const cells = (b: ColumnBatch, i: number): unknown => copyOf(b.vectors[i]!, b.length)['cells'];
    expect(reused.keptCells).toEqual(allocated.keptCells);
    expect(cells(reused.kept, 1)).toEqual(cells(reused.second, 1));
    expect(cells(reused.kept, 2)).toEqual(cells(reused.second, 2));
    expect(cells(reused.kept, 1)).not.toEqual(reused.keptCells);
    expect(cells(allocated.kept, 1)).toEqual(allocated.keptCells);
    expect(cells(allocated.kept, 1)).not.toEqual(cells(allocated.second, 1));
  });
});
