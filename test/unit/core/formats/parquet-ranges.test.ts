import { describe, expect, it } from 'vitest';

import type { ColumnSpec } from '../../../../lambdas/core/contracts/output-contract';
import { rawCellOf, type ColumnBatch } from '../../../../lambdas/core/formats/column-batch';
import { bufferSource } from '../../../../lambdas/core/formats/byte-io';
import { readParquetColumns } from '../../../../lambdas/core/formats/parquet-column-reader';
import { planParquetRanges, splitRowGroups } from '../../../../lambdas/core/formats/parquet-ranges';
import { createParquetWriter } from '../../../../lambdas/core/formats/parquet-writer';
import { BufferSink } from '../../../../lambdas/core/formats/byte-io';

describe('splitRowGroups', () => {
  it('cuts contiguous runs of about equal rows, covering every row group once', () => {
    expect(splitRowGroups([100, 100, 100, 100], 2)).toEqual([
      { start: 0, end: 2, rows: 200 },
      { start: 2, end: 4, rows: 200 },
    ]);
    expect(splitRowGroups([300, 50, 50, 50, 50], 2)).toEqual([
      { start: 0, end: 1, rows: 300 },
      { start: 1, end: 5, rows: 200 },
    ]);
    // More ranges asked for than row groups with rows: one per row group at most.
    expect(splitRowGroups([10, 0, 10], 8)).toEqual([
      { start: 0, end: 1, rows: 10 },
      { start: 1, end: 3, rows: 10 },
    ]);
    expect(splitRowGroups([5], 4)).toEqual([{ start: 0, end: 1, rows: 5 }]);
    expect(splitRowGroups([], 4)).toEqual([{ start: 0, end: 0, rows: 0 }]);
  });

  it('never leaves a row group out or gives a range no rows, for any sizes and counts', () => {
    for (let seed = 1; seed < 200; seed++) {
      const rows = Array.from({ length: seed % 13 }, (_, i) =>
        (seed * (i + 7)) % 5 === 0 ? 0 : (seed * 31 + i * 17) % 400,
      );
      const count = 1 + (seed % 9);
      const ranges = splitRowGroups(rows, count);
      expect(ranges[0]!.start).toBe(0);
      expect(ranges.at(-1)!.end).toBe(rows.length);
      ranges.slice(1).forEach((r, i) => expect(r.start).toBe(ranges[i]!.end));
      expect(ranges.reduce((a, r) => a + r.rows, 0)).toBe(rows.reduce((a, b) => a + b, 0));
      expect(ranges.length).toBeLessThanOrEqual(count);
      // Only a file without rows gets a range without rows.
      expect(ranges.length === 1 || ranges.every((r) => r.rows > 0)).toBe(true);
    }
  });
});

describe('readParquetColumns over a range of row groups', () => {
  const schema: ColumnSpec[] = [
    { name: 'id', type: 'int64', nullable: false },
    { name: 'name', type: 'string', nullable: true },
  ];

  async function file(): Promise<Uint8Array> {
    const sink = new BufferSink('t.parquet');
    const writer = createParquetWriter(sink, { schema, parquet: { rowGroupRows: 7 } });
    await writer.write(Array.from({ length: 40 }, (_, i) => [i + 1, i % 4 === 0 ? null : `n${i + 1}`]));
    await writer.close();
    return sink.bytes();
  }

  function cells(batches: ColumnBatch[]): unknown[][] {
    return batches.flatMap((b) =>
      Array.from({ length: b.length }, (_, r) => b.vectors.map((v) => (v ? rawCellOf(v, r) : null))),
    );
  }

  it('reads the range only, numbering rows from its first, and the ranges together read the file', async () => {
    const bytes = await file();
    const all: ColumnBatch[] = [];
    for await (const b of readParquetColumns(bufferSource(bytes))) all.push(b);
    const ranges = await planParquetRanges(bufferSource(bytes), 3);
    expect(ranges.map((r) => [r.start, r.end])).toEqual([
      [0, 2],
      [2, 4],
      [4, 6],
    ]);
    const joined: unknown[][] = [];
    for (const range of ranges) {
      const batches: ColumnBatch[] = [];
      for await (const b of readParquetColumns(bufferSource(bytes), { rowGroups: range })) batches.push(b);
      expect(batches[0]!.firstRow).toBe(1);
      expect(batches.reduce((a, b) => a + b.length, 0)).toBe(range.rows);
      joined.push(...cells(batches));
    }
    expect(joined).toEqual(cells(all));
    expect(joined).toHaveLength(40);
  });
});
