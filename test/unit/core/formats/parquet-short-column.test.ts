/**
 * The error for a column chunk that decodes to fewer values than its row group has rows names the
 * column by its schema path, never by the reader's internal key (`c<n>`). The page checks refuse
 * every file that would get there, so the page headers the columnar decoder reads are shortened
 * after those checks, as a file that fooled them would be.
 */
import { describe, expect, it, vi } from 'vitest';

import type { ColumnSpec } from '../../../../lambdas/core/contracts/output-contract';
import { FormatError } from '../../../../lambdas/core/errors';
import { readParquetColumns } from '../../../../lambdas/core/formats/parquet-column-reader';
import { openParquet, shortColumnError } from '../../../../lambdas/core/formats/parquet-reader';
import { createParquetWriter } from '../../../../lambdas/core/formats/parquet-writer';
import type { TypedRow } from '../../../../lambdas/core/formats/table-io';
import { sourceOf, writeTable } from '../../../fixtures/parquet-arrow-tables';
import { nestedFile } from '../../../fixtures/parquet-nested-file';

const shorten = vi.hoisted(() => ({ on: false }));

vi.mock('hyparquet/src/column.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('hyparquet/src/column.js')>();
  return {
    ...original,
    parquetHeader: (reader: Parameters<typeof original.parquetHeader>[0]) => {
      const header = original.parquetHeader(reader);
      // One value fewer in every data page, as a header the checks did not see would declare.
      if (shorten.on && header.data_page_header) header.data_page_header.num_values -= 1;
      if (shorten.on && header.data_page_header_v2) {
        header.data_page_header_v2.num_values -= 1;
        header.data_page_header_v2.num_rows -= 1;
      }
      return header;
    },
  };
});

const SCHEMA: readonly ColumnSpec[] = [
  { name: 'id', type: 'int64', nullable: false },
  { name: 'amount', type: 'float64', nullable: true },
];
const ROWS: TypedRow[] = Array.from({ length: 40 }, (_, i) => [i, i % 4 === 0 ? null : i / 2]);

async function failure(read: AsyncIterable<unknown>): Promise<unknown> {
  try {
    for await (const batch of read) void batch;
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('a column chunk shorter than its row group', () => {
  it('is named by its schema path in the columnar reader’s error', async () => {
    // Arrange
    const bytes = await writeTable(createParquetWriter, SCHEMA, ROWS);
    shorten.on = true;

    // Act
    const error = await failure(readParquetColumns(sourceOf(bytes), { columns: ['amount'] })).finally(
      () => (shorten.on = false),
    );

    // Assert
    expect(error).toBeInstanceOf(FormatError);
    expect((error as Error).message).toBe(
      'test: row group 0, column amount: 39 values decoded, the footer says 40',
    );
  });

  it('is named by the path of its top-level field when the row reader reports it by key', async () => {
    // Arrange: the row reader counts values per top-level field, by the field's internal key
    const opened = await openParquet(sourceOf(nestedFile()));
    const nested = opened.leaves.find((l) => l.path.length > 1)!;

    // Act
    const byField = shortColumnError(sourceOf(new Uint8Array()), opened, 2, [nested.keys[0]!], 5, 9);
    const byLeaf = shortColumnError(sourceOf(new Uint8Array()), opened, 2, nested.keys, 5, 9);

    // Assert
    expect(nested.keys[0]).toMatch(/^c\d+$/);
    expect(byField.message).toBe(
      `test: row group 2, column ${nested.path[0]}: 5 values decoded, the footer says 9`,
    );
    expect(byLeaf.message).toBe(
      `test: row group 2, column ${nested.path.join('.')}: 5 values decoded, the footer says 9`,
    );
  });
});
