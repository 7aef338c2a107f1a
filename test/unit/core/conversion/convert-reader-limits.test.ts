/**
 * convertTable holds its input to the reader limits it is given, and reads its own output back
 * within them too, except that a Parquet or Arrow structure limit lowered for inputs does not
 * apply to the row groups and batches its own writers cut (100,000 rows): a correct conversion is
 * never refused by the bound meant for other writers' files.
 */
import { describe, expect, it } from 'vitest';

import { convertTable } from '../../../../lambdas/core/conversion/convert-table';
import type { DataFormat } from '../../../../lambdas/core/contracts/output-contract';
import { FormatError } from '../../../../lambdas/core/errors';
import { BufferSink, bufferSource, type ByteSource } from '../../../../lambdas/core/formats/byte-io';
import type { ReaderLimits } from '../../../../lambdas/core/formats/table-io';
import { failureOf, utf8, writeTable } from '../../../fixtures/format-io';

const CSV = `id,name\n${Array.from({ length: 10 }, (_, i) => `${i},n${i}`).join('\n')}\n`;

function convert(source: ByteSource, to: DataFormat, readerLimits: ReaderLimits) {
  const sink = new BufferSink(`out.${to}`);
  return convertTable(source, sink, () => bufferSource(sink.bytes(), sink.name), { to, readerLimits });
}

describe('convertTable within reader limits', () => {
  it.each([
    ['parquet', { maxRowGroupRows: 5 }],
    ['parquet', { maxRowGroupBytes: 1 }],
    ['arrow', { maxRecordBatchRows: 5 }],
  ] as const)('reads back its own %s output whatever %o was lowered to for inputs', async (to, limits) => {
    // Prepare
    const source = bufferSource(utf8(CSV), 'in.csv');

    // Act
    const result = await convert(source, to, limits);

    // Assess
    expect({ rowsIn: result.rowsIn, rowsOut: result.rowsOut, equivalent: result.equivalent }).toEqual({
      rowsIn: 10,
      rowsOut: 10,
      equivalent: true,
    });
  });

  it('holds a Parquet input to the lowered maxRowGroupRows', async () => {
    // Prepare
    const bytes = await writeTable(
      'parquet',
      [{ name: 'id', type: 'int32', nullable: false }],
      Array.from({ length: 10 }, (_, i) => [i]),
    );

    // Act
    const error = await failureOf(convert(bufferSource(bytes, 'in.parquet'), 'csv', { maxRowGroupRows: 5 }));

    // Assess
    expect(error).toBeInstanceOf(FormatError);
    expect(error.message).toMatch(/declares 10 rows, above the limit of 5 \(maxRowGroupRows\)/);
  });

  it('reads back within a raised value limit: a 30-character field allowed in is allowed back', async () => {
    // Prepare: CSV fields are held to maxFieldLength on the way in and on the way back
    const long = 'x'.repeat(30);
    const source = bufferSource(utf8(`id,name\n1,${long}\n`), 'in.csv');

    // Act
    const lowered = await failureOf(convert(source, 'csv', { maxFieldLength: 20 }));
    const raised = await convert(source, 'csv', { maxFieldLength: 30 });

    // Assess
    expect(lowered.message).toMatch(/^CSV field longer than 20 characters/);
    expect(raised.rowsOut).toBe(1);
  });
});
