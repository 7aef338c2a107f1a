/**
 * Property: for every pair of formats (A, B), a random typed table written as A and converted to
 * B reads back from B with the same values (equal canonical text, cell by cell), and convertTable
 * proves it (rows and checksums). Tables hold every contract type, nulls and edge values.
 *
 * Run counts are kept modest (25 tables per source format, each converted to all 7 targets) so
 * the unit suite stays quick on two cores. Known source bugs are kept out of the generated data
 * and listed where they are excluded.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { convertTable } from '../../../../lambdas/core/conversion/convert-table';
import type {
  ColumnSpec,
  Compression,
  CsvOptions,
  DataFormat,
} from '../../../../lambdas/core/contracts/output-contract';
import { BufferSink, bufferSource } from '../../../../lambdas/core/formats/byte-io';
import { openTable } from '../../../../lambdas/core/formats/open-table';
import type { TypedRow } from '../../../../lambdas/core/formats/table-io';
import {
  canonicalBatches,
  canonicalRows,
  jsonNumberIsMisread,
  readAll,
  writeTable,
} from '../../../fixtures/format-io';
import { outputContract } from '../../../fixtures/output-contract';
import { typedTableArbitrary } from '../../../fixtures/typed-tables';

interface Variant {
  readonly name: string;
  readonly format: DataFormat;
  readonly compression: Compression;
}

const VARIANTS: readonly Variant[] = [
  { name: 'csv', format: 'csv', compression: 'none' },
  { name: 'csv+gzip', format: 'csv', compression: 'gzip' },
  { name: 'jsonl', format: 'jsonl', compression: 'none' },
  { name: 'jsonl+gzip', format: 'jsonl', compression: 'gzip' },
  { name: 'json', format: 'json', compression: 'none' },
  { name: 'parquet', format: 'parquet', compression: 'none' },
  { name: 'arrow', format: 'arrow', compression: 'none' },
];

const RUNS_PER_SOURCE = 25;

function fileName(variant: Variant, stem: string): string {
  return `${stem}.${variant.format}${variant.compression === 'gzip' ? '.gz' : ''}`;
}

async function convertAndReadBack(
  schema: readonly ColumnSpec[],
  source: { bytes: Uint8Array; variant: Variant },
  target: Variant,
  csv: CsvOptions,
): Promise<{ rowsIn: number; rowsOut: number; canonical: string[][] }> {
  const contract = outputContract({ schema, format: source.variant.format, csv });
  const sink = new BufferSink(fileName(target, 'out'));
  const result = await convertTable(
    bufferSource(source.bytes, fileName(source.variant, 'in'), 4096),
    sink,
    () => bufferSource(sink.bytes(), sink.name),
    {
      to: target.format,
      from: source.variant.format,
      compression: target.compression,
      contract,
    },
  );
  const reopened = await openTable(bufferSource(sink.bytes(), sink.name), {
    format: target.format,
    csv,
    ...(csv.header ? {} : { columns: schema.map((c) => c.name) }),
  });
  return {
    rowsIn: result.rowsIn,
    rowsOut: result.rowsOut,
    canonical: canonicalBatches(schema, await readAll(reopened.batches)),
  };
}

/**
 * Float values the JSON readers misread today (reported; see jsonNumberIsMisread): tables with
 * such a value skip the JSON and JSON Lines formats; everything else is still converted.
 */
function hitsJsonNumberBug(schema: readonly ColumnSpec[], rows: readonly TypedRow[]): boolean {
  return schema.some(
    (c, j) =>
      (c.type === 'float32' || c.type === 'float64') &&
      rows.some((row) => typeof row[j] === 'number' && jsonNumberIsMisread(row[j])),
  );
}

const isJson = (v: Variant): boolean => v.format === 'json' || v.format === 'jsonl';

describe('convertTable between every pair of formats', () => {
  // At least one row: an empty table written as JSON Lines is an empty file, which openTable
  // rejects (reported). -0 is folded into 0: JSON, JSON Lines and Parquet dictionaries lose its
  // sign (reported).
  const tables = typedTableArbitrary({ minRows: 1, maxRows: 6, maxColumns: 5, noNegativeZero: true });
  const dialects = fc.record({ delimiter: fc.constantFrom(',', ';', '\t', '|'), header: fc.boolean() });

  // `from` names the source format: with only the contract's format as a hint, a header-less CSV
  // whose first value starts with '[' or '{' is sniffed as JSON (reported).
  it.each(VARIANTS)(
    'reads back the same values after converting from $name to every format',
    { timeout: 60_000 },
    async (source) => {
      // Prepare: a random table and CSV dialect per run

      // Act + Assess
      await fc.assert(
        fc.asyncProperty(tables, dialects, async ({ schema, rows }, csv) => {
          const jsonBug = hitsJsonNumberBug(schema, rows);
          fc.pre(!(jsonBug && isJson(source)));
          const bytes = await writeTable(source.format, schema, rows, {
            compression: source.compression,
            csv,
            batchRows: 3,
          });
          const expected = canonicalRows(schema, rows);
          for (const target of VARIANTS.filter((t) => !(jsonBug && isJson(t)))) {
            const out = await convertAndReadBack(schema, { bytes, variant: source }, target, csv);
            expect({
              to: target.name,
              rowsIn: out.rowsIn,
              rowsOut: out.rowsOut,
              rows: out.canonical,
            }).toEqual({
              to: target.name,
              rowsIn: rows.length,
              rowsOut: rows.length,
              rows: expected,
            });
          }
        }),
        { numRuns: RUNS_PER_SOURCE },
      );
    },
  );
});
