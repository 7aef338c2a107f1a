/**
 * Property: convertTable, which reads, types, writes and proves column batches, writes the same
 * bytes and claims the same checksums as the row path (cells typed one by one, rows written with
 * write(); test/fixtures/row-conversion.ts), for random tables from every format into every
 * format, and fails with the same error where a value does not fit.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { convertTable } from '../../../../lambdas/core/conversion/convert-table';
import type { ColumnSpec, DataFormat } from '../../../../lambdas/core/contracts/output-contract';
import { columnCodec } from '../../../../lambdas/core/contracts/typed-values';
import { FormatError } from '../../../../lambdas/core/errors';
import { BufferSink, bufferSource, type ByteSource } from '../../../../lambdas/core/formats/byte-io';
import { csvCellEncoder } from '../../../../lambdas/core/formats/csv-cell';
import { jsonNumberIsMisread, writeTable } from '../../../fixtures/format-io';
import { outputContract } from '../../../fixtures/output-contract';
import { convertByRows } from '../../../fixtures/row-conversion';
import {
  columnArbitrary,
  trickyText,
  typedTableArbitrary,
  valueArbitrary,
} from '../../../fixtures/typed-tables';

const FORMATS: readonly DataFormat[] = ['csv', 'jsonl', 'json', 'parquet', 'arrow'];

async function byColumns(
  source: ByteSource,
  options: Parameters<typeof convertByRows>[1],
): Promise<{ bytes: Uint8Array; checksums: Readonly<Record<string, string>> }> {
  const sink = new BufferSink(`out.${options.to}`);
  const result = await convertTable(source, sink, () => bufferSource(sink.bytes(), sink.name), options);
  return { bytes: sink.bytes(), checksums: result.checksums };
}

async function failureMessage(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (e) {
    if (e instanceof FormatError) return e.message;
    throw e;
  }
}

describe('the column path of convertTable', () => {
  const tables = typedTableArbitrary({ minRows: 1, maxRows: 6, maxColumns: 4, noNegativeZero: true });

  it.each(FORMATS)(
    'writes the bytes the row path writes, from %s to every format',
    { timeout: 60_000 },
    async (from) => {
      // Act + Assess
      await fc.assert(
        fc.asyncProperty(tables, async ({ schema, rows }) => {
          // JSON readers misread some floats today (reported): such tables stay out of JSON.
          const json = from === 'json' || from === 'jsonl';
          fc.pre(
            !json ||
              !schema.some(
                (c, j) =>
                  (c.type === 'float32' || c.type === 'float64') &&
                  rows.some((row) => typeof row[j] === 'number' && jsonNumberIsMisread(row[j])),
              ),
          );
          const bytes = await writeTable(from, schema, rows, { batchRows: 2 });
          const contract = outputContract({ schema, format: from });
          for (const to of FORMATS) {
            const source = bufferSource(bytes, `in.${from}`, 64);
            const expected = await convertByRows(source, { to, contract, from });
            const actual = await byColumns(source, { to, contract, from });
            expect({ to, bytes: Buffer.from(actual.bytes).toString('base64') }).toEqual({
              to,
              bytes: Buffer.from(expected.bytes).toString('base64'),
            });
            expect(actual.checksums).toEqual(expected.checksums);
          }
        }),
        { numRuns: 8 },
      );
    },
  );

  it('fails where the row path fails, with the same message, on CSV cells of any shape', async () => {
    // Prepare: a contract and CSV cells that fit it, or are any text, or are empty (null)
    const cell = (spec: ColumnSpec) =>
      fc.oneof(
        { weight: 4, arbitrary: valueArbitrary(spec).map((v) => columnCodec(spec).format(v)) },
        { weight: 1, arbitrary: trickyText },
        { weight: 1, arbitrary: fc.constant('') },
      );
    const inputs = fc
      .array(columnArbitrary('c'), { minLength: 1, maxLength: 4 })
      .map((specs) => specs.map((s, i) => ({ ...s, name: `c${i}` })))
      .chain((schema) =>
        fc.record({
          schema: fc.constant(schema),
          rows: fc.array(fc.tuple(...schema.map(cell)), { minLength: 1, maxLength: 12 }),
        }),
      );
    const encode = csvCellEncoder({});

    // Act + Assess
    await fc.assert(
      fc.asyncProperty(inputs, async ({ schema, rows }) => {
        const csv = [schema.map((c) => c.name), ...rows]
          .map((row) => row.map((v) => (v === '' ? '' : encode(v))).join(','))
          .join('\n');
        const source = bufferSource(new TextEncoder().encode(`${csv}\n`), 'in.csv', 16);
        const options = { to: 'csv' as const, contract: outputContract({ schema }), from: 'csv' as const };
        const expected = await failureMessage(convertByRows(source, options));
        const actual = await failureMessage(byColumns(source, options));
        expect(actual).toEqual(expected);
      }),
      { numRuns: 150 },
    );
  });
});
