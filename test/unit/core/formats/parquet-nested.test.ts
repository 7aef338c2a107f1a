/**
 * Nested Parquet columns (lists, maps, structs holding them) and intervals: read as JSON text
 * instead of making the whole file unreadable, and not decoded at all when not selected. Also the
 * 0-row file, graded by its schema.
 */
import { parquetMetadata } from 'hyparquet';
import { describe, expect, it } from 'vitest';

import type { ColumnSpec } from '../../../../lambdas/core/contracts/output-contract';
import { parquetSchemaOf, readParquet } from '../../../../lambdas/core/formats/parquet-reader';
import { createParquetWriter } from '../../../../lambdas/core/formats/parquet-writer';
import { runValidation } from '../../../../lambdas/core/validation/run-validation';
import { outputContract } from '../../../fixtures/output-contract';
import { nestedFile } from '../../../fixtures/parquet-nested-file';
import { readAll, sourceOf, writeTable } from '../../../fixtures/parquet-arrow-tables';

describe('nested Parquet columns', () => {
  it('reads lists, maps and structs as canonical JSON text, a field named __proto__ included', async () => {
    // Act
    const batches = await readAll(readParquet(sourceOf(nestedFile())));

    // Assess
    expect(batches).toEqual([
      {
        columns: ['id', 'tags', 'attrs', 's.__proto__', 's.amount', 'wait'],
        rows: [
          [1, '["a",null]', '{"__proto__x":2,"zeta":1}', 5, '12.34', '{"months":1,"days":2,"millis":3000}'],
          [2, '[]', '{}', null, null, null],
          [3, null, null, null, '-0.05', '{"months":0,"days":0,"millis":0}'],
        ],
        firstRow: 1,
      },
    ]);
  });

  it('reads the columns asked for without decoding a nested column it skips', async () => {
    // Prepare: the list column's first page header is overwritten with garbage
    const bytes = nestedFile();
    const footer = parquetMetadata(bytes);
    const tags = footer.row_groups[0]!.columns.find((c) => c.meta_data!.path_in_schema[0] === 'tags')!;
    const broken = bytes.slice();
    broken.fill(0xff, Number(tags.meta_data!.data_page_offset), Number(tags.meta_data!.data_page_offset) + 4);

    // Act
    const batches = await readAll(readParquet(sourceOf(broken), { columns: ['id', 's.amount'] }));

    // Assess: the selected columns are read; the broken list column fails only when read
    expect(batches.flatMap((b) => b.rows)).toEqual([
      [1, '12.34'],
      [2, null],
      [3, '-0.05'],
    ]);
    await expect(readAll(readParquet(sourceOf(broken)))).rejects.toThrow(
      /column tags\.list\.element: corrupt page header/,
    );
  });

  it('describes nested columns as strings (JSON text) and intervals as strings', async () => {
    // Act
    const schema = await parquetSchemaOf(sourceOf(nestedFile()));

    // Assess
    expect(schema).toEqual([
      { name: 'id', type: 'int32', nullable: false },
      { name: 'tags', type: 'string', nullable: true },
      { name: 'attrs', type: 'string', nullable: true },
      { name: 's.__proto__', type: 'int32', nullable: true },
      { name: 's.amount', type: 'decimal', precision: 5, scale: 2, nullable: true },
      { name: 'wait', type: 'string', nullable: true },
    ]);
  });

  it('holds a nested value to maxFieldLength as JSON text', async () => {
    // Act + Assess
    await expect(readAll(readParquet(sourceOf(nestedFile()), { maxFieldLength: 5 }))).rejects.toThrow(
      /row group 0, row 1, column tags: a nested value of more than 5 characters/,
    );
  });
});

describe('a Parquet file without rows', () => {
  const SCHEMA: readonly ColumnSpec[] = [
    { name: 'id', type: 'int64', nullable: false },
    { name: 'label', type: 'string', nullable: true },
  ];

  it('passes the schema checks of a contract naming its columns', async () => {
    // Prepare
    const bytes = await writeTable(createParquetWriter, SCHEMA, []);
    const contract = outputContract({ format: 'parquet', schema: SCHEMA, allowExtraColumns: false });

    // Act
    const { report } = await runValidation(contract, sourceOf(bytes, 'empty.parquet'), {
      openSource: () => {
        throw new Error('no reference is read');
      },
    });

    // Assess
    expect(report.rowCount).toBe(0);
    expect(report.schema.columns.map((c) => [c.name, c.finding])).toEqual([
      ['id', 'ok'],
      ['label', 'ok'],
    ]);
    expect(report.schema.level).toBe('strict');
  });
});
