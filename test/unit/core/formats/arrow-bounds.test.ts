/**
 * The Arrow reader's bound on declared rows (a Null column stores any row count in no bytes) and
 * its schema-only streams, which must still declare their columns.
 */
import {
  Field,
  Int32,
  makeData,
  Null,
  RecordBatch,
  RecordBatchStreamWriter,
  Schema,
  Struct,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';

import type { ColumnSpec } from '../../../../lambdas/core/contracts/output-contract';
import { FormatError } from '../../../../lambdas/core/errors';
import { DEFAULT_MAX_RECORD_BATCH_ROWS, readArrow } from '../../../../lambdas/core/formats/arrow-reader';
import { createArrowWriter } from '../../../../lambdas/core/formats/arrow-writer';
import { openTable } from '../../../../lambdas/core/formats/open-table';
import { validateRecords } from '../../../../lambdas/core/validation/validate-records';
import { outputContract } from '../../../fixtures/output-contract';
import { readAll, sourceOf, writeTable } from '../../../fixtures/parquet-arrow-tables';

/** An IPC stream of one record batch holding a Null column of `rows` rows: 240 bytes whatever `rows`. */
function nullColumnStream(rows: number): Uint8Array {
  const schema = new Schema([new Field('n', new Null(), true)]);
  const children = [makeData({ type: new Null(), length: rows })];
  const batch = new RecordBatch(
    schema,
    makeData({ type: new Struct(schema.fields), length: rows, children }),
  );
  return RecordBatchStreamWriter.writeAll([batch]).toUint8Array(true);
}

async function rowsAndFailure(
  bytes: Uint8Array,
  options: { maxRecordBatchRows?: number } = {},
): Promise<{ rows: number; error: unknown }> {
  let rows = 0;
  try {
    for await (const batch of readArrow(sourceOf(bytes, 'nulls.arrow'), options)) rows += batch.rows.length;
    return { rows, error: undefined };
  } catch (error) {
    return { rows, error };
  }
}

const SCHEMA: readonly ColumnSpec[] = [
  { name: 'id', type: 'int64', nullable: false },
  { name: 'label', type: 'string', nullable: true },
];

describe('Arrow record batch bounds', () => {
  it('states its default', () => {
    // Assess
    expect(DEFAULT_MAX_RECORD_BATCH_ROWS).toBe(10_000_000);
  });

  it('Compliance: a Null column at the row limit is read', async () => {
    // Act
    const { rows, error } = await rowsAndFailure(nullColumnStream(2000), { maxRecordBatchRows: 2000 });

    // Assess
    expect(error).toBeUndefined();
    expect(rows).toBe(2000);
  });

  it('Noncompliance 1: a Null column declaring more rows than maxRecordBatchRows, before any row is yielded', async () => {
    // Act
    const { rows, error } = await rowsAndFailure(nullColumnStream(2001), { maxRecordBatchRows: 2000 });

    // Assess
    expect(rows).toBe(0);
    expect(error).toBeInstanceOf(FormatError);
    expect((error as FormatError).message).toMatch(
      /^nulls\.arrow: Arrow record batch 0 declares 2001 rows, above the limit of 2000 \(maxRecordBatchRows\)/,
    );
    expect((error as FormatError).location?.byteOffset).toBeGreaterThan(0);
  });

  it('Noncompliance 2: 2e9 rows of a Null column in 240 bytes end at the default limit', async () => {
    // Prepare
    const bytes = nullColumnStream(2e9);
    expect(bytes.byteLength).toBeLessThan(300);

    // Act
    const { rows, error } = await rowsAndFailure(bytes);

    // Assess
    expect(rows).toBe(0);
    expect((error as FormatError).message).toMatch(/declares 2000000000 rows, above the limit of 10000000/);
  });
});

describe('Arrow data without rows', () => {
  it('yields one empty batch with the columns of a schema-only stream', async () => {
    // Prepare
    const schema = new Schema([new Field('id', new Int32(), false), new Field('label', new Null(), true)]);
    const writer = new RecordBatchStreamWriter();
    writer.reset(undefined, schema);
    const bytes = writer.toUint8Array(true);

    // Act
    const batches = await readAll(readArrow(sourceOf(bytes)));

    // Assess
    expect(batches).toEqual([{ columns: ['id', 'label'], rows: [], firstRow: 1 }]);
  });

  it('grades a 0-row Arrow file by its schema: the contract columns are present', async () => {
    // Prepare
    const bytes = await writeTable((sink, o) => createArrowWriter(sink, { ...o, file: true }), SCHEMA, []);
    const contract = outputContract({ format: 'arrow', schema: SCHEMA, allowExtraColumns: false });

    // Act
    const opened = await openTable(sourceOf(bytes, 'empty.arrow'));
    const report = await validateRecords(contract, opened.batches);

    // Assess
    expect(report.rowCount).toBe(0);
    expect(report.schema.columns.map((c) => [c.name, c.finding])).toEqual([
      ['id', 'ok'],
      ['label', 'ok'],
    ]);
  });
});
