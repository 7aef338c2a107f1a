import { gzipSync } from 'node:zlib';

import { describe, expect, it } from 'vitest';

import type { ColumnSpec } from '../../../../lambdas/core/contracts/output-contract';
import { FormatError } from '../../../../lambdas/core/errors';
import { bufferSource } from '../../../../lambdas/core/formats/byte-io';
import { rawCellOf, type ColumnBatch } from '../../../../lambdas/core/formats/column-batch';
import { inspectSource, openTable } from '../../../../lambdas/core/formats/open-table';
import { createParquetWriter } from '../../../../lambdas/core/formats/parquet-writer';
import type { RawCell } from '../../../../lambdas/core/formats/record-batch';
import { writeTable as writeParquet } from '../../../fixtures/parquet-arrow-tables';
import { failureOf, readAll, rowsOf, utf8, writeTable } from '../../../fixtures/format-io';

const SCHEMA: readonly ColumnSpec[] = [
  { name: 'id', type: 'int32', nullable: false },
  { name: 'name', type: 'string', nullable: true },
];
const ROWS = [
  [1, 'a'],
  [2, null],
] as const;

const CSV = 'id,name\n1,a\n2,\n';
const JSONL = '{"id":1,"name":"a"}\n{"id":2,"name":null}\n';
const JSON_ARRAY = '[{"id":1,"name":"a"},{"id":2,"name":null}]';

describe('inspectSource', () => {
  it.each([
    [
      'Parquet by magic, whatever the name says',
      'parquet',
      'out/part-0.csv',
      { format: 'parquet', extensionFormat: 'csv', source: 'magic' },
    ],
    [
      'Parquet by magic without an extension',
      'parquet',
      'out/part-0',
      { format: 'parquet', extensionFormat: null, source: 'magic' },
    ],
    [
      'a JSON array by content under a .csv name',
      JSON_ARRAY,
      'out/part-0.csv',
      { format: 'json', extensionFormat: 'csv', source: 'content' },
    ],
    [
      'JSON Lines by content under a .json name',
      JSONL,
      'out/part-0.json',
      { format: 'jsonl', extensionFormat: 'json', source: 'content' },
    ],
    [
      'CSV by content under a .jsonl name',
      CSV,
      'out/part-0.jsonl',
      { format: 'csv', extensionFormat: 'jsonl', source: 'content' },
    ],
    [
      'CSV by content without an extension',
      CSV,
      'out/part-0',
      { format: 'csv', extensionFormat: null, source: 'content' },
    ],
    [
      'a one-column CSV by its extension',
      'id\n1\n2\n',
      'out/part-0.csv',
      { format: 'csv', extensionFormat: 'csv', source: 'extension' },
    ],
    [
      'an Arrow stream by its extension',
      'arrow',
      'out/part-0.arrow',
      { format: 'arrow', extensionFormat: 'arrow', source: 'extension' },
    ],
    [
      'nothing it can tell',
      'id\n1\n',
      'out/part-0',
      { format: 'unknown', extensionFormat: null, source: 'extension' },
    ],
    [
      'JSON after a byte order mark and spaces',
      `\uFEFF \n${JSON_ARRAY}`,
      'x.txt',
      { format: 'json', extensionFormat: null, source: 'content' },
    ],
  ])('detects %s', async (_what, content, name, expected) => {
    // Prepare
    const bytes =
      content === 'parquet' || content === 'arrow' ? await writeTable(content, SCHEMA, ROWS) : utf8(content);

    // Act
    const detection = await inspectSource(bufferSource(bytes, name));

    // Assess
    expect(detection).toEqual({ ...expected, compression: 'none', size: bytes.byteLength });
  });

  it('detects gzip, then the format of the inflated head', async () => {
    // Prepare
    const bytes = gzipSync(JSONL);

    // Act
    const detection = await inspectSource(bufferSource(bytes, 'out/part-0.csv.gz'));

    // Assess
    expect(detection).toEqual({
      format: 'jsonl',
      compression: 'gzip',
      extensionFormat: 'csv',
      source: 'content',
      size: bytes.byteLength,
    });
  });

  it('falls back to the extension when the gzip head cannot be inflated', async () => {
    // Prepare
    const bytes = Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from('not deflate at all')]);

    // Act
    const detection = await inspectSource(bufferSource(bytes, 'out/part-0.jsonl.gz'));

    // Assess
    expect(detection).toMatchObject({ format: 'jsonl', compression: 'gzip', source: 'extension' });
  });
});

describe('openTable', () => {
  describe('format selection', () => {
    it.each([
      ['csv', 'in.csv', CSV],
      ['jsonl', 'in.jsonl', JSONL],
      ['json', 'in.json', JSON_ARRAY],
      ['csv', 'in.csv.gz', gzipSync(CSV)],
      ['jsonl', 'in.jsonl.gz', gzipSync(JSONL)],
      ['json', 'in.json.gz', gzipSync(JSON_ARRAY)],
      ['parquet', 'in.parquet', 'parquet'],
      ['arrow', 'in.arrow', 'arrow'],
    ] as const)('reads %s from %s', async (format, name, content) => {
      // Prepare
      const bytes =
        content === 'parquet' || content === 'arrow'
          ? await writeTable(content, SCHEMA, ROWS)
          : typeof content === 'string'
            ? utf8(content)
            : content;

      // Act
      const opened = await openTable(bufferSource(bytes, name));
      const rows = await rowsOf(opened.batches);

      // Assess
      expect(opened.format).toBe(format);
      expect(rows.map((r) => r.map((c) => (c === null ? null : String(c))))).toEqual([
        ['1', 'a'],
        ['2', null],
      ]);
    });

    it('reads by the content when the extension is wrong, and reports the extension', async () => {
      // Prepare
      const source = bufferSource(utf8(JSONL), 'out/part-0.csv');

      // Act
      const opened = await openTable(source);

      // Assess
      expect(opened.format).toBe('jsonl');
      expect(opened.detection.extensionFormat).toBe('csv');
      expect(await rowsOf(opened.batches)).toEqual([
        [1, 'a'],
        [2, null],
      ]);
    });

    it('reads a .csv that is Parquet as Parquet, found by its magic bytes', async () => {
      // Prepare
      const source = bufferSource(await writeTable('parquet', SCHEMA, ROWS), 'out/part-0.csv');

      // Act
      const opened = await openTable(source);

      // Assess
      expect(opened.format).toBe('parquet');
      expect(opened.detection).toMatchObject({ format: 'parquet', extensionFormat: 'csv', source: 'magic' });
    });

    it('rejects a required format that the magic bytes contradict', async () => {
      // Prepare
      const source = bufferSource(await writeTable('parquet', SCHEMA, ROWS), 'out/part-0.csv');

      // Act
      const error = await failureOf(openTable(source, { format: 'csv' }));

      // Assess
      expect(error).toBeInstanceOf(FormatError);
      expect(error.message).toBe('out/part-0.csv is parquet (by its magic bytes), not csv (byte 0)');
    });

    it('trusts a required format over sniffed content', async () => {
      // Prepare: JSON Lines content read as the contract's CSV (the reader then decides)
      const source = bufferSource(utf8('{"id":1}\n'), 'out/part-0.jsonl');

      // Act
      const opened = await openTable(source, { format: 'csv' });
      const error = await failureOf(readAll(opened.batches));

      // Assess
      expect(opened.format).toBe('csv');
      expect(error).toBeInstanceOf(FormatError);
    });

    it('uses formatHint only when neither content nor name tells the format', async () => {
      // Prepare
      const unnamed = bufferSource(utf8('id\n1\n'), 'out/part-0');
      const jsonl = bufferSource(utf8(JSONL), 'out/part-0');

      // Act
      const hinted = await openTable(unnamed, { formatHint: 'csv' });
      const overruled = await openTable(jsonl, { formatHint: 'csv' });

      // Assess
      expect(hinted.format).toBe('csv');
      expect(await rowsOf(hinted.batches)).toEqual([['1']]);
      expect(overruled.format).toBe('jsonl');
    });

    it('rejects input whose format it cannot tell and that no hint names', async () => {
      // Prepare
      const source = bufferSource(utf8('id\n1\n'), 'out/part-0');

      // Act
      const error = await failureOf(openTable(source));

      // Assess
      expect(error).toBeInstanceOf(FormatError);
      expect(error.message).toBe(
        'cannot tell the format of out/part-0; name it (csv, jsonl, json, parquet, arrow) (byte 0)',
      );
    });

    it('rejects an empty object, naming it', async () => {
      // Prepare
      const source = bufferSource(new Uint8Array(), 'out/part-0.csv');

      // Act
      const error = await failureOf(openTable(source, { format: 'csv' }));

      // Assess
      expect(error).toBeInstanceOf(FormatError);
      expect(error.message).toBe('out/part-0.csv is empty (0 bytes) (byte 0)');
    });

    it('rejects gzip around Parquet', async () => {
      // Prepare
      const source = bufferSource(
        gzipSync(await writeTable('parquet', SCHEMA, ROWS)),
        'out/part-0.parquet.gz',
      );

      // Act
      const error = await failureOf(openTable(source));

      // Assess
      expect(error).toBeInstanceOf(FormatError);
      expect(error.message).toMatch(/^gzip-compressed Parquet is not supported/);
    });
  });

  describe('options', () => {
    it('reads the CSV dialect it is given, with column names for a header-less file', async () => {
      // Prepare
      const source = bufferSource(utf8('1;a\n2;\n'), 'out/part-0.csv');

      // Act
      const opened = await openTable(source, {
        csv: { delimiter: ';', header: false },
        columns: ['id', 'name'],
      });
      const batches = await readAll(opened.batches);

      // Assess
      expect(batches).toEqual([
        {
          columns: ['id', 'name'],
          rows: [
            ['1', 'a'],
            ['2', null],
          ],
          firstRow: 1,
        },
      ]);
    });

    it.each([
      ['csv', 'in.csv', 'id,name\n' + '1,a\n'.repeat(10)],
      ['jsonl', 'in.jsonl', '{"id":1,"name":"a"}\n'.repeat(10)],
      ['json', 'in.json', `[${Array(10).fill('{"id":1,"name":"a"}').join(',')}]`],
      ['parquet', 'in.parquet', 'parquet'],
      ['arrow', 'in.arrow', 'arrow'],
    ] as const)('passes batchSize to the %s reader', async (_format, name, content) => {
      // Prepare
      const bytes =
        content === 'parquet' || content === 'arrow'
          ? await writeTable(
              content,
              SCHEMA,
              Array.from({ length: 10 }, () => [1, 'a']),
            )
          : utf8(content);

      // Act
      const batches = await readAll(
        (await openTable(bufferSource(bytes, name, 16), { batchSize: 4 })).batches,
      );

      // Assess
      expect(batches.flatMap((b) => b.rows)).toHaveLength(10);
      expect(Math.max(...batches.map((b) => b.rows.length))).toBeLessThanOrEqual(4);
    });

    /** A 10-row table with one 50-character name, in each format. */
    async function tableOf(format: 'csv' | 'jsonl' | 'json' | 'parquet' | 'arrow'): Promise<Uint8Array> {
      const rows = Array.from({ length: 10 }, (_, i) => [i, i === 4 ? 'x'.repeat(50) : 'a']);
      if (format === 'parquet' || format === 'arrow') return writeTable(format, SCHEMA, rows);
      if (format === 'csv') return utf8(`id,name\n${rows.map((r) => r.join(',')).join('\n')}\n`);
      const records = rows.map(([id, name]) => JSON.stringify({ id, name }));
      return utf8(format === 'jsonl' ? `${records.join('\n')}\n` : `[${records.join(',')}]`);
    }

    it.each([
      ['csv', { maxFieldLength: 20 }, /^CSV field longer than 20 characters/],
      ['parquet', { maxFieldLength: 20 }, /a value of 50 characters exceeds 20/],
      ['arrow', { maxFieldLength: 20 }, /a value of 50 characters exceeds 20/],
      ['jsonl', { maxRecordLength: 20 }, /^JSON Lines record longer than 20 characters/],
      ['json', { maxRecordLength: 20 }, /^JSON array element longer than 20 characters/],
      ['csv', { maxColumns: 1 }, /^CSV header has more than 1 columns \(maxColumns\)/],
      ['jsonl', { maxColumns: 1 }, /beyond the limit of 1 distinct keys/],
      ['json', { maxColumns: 1 }, /beyond the limit of 1 distinct keys/],
      ['csv', { maxRowBytes: 5 }, /^CSV row spans more than 5 bytes \(maxRowBytes\)/],
      [
        'parquet',
        { maxRowGroupRows: 5 },
        /row group 0 declares 10 rows, above the limit of 5 \(maxRowGroupRows\)/,
      ],
      [
        'parquet',
        { maxRowGroupBytes: 10 },
        /row group 0 decompresses to \d+ bytes, above the limit of 10 \(maxRowGroupBytes/,
      ],
      [
        'arrow',
        { maxRecordBatchRows: 5 },
        /record batch 0 declares 10 rows, above the limit of 5 \(maxRecordBatchRows\)/,
      ],
    ] as const)('passes the limit to the %s reader: %o', async (format, limits, message) => {
      // Prepare
      const source = bufferSource(await tableOf(format), `in.${format}`, 8);

      // Act
      const error = await failureOf(readAll((await openTable(source, limits)).batches));

      // Assess
      expect(error).toBeInstanceOf(FormatError);
      expect(error.message).toMatch(message);
    });

    it('passes maxFieldsPerRow to the CSV reader: a 4-field row over a limit of 3', async () => {
      // Prepare
      const source = bufferSource(utf8('a,b\n1,2\n3,4,5,6\n'), 'in.csv', 8);

      // Act
      const error = await failureOf(readAll((await openTable(source, { maxFieldsPerRow: 3 })).batches));

      // Assess
      expect(error).toBeInstanceOf(FormatError);
      expect(error.message).toBe(
        'CSV row has more than 3 fields (maxFieldsPerRow) (in.csv, line 3, row 2, byte 8)',
      );
    });

    it('passes maxInflateRatio to gzip: a 1000:1 input the default 100:1 refuses reads when raised', async () => {
      // Prepare: 65 rows of 1 MiB of one letter inflate about 1000:1, past the 64 MiB the ratio waits for
      const csv = `name\n${`${'x'.repeat(1024 * 1024)}\n`.repeat(65)}`;
      const source = bufferSource(gzipSync(csv), 'in.csv.gz');

      // Act
      const refused = await failureOf(readAll((await openTable(source)).batches));
      let rows = 0;
      for await (const batch of (await openTable(source, { maxInflateRatio: 2000 })).batches)
        rows += batch.rows.length;

      // Assess
      expect(refused.message).toMatch(/inflates more than 100:1/);
      expect(rows).toBe(65);
    });

    it("keeps gzip's maxDecompressedBytes off Parquet row groups: each has a limit of its own", async () => {
      // Prepare
      const source = bufferSource(await tableOf('parquet'), 'in.parquet', 8);

      // Act
      const rows = await rowsOf((await openTable(source, { maxDecompressedBytes: 10 })).batches);

      // Assess
      expect(rows).toHaveLength(10);
    });

    it('stops a gzip input that inflates past maxDecompressedBytes', async () => {
      // Prepare
      const source = bufferSource(gzipSync(`id,name\n${'1,a\n'.repeat(100_000)}`), 'in.csv.gz');

      // Act
      const error = await failureOf(
        readAll((await openTable(source, { maxDecompressedBytes: 10_000 })).batches),
      );

      // Assess
      expect(error).toBeInstanceOf(FormatError);
      expect(error.message).toMatch(/decompresses past the 10000-byte limit/);
    });
  });
});

describe('openTable columnBatches over Parquet', () => {
  const INTS: readonly ColumnSpec[] = [{ name: 'n', type: 'int64', nullable: true }];
  const rows = Array.from({ length: 250 }, (_, i) => [i % 7 === 0 ? null : i * 3]);

  /** The value arrays of the first two batches, and the cells of the first read before the second. */
  async function twoBatches(
    reuseBatches: boolean,
  ): Promise<{ arrays: unknown[]; firstCells: RawCell[]; firstAfter: RawCell[] }> {
    const bytes = await writeParquet(createParquetWriter, INTS, rows, { parquet: { rowGroupRows: 100 } });
    const opened = await openTable(bufferSource(bytes, 'in.parquet'));
    const batches = opened.columnBatches(undefined, { reuseBatches })[Symbol.asyncIterator]();
    const first = (await batches.next()).value as ColumnBatch;
    const cells = (): RawCell[] =>
      Array.from({ length: first.length }, (_, r) => rawCellOf(first.vectors[0]!, r));
    const firstCells = cells();
    const second = (await batches.next()).value as ColumnBatch;
    const valuesOf = (b: ColumnBatch): unknown => (b.vectors[0] as { values: BigInt64Array }).values.buffer;
    return { arrays: [valuesOf(first), valuesOf(second)], firstCells, firstAfter: cells() };
  }

  it('hands reuseBatches to the Parquet reader: row groups share their arrays', async () => {
    // Act
    const reused = await twoBatches(true);
    const allocated = await twoBatches(false);

    // Assert: one array for both row groups when asked, the first batch then holding the second's
    // values; a new array per row group otherwise, the first batch as it was read
    expect(reused.arrays[0]).toBe(reused.arrays[1]);
    expect(reused.firstAfter).not.toEqual(reused.firstCells);
    expect(allocated.arrays[0]).not.toBe(allocated.arrays[1]);
    expect(allocated.firstAfter).toEqual(allocated.firstCells);
    expect(reused.firstCells).toEqual(allocated.firstCells);
  });
});
