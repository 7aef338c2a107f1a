import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  convertRange,
  mergeRangeConversions,
  type ConversionRange,
  type RangeConversion,
  type RangedTarget,
} from '../../../../lambdas/core/conversion/convert-range';
import { convertTable } from '../../../../lambdas/core/conversion/convert-table';
import type { ColumnSpec, OutputContract } from '../../../../lambdas/core/contracts/output-contract';
import { IntegrityError } from '../../../../lambdas/core/errors';
import { BufferSink, bufferSource } from '../../../../lambdas/core/formats/byte-io';
import { openTable } from '../../../../lambdas/core/formats/open-table';
import { PARQUET_MAGIC, parquetTail } from '../../../../lambdas/core/formats/parquet-parts';
import { createParquetWriter } from '../../../../lambdas/core/formats/parquet-writer';
import type { TypedRow } from '../../../../lambdas/core/formats/table-io';
import { canonicalBatches, canonicalRows, readAll, utf8 } from '../../../fixtures/format-io';
import { outputContract } from '../../../fixtures/output-contract';

const SCHEMA: readonly ColumnSpec[] = [
  { name: 'id', type: 'int64', nullable: false },
  { name: 'note', type: 'string', nullable: true },
  { name: 'amount', type: 'float64', nullable: true },
  { name: 'at', type: 'timestamp', nullable: true, unit: 'us', zone: 'UTC' },
];
const CONTRACT: OutputContract = outputContract({ schema: SCHEMA });

/** Notes with delimiters, quotes and line ends inside quoted fields, and repeats for dictionaries. */
const note = fc.option(fc.oneof(fc.constantFrom('a', 'b,c', 'say "hi"', 'two\nlines', 'ünï'), fc.string()), {
  nil: null,
});
const row = fc.tuple(
  note,
  // No -0: the test's CSV writes it as 0.
  fc.option(
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => v + 0),
    { nil: null },
  ),
  // Whole milliseconds: the test's CSV writes timestamps with toISOString.
  fc.option(
    fc.bigInt({ min: 0n, max: 253402300799999999n }).map((t) => t - (t % 1000n)),
    { nil: null },
  ),
);

function rowsOf(cells: readonly [string | null, number | null, bigint | null][]): TypedRow[] {
  return cells.map(([n, a, t], r) => [BigInt(r), n, a, t]);
}

/** A CSV of the rows, and the byte offset where each record starts. */
function csvOf(rows: readonly TypedRow[]): { bytes: Uint8Array; starts: number[]; headerEnd: number } {
  const cell = (v: string): string => (/[",\n\r]/.test(v) || v === '' ? `"${v.replaceAll('"', '""')}"` : v);
  const header = 'id,note,amount,at\n';
  const starts: number[] = [];
  let text = header;
  let at = Buffer.byteLength(header);
  for (const r of rows) {
    starts.push(at);
    const stamp = r[3] === null ? '' : new Date(Number((r[3] as bigint) / 1000n)).toISOString();
    const line = `${String(r[0])},${r[1] === null ? '' : cell(r[1] as string)},${r[2] === null ? '' : String(r[2])},${stamp}\n`;
    text += line;
    at += Buffer.byteLength(line);
  }
  return { bytes: utf8(text), starts, headerEnd: Buffer.byteLength(header) };
}

/** Converts each range in order (each starting at the rows before it) and joins the parts. */
async function byRanges(
  input: Uint8Array,
  ranges: readonly ConversionRange[],
  to: RangedTarget,
): Promise<{ parts: RangeConversion[]; bytes: Uint8Array }> {
  const parts: RangeConversion[] = [];
  const bodies: Uint8Array[] = [];
  let firstRow = 0;
  for (const [k, range] of ranges.entries()) {
    const sink = new BufferSink(`part-${k}`);
    const part = await convertRange(bufferSource(input, 'input'), sink, () => bufferSource(sink.bytes()), {
      range,
      first: k === 0,
      firstRow,
      to,
      contract: CONTRACT,
    });
    // A part travels as JSON between the map's functions.
    parts.push(JSON.parse(JSON.stringify(part)) as RangeConversion);
    bodies.push(sink.bytes());
    firstRow += part.rowsIn;
  }
  if (to !== 'parquet') return { parts, bytes: Buffer.concat(bodies) };
  const tail = parquetTail(
    parts[0]!.schema,
    'snappy',
    parts.map((p) => p.parquet!),
  );
  return { parts, bytes: Buffer.concat([PARQUET_MAGIC, ...bodies, tail]) };
}

async function onePass(input: Uint8Array, to: RangedTarget) {
  const sink = new BufferSink('one-pass');
  const result = await convertTable(bufferSource(input, 'input'), sink, () => bufferSource(sink.bytes()), {
    to,
    contract: CONTRACT,
  });
  return { result, bytes: sink.bytes() };
}

async function parquetInput(rows: readonly TypedRow[], rowGroupRows: number): Promise<Uint8Array> {
  const sink = new BufferSink('input.parquet');
  const writer = createParquetWriter(sink, { schema: SCHEMA, parquet: { rowGroupRows } });
  await writer.write(rows);
  await writer.close();
  return sink.bytes();
}

/** Sorted distinct cut points in [1, n) as ranges [0, c1), [c1, c2), ... [ck, n). */
function cutsOf(n: number, cuts: readonly number[]): { start: number; end: number }[] {
  const at = [...new Set(cuts.filter((c) => c > 0 && c < n))].sort((a, b) => a - b);
  const edges = [0, ...at, n];
  return edges.slice(1).map((end, i) => ({ start: edges[i]!, end }));
}

describe('convertRange and mergeRangeConversions', () => {
  it('give a CSV the bytes and the proof of one pass, wherever the CSV is split (CSV to CSV)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(row, { minLength: 1, maxLength: 60 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        async (cells, cuts) => {
          // Arrange
          const rows = rowsOf(cells);
          const csv = csvOf(rows);
          const ranges = cutsOf(
            rows.length,
            cuts.map((c) => c % rows.length),
          ).map(({ start, end }): ConversionRange => ({
            kind: 'csv',
            headerEnd: csv.headerEnd,
            start: csv.starts[start]!,
            end: end < rows.length ? csv.starts[end]! : csv.bytes.byteLength,
          }));

          // Act
          const ranged = await byRanges(csv.bytes, ranges, 'csv');
          const one = await onePass(csv.bytes, 'csv');

          // Assess
          expect(Buffer.from(ranged.bytes).toString('utf8')).toBe(Buffer.from(one.bytes).toString('utf8'));
          expect(mergeRangeConversions(ranged.parts, { from: 'csv', to: 'csv', contract: CONTRACT })).toEqual(
            one.result,
          );
        },
      ),
      { numRuns: 40 },
    );
  });

  it('give one Parquet file that reads back as the CSV, with the proof of one pass (CSV to Parquet)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(row, { minLength: 1, maxLength: 60 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        async (cells, cuts) => {
          // Arrange
          const rows = rowsOf(cells);
          const csv = csvOf(rows);
          const ranges = cutsOf(
            rows.length,
            cuts.map((c) => c % rows.length),
          ).map(({ start, end }): ConversionRange => ({
            kind: 'csv',
            headerEnd: csv.headerEnd,
            start: csv.starts[start]!,
            end: end < rows.length ? csv.starts[end]! : csv.bytes.byteLength,
          }));

          // Act
          const ranged = await byRanges(csv.bytes, ranges, 'parquet');
          const one = await onePass(csv.bytes, 'parquet');

          // Assess
          const read = await readAll(
            (await openTable(bufferSource(ranged.bytes, 'assembled.parquet'))).batches,
          );
          expect(canonicalBatches(SCHEMA, read)).toEqual(canonicalRows(SCHEMA, rows));
          expect(
            mergeRangeConversions(ranged.parts, { from: 'csv', to: 'parquet', contract: CONTRACT }),
          ).toEqual(one.result);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('split a Parquet input at row groups into a Parquet file and a CSV equal to one pass', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(row, { minLength: 1, maxLength: 80 }),
        fc.integer({ min: 1, max: 9 }),
        fc.array(fc.nat(), { maxLength: 5 }),
        async (cells, rowGroupRows, cuts) => {
          // Arrange
          const rows = rowsOf(cells);
          const input = await parquetInput(rows, rowGroupRows);
          const groups = Math.ceil(rows.length / rowGroupRows);
          const ranges = cutsOf(
            groups,
            cuts.map((c) => c % groups),
          ).map((r): ConversionRange => ({ kind: 'parquet', ...r }));

          // Act
          const toParquet = await byRanges(input, ranges, 'parquet');
          const toCsv = await byRanges(input, ranges, 'csv');
          const oneParquet = await onePass(input, 'parquet');
          const oneCsv = await onePass(input, 'csv');

          // Assess
          const read = await readAll(
            (await openTable(bufferSource(toParquet.bytes, 'assembled.parquet'))).batches,
          );
          expect(canonicalBatches(SCHEMA, read)).toEqual(canonicalRows(SCHEMA, rows));
          const meta = { from: 'parquet', contract: CONTRACT } as const;
          expect(mergeRangeConversions(toParquet.parts, { ...meta, to: 'parquet' })).toEqual(
            oneParquet.result,
          );
          expect(Buffer.from(toCsv.bytes).toString('utf8')).toBe(Buffer.from(oneCsv.bytes).toString('utf8'));
          expect(mergeRangeConversions(toCsv.parts, { ...meta, to: 'csv' })).toEqual(oneCsv.result);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('joins thousands of rows over many digest blocks into the proof of one pass (CSV to JSON Lines)', async () => {
    // Arrange: 5,000 rows, cut at rows that fall inside and on digest blocks
    const rows = rowsOf(
      Array.from(
        { length: 5000 },
        (_, r) => [r % 9 === 0 ? null : `n${r % 97}`, r / 8, BigInt(r) * 1000n] as const,
      ),
    );
    const csv = csvOf(rows);
    const ranges = cutsOf(rows.length, [1, 1024, 1500, 2048, 4999]).map(
      ({ start, end }): ConversionRange => ({
        kind: 'csv',
        headerEnd: csv.headerEnd,
        start: csv.starts[start]!,
        end: end < rows.length ? csv.starts[end]! : csv.bytes.byteLength,
      }),
    );

    // Act
    const ranged = await byRanges(csv.bytes, ranges, 'jsonl');
    const one = await onePass(csv.bytes, 'jsonl');

    // Assess
    expect(Buffer.from(ranged.bytes).toString('utf8')).toBe(Buffer.from(one.bytes).toString('utf8'));
    expect(mergeRangeConversions(ranged.parts, { from: 'csv', to: 'jsonl', contract: CONTRACT })).toEqual(
      one.result,
    );
  });

  it('refuses to merge ranges that skip rows, naming the gap', async () => {
    // Arrange
    const rows = rowsOf([
      ['a', 1, null],
      ['b', 2, null],
      ['c', 3, null],
    ]);
    const csv = csvOf(rows);
    const ranged = await byRanges(
      csv.bytes,
      [
        { kind: 'csv', headerEnd: csv.headerEnd, start: csv.starts[0]!, end: csv.starts[1]! },
        { kind: 'csv', headerEnd: csv.headerEnd, start: csv.starts[2]!, end: csv.bytes.byteLength },
      ],
      'csv',
    );

    // Act + Assess: the second range was told it starts at row 1; without the first, the rows do not join
    expect(() => mergeRangeConversions(ranged.parts.slice(1), { from: 'csv', to: 'csv' })).toThrow(
      IntegrityError,
    );
    expect(() => mergeRangeConversions(ranged.parts.slice(1), { from: 'csv', to: 'csv' })).toThrow(
      'share 1 starts at row 1; the shares before it end at row 0',
    );
  });
});
