/**
 * The CSV reader's bounds: fields per row, bytes per row and columns per header are counted while
 * a row is scanned, so a runaway row (a line of commas, an unclosed quote, a header of a hundred
 * thousand names) ends in a FormatError naming the row and its first byte after reading about
 * one chunk past the limit, plain or gzip-compressed. Work is measured in bytes pulled from the
 * source, never in time. Also: line ends, where a lone CR must not vanish.
 */
import { gzipSync } from 'node:zlib';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { FormatError } from '../../../../lambdas/core/errors';
import { bufferSource } from '../../../../lambdas/core/formats/byte-io';
import {
  CSV_MAX_COLUMNS,
  CSV_MAX_FIELDS_PER_ROW,
  CSV_MAX_ROW_BYTES,
  readCsv,
} from '../../../../lambdas/core/formats/csv-reader';
import { openTable } from '../../../../lambdas/core/formats/open-table';
import { chunked, failureOf, readAll, rowsOf, utf8 } from '../../../fixtures/format-io';

const KIB = 1024;
const MIB = 1024 * KIB;
const CHUNK = 64 * KIB;

/** `head`, then `size` bytes of `fill` in CHUNK-sized chunks made on demand; counts bytes pulled. */
function meteredSource(head: string, fill: string, size: number) {
  const meter = { pulled: 0 };
  const block = utf8(fill.repeat(Math.ceil(CHUNK / fill.length)).slice(0, CHUNK));
  async function* stream(): AsyncGenerator<Uint8Array> {
    const first = utf8(head);
    meter.pulled += first.byteLength;
    yield first;
    for (let sent = 0; sent < size; sent += block.byteLength) {
      await Promise.resolve();
      meter.pulled += block.byteLength;
      yield block;
    }
  }
  return { meter, stream: stream() };
}

describe('CSV row bounds', () => {
  it('states its defaults', () => {
    // Assess
    expect(CSV_MAX_FIELDS_PER_ROW).toBe(16_384);
    expect(CSV_MAX_ROW_BYTES).toBe(16 * MIB);
    expect(CSV_MAX_COLUMNS).toBe(10_000);
  });

  it('stops a line of commas at maxFieldsPerRow, about one chunk in, naming the row and its first byte', async () => {
    // Prepare: a header, then an 8 MiB line of nothing but commas
    const { meter, stream } = meteredSource('a\n', ',', 8 * MIB);

    // Act
    const error = await failureOf(readAll(readCsv(stream)));

    // Assess
    expect(error).toBeInstanceOf(FormatError);
    expect(error.message).toBe(
      `CSV row has more than ${CSV_MAX_FIELDS_PER_ROW} fields (maxFieldsPerRow) (line 2, row 1, byte 2)`,
    );
    expect((error as FormatError).location).toEqual({ line: 2, row: 1, byteOffset: 2 });
    expect(meter.pulled).toBeLessThanOrEqual(2 + CHUNK);
  });

  it('takes maxFieldsPerRow from the options and counts rows after the header', async () => {
    // Prepare
    const csv = 'a,b\n1,2\n3,4,5,6\n';

    // Act
    const error = await failureOf(readAll(readCsv(chunked(csv, 3), { maxFieldsPerRow: 3 })));

    // Assess
    expect(error).toBeInstanceOf(FormatError);
    expect((error as FormatError).location).toEqual({ line: 3, row: 2, byteOffset: 8 });
    expect(error.message).toMatch(/^CSV row has more than 3 fields \(maxFieldsPerRow\)/);
  });

  it('stops a row of long fields at maxRowBytes while it is still being read', async () => {
    // Prepare: two columns, then a row that never ends: long fields, few delimiters
    const { meter, stream } = meteredSource('a,b\n', `${'x'.repeat(4 * KIB)},`, 16 * MIB);

    // Act
    const error = await failureOf(readAll(readCsv(stream, { maxRowBytes: 1 * MIB })));

    // Assess
    expect(error).toBeInstanceOf(FormatError);
    expect(error.message).toMatch(/^CSV row spans more than 1048576 bytes \(maxRowBytes\)/);
    expect((error as FormatError).location).toEqual({ line: 2, row: 1, byteOffset: 4 });
    expect(meter.pulled).toBeLessThanOrEqual(4 + 1 * MIB + CHUNK);
  });

  it('stops an unclosed quote at maxRowBytes, naming the row where the quote opened', async () => {
    // Prepare: a quote opened on row 3 and never closed
    const { meter, stream } = meteredSource('id,note\n1,ok\n2,"open', 'y', 16 * MIB);

    // Act
    const error = await failureOf(readAll(readCsv(stream, { maxRowBytes: 1 * MIB })));

    // Assess
    expect(error).toBeInstanceOf(FormatError);
    expect((error as FormatError).location).toEqual({ line: 3, row: 2, byteOffset: 13 });
    expect(meter.pulled).toBeLessThanOrEqual(1 * MIB + 2 * CHUNK);
  });

  it('measures a row in bytes, not characters, and gives byte offsets after multi-byte text', async () => {
    // Prepare: 'é' is 2 bytes and '🌍' 4; the second data row is 7 UTF-16 units but 13 bytes
    const csv = 'name,v\né,🌍\n🌍🌍,éé\n';

    // Act
    const ok = await rowsOf(readCsv(chunked(csv, 5), { maxRowBytes: 13 }));
    const error = await failureOf(readAll(readCsv(chunked(csv, 5), { maxRowBytes: 12 })));

    // Assess
    expect(ok).toEqual([
      ['é', '🌍'],
      ['🌍🌍', 'éé'],
    ]);
    expect(error).toBeInstanceOf(FormatError);
    expect((error as FormatError).location).toEqual({
      line: 3,
      row: 2,
      byteOffset: Buffer.byteLength('name,v\né,🌍\n'),
    });
  });

  it('names the first byte of the row over the limit however multi-byte text is split into chunks', async () => {
    // Prepare: rows of 1- to 4-byte characters, one of them longer than the others
    const char = fc.constantFrom('a', 'é', '中', '🌍', '"');
    const cell = fc.array(char, { maxLength: 6 }).map((cs) => `"${cs.join('').replaceAll('"', '""')}"`);
    const rows = fc.array(fc.tuple(cell, cell), { minLength: 1, maxLength: 6 });

    // Act + Assess
    await fc.assert(
      fc.asyncProperty(rows, fc.integer({ min: 1, max: 9 }), async (table, chunk) => {
        const lines = table.map(([a, b]) => `${a},${b}`);
        const long = `"${'🌍'.repeat(20)}",x`;
        const before = `h1,h2\n${lines.join('\n')}\n`;
        const csv = `${before}${long}\n`;
        const limit = Math.max(...lines.map((l) => Buffer.byteLength(l)), 5);
        const error = await failureOf(readAll(readCsv(chunked(csv, chunk), { maxRowBytes: limit })));
        expect((error as FormatError).location).toEqual({
          line: table.length + 2,
          row: table.length + 1,
          byteOffset: Buffer.byteLength(before),
        });
      }),
      { numRuns: 200 },
    );
  });

  it('applies the same bounds to gzip-compressed CSV, before the inflation check is reached', async () => {
    // Prepare: 8 MiB of commas compress to about 8 KiB (below the ratio check's 64 MiB grace)
    const bytes = gzipSync(Buffer.concat([utf8('a\n'), Buffer.alloc(8 * MIB, ',')]));
    const table = await openTable(bufferSource(bytes, 's3://outputs/run-1/commas.csv.gz'), {
      format: 'csv',
    });

    // Act
    const error = await failureOf(readAll(table.batches));

    // Assess
    expect(error).toBeInstanceOf(FormatError);
    expect(error.message).toBe(
      `CSV row has more than ${CSV_MAX_FIELDS_PER_ROW} fields (maxFieldsPerRow) ` +
        '(s3://outputs/run-1/commas.csv.gz, line 2, row 1, byte 2)',
    );
    expect((error as FormatError).location?.source).toBe('s3://outputs/run-1/commas.csv.gz');
  });

  it('passes the row limits through openTable', async () => {
    // Prepare
    const source = bufferSource(utf8('a,b\n1,2\n333,4444\n'), 'in.csv');

    // Act
    const table = await openTable(source, { format: 'csv', maxRowBytes: 5 });
    const error = await failureOf(readAll(table.batches));

    // Assess
    expect(error).toBeInstanceOf(FormatError);
    expect((error as FormatError).location).toEqual({ source: 'in.csv', line: 3, row: 2, byteOffset: 8 });
  });
});

describe('CSV header bounds', () => {
  it('rejects a header wider than maxColumns while reading it', async () => {
    // Prepare: one more name than the default allows
    const header = Array.from({ length: CSV_MAX_COLUMNS + 1 }, (_, i) => `c${i}`).join(',');

    // Act
    const error = await failureOf(readAll(readCsv(chunked(`${header}\n1\n`, CHUNK))));

    // Assess
    expect(error).toBeInstanceOf(FormatError);
    expect(error.message).toBe(
      `CSV header has more than ${CSV_MAX_COLUMNS} columns (maxColumns) (line 1, byte 0)`,
    );
  });

  it('reads a header exactly maxColumns wide, duplicates still found', async () => {
    // Prepare
    const names = Array.from({ length: 500 }, (_, i) => `c${i}`);
    const wide = `${names.join(',')}\n${names.map(() => '1').join(',')}\n`;
    const duplicated = `${names.join(',')},c250\n`;

    // Act
    const batches = await readAll(readCsv(chunked(wide, 100), { maxColumns: 500 }));
    const error = await failureOf(readAll(readCsv(chunked(duplicated, 100), { maxColumns: 501 })));

    // Assess
    expect(batches[0]?.columns).toHaveLength(500);
    expect(error.message).toBe("CSV header names column 'c250' twice (line 1)");
  });

  it('takes maxColumns through openTable, and counts the schema when there is no header', async () => {
    // Prepare
    const source = bufferSource(utf8('a,b,c\n1,2,3\n'), 'in.csv');

    // Act
    const table = await openTable(source, { format: 'csv', maxColumns: 2 });
    const fromHeader = await failureOf(readAll(table.batches));
    const fromSchema = await failureOf(
      readAll(readCsv(chunked('1,2,3\n'), { header: false, columns: ['a', 'b', 'c'], maxColumns: 2 })),
    );

    // Assess
    expect(fromHeader.message).toBe(
      'CSV header has more than 2 columns (maxColumns) (in.csv, line 1, byte 0)',
    );
    expect(fromSchema.message).toBe('CSV schema names 3 columns, more than the 2 allowed (maxColumns)');
  });
});

describe('CSV line ends', () => {
  it('keeps a lone CR as a line end instead of deleting it, so 3\\r4 never reads as 34', async () => {
    // Prepare: a lone CR inside what would otherwise be the field "3\r4"
    const csv = 'id,v\n1,3\r4\n';

    // Act
    const error = await failureOf(readAll(readCsv(chunked(csv))));

    // Assess: the row breaks at the CR, and the short row says so
    expect(error).toBeInstanceOf(FormatError);
    expect(error.message).toBe('CSV row has 1 fields; the header has 2 (line 3)');
  });

  it('reads lone-CR line ends (classic Mac files) as rows', async () => {
    // Prepare
    const single = 'v\r3\r4\r';
    const pair = 'id,v\r1,a\r2,b';

    // Act
    const singleRows = await rowsOf(readCsv(chunked(single)));
    const pairRows = await rowsOf(readCsv(chunked(pair, 1)));

    // Assess
    expect(singleRows).toEqual([['3'], ['4']]);
    expect(pairRows).toEqual([
      ['1', 'a'],
      ['2', 'b'],
    ]);
  });

  it('reads CRLF as one line end, also when a chunk ends between the CR and the LF', async () => {
    // Prepare
    const csv = 'id,v\r\n1,a\r\n\r\n2,"b\r\nc"\r\n';

    // Act
    const whole = await rowsOf(readCsv(chunked(csv)));
    const byByte = await rowsOf(readCsv(chunked(csv, 1)));
    const error = await failureOf(readAll(readCsv(chunked(`${csv}3\r\n`, 1))));

    // Assess
    const expected = [
      ['1', 'a'],
      ['2', 'b\r\nc'],
    ];
    expect(whole).toEqual(expected);
    expect(byByte).toEqual(expected);
    expect(error.message).toBe('CSV row has 1 fields; the header has 2 (line 6)');
  });
});
