import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { FormatError } from '../../../../lambdas/core/errors';
import { readCsv, type CsvReadOptions } from '../../../../lambdas/core/formats/csv-reader';
import type { RawCell, RecordBatch } from '../../../../lambdas/core/formats/record-batch';

type Cell = string | null;

function bytes(part: string | Uint8Array): Uint8Array {
  return typeof part === 'string' ? Buffer.from(part, 'utf8') : part;
}

async function* chunks(...parts: (string | Uint8Array)[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) {
    await Promise.resolve();
    yield bytes(part);
  }
}

/** Splits bytes at the given offsets (ascending, within bounds). */
function splitAt(data: Uint8Array, offsets: readonly number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let last = 0;
  for (const at of offsets) {
    out.push(data.subarray(last, at));
    last = at;
  }
  out.push(data.subarray(last));
  return out;
}

async function readAll(source: AsyncIterable<Uint8Array>, options?: CsvReadOptions): Promise<RecordBatch[]> {
  const batches: RecordBatch[] = [];
  for await (const batch of readCsv(source, options)) batches.push(batch);
  return batches;
}

/** Header and all data rows, whatever the batching. */
async function table(
  source: AsyncIterable<Uint8Array>,
  options?: CsvReadOptions,
): Promise<{ columns: readonly string[]; rows: RawCell[][] }> {
  const batches = await readAll(source, options);
  return { columns: batches[0]?.columns ?? [], rows: batches.flatMap((b) => b.rows.map((r) => [...r])) };
}

async function readFailure(
  source: AsyncIterable<Uint8Array>,
  options?: CsvReadOptions,
): Promise<FormatError> {
  try {
    await readAll(source, options);
  } catch (error) {
    expect(error).toBeInstanceOf(FormatError);
    return error as FormatError;
  }
  throw new Error('expected readCsv to fail, but it read the input');
}

/** RFC 4180 serialization: quotes a cell only when it must (null is an empty unquoted cell). */
function serialize(
  header: readonly string[],
  rows: readonly (readonly Cell[])[],
  lineEnd: string,
  trailing: boolean,
): string {
  const cell = (v: Cell): string => {
    if (v === null) return '';
    return v === '' || /[",\r\n\uFEFF]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
  };
  const lines = [header, ...rows].map((r) => r.map(cell).join(','));
  return lines.join(lineEnd) + (trailing ? lineEnd : '');
}

describe('readCsv', () => {
  describe('RFC 4180', () => {
    it('reads the header as columns and empty unquoted cells as null, quoted empty cells as ""', async () => {
      // Prepare
      const csv = 'id,name,note\n1,,""\n2,b,c\n';

      // Act
      const batches = await readAll(chunks(csv));

      // Assess
      expect(batches).toEqual([
        {
          columns: ['id', 'name', 'note'],
          rows: [
            ['1', null, ''],
            ['2', 'b', 'c'],
          ],
          firstRow: 1,
        },
      ]);
    });

    it('keeps delimiters inside quoted fields', async () => {
      // Prepare
      const csv = 'id,address\n1,"12 High St, Leeds, UK"\n';

      // Act
      const { rows } = await table(chunks(csv));

      // Assess
      expect(rows).toEqual([['1', '12 High St, Leeds, UK']]);
    });

    it('turns "" inside a quoted field into one quote', async () => {
      // Prepare
      const csv = 'id,quote\n1,"she said ""hi"""\n2,""""\n';

      // Act
      const { rows } = await table(chunks(csv));

      // Assess
      expect(rows).toEqual([
        ['1', 'she said "hi"'],
        ['2', '"'],
      ]);
    });

    it('keeps LF and CRLF newlines embedded in quoted fields exactly', async () => {
      // Prepare
      const csv = 'id,text\n1,"line one\nline two"\n2,"dos\r\nline"\n';

      // Act
      const { rows } = await table(chunks(csv));

      // Assess
      expect(rows).toEqual([
        ['1', 'line one\nline two'],
        ['2', 'dos\r\nline'],
      ]);
    });

    it('reads CRLF line ends like LF line ends', async () => {
      // Prepare
      const lf = 'id,name\n1,a\n2,"b"\n';
      const crlf = 'id,name\r\n1,a\r\n2,"b"\r\n';

      // Act
      const fromLf = await table(chunks(lf));
      const fromCrlf = await table(chunks(crlf));

      // Assess
      expect(fromCrlf).toEqual(fromLf);
      expect(fromCrlf.columns).toEqual(['id', 'name']);
    });

    it('drops a UTF-8 byte order mark before the header', async () => {
      // Prepare
      const csv = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('id,name\n1,a\n')]);

      // Act
      const { columns } = await table(chunks(csv));

      // Assess
      expect(columns).toEqual(['id', 'name']);
    });

    it.each([
      ['with a trailing newline', 'id,name\n1,a\n2,b\n'],
      ['without a trailing newline', 'id,name\n1,a\n2,b'],
      ['with a blank last line', 'id,name\n1,a\n2,b\n\n'],
      ['with a blank CRLF last line', 'id,name\r\n1,a\r\n2,b\r\n\r\n'],
      ['ending in a quoted field', 'id,name\n1,a\n2,"b"'],
    ])('reads the same rows %s', async (_case, csv) => {
      // Prepare: the case's text

      // Act
      const { rows } = await table(chunks(csv));

      // Assess
      expect(rows).toEqual([
        ['1', 'a'],
        ['2', 'b'],
      ]);
    });

    it('keeps an empty last field on a final line without newline', async () => {
      // Prepare
      const csv = 'id,name\n1,';

      // Act
      const { rows } = await table(chunks(csv));

      // Assess
      expect(rows).toEqual([['1', null]]);
    });

    it('honours another delimiter', async () => {
      // Prepare
      const csv = 'id;amount\n1;"2,50"\n';

      // Act
      const { columns, rows } = await table(chunks(csv), { delimiter: ';' });

      // Assess
      expect(columns).toEqual(['id', 'amount']);
      expect(rows).toEqual([['1', '2,50']]);
    });
  });

  describe('chunk boundaries', () => {
    const input = Buffer.from(
      '\uFEFFid,name,note\r\n1,"Zoë, the ""first""","multi\nline ✓"\r\n2,中文,🌍 earth\r\n3,,""\r\n',
      'utf8',
    );
    const expected = {
      columns: ['id', 'name', 'note'],
      rows: [
        ['1', 'Zoë, the "first"', 'multi\nline ✓'],
        ['2', '中文', '🌍 earth'],
        ['3', null, ''],
      ],
    };

    it('reads the sample in one chunk', async () => {
      // Prepare: the sample

      // Act
      const result = await table(chunks(input));

      // Assess
      expect(result).toEqual(expected);
    });

    it('reads the same rows whichever byte the input is split at, including inside multi-byte characters', async () => {
      // Prepare
      const splits = Array.from({ length: input.length + 1 }, (_, i) => i);

      // Act
      const results = await Promise.all(splits.map((i) => table(chunks(...splitAt(input, [i])))));

      // Assess
      results.forEach((result, i) => expect(result, `split at byte ${i}`).toEqual(expected));
    });

    it('reads the same rows when every byte is its own chunk', async () => {
      // Prepare
      const oneByteChunks = Array.from(input, (b) => Uint8Array.of(b));

      // Act
      const result = await table(chunks(...oneByteChunks));

      // Assess
      expect(result).toEqual(expected);
    });

    it('reads a 4-byte character split across three chunks', async () => {
      // Prepare
      const emoji = Buffer.from('🌍', 'utf8');
      const parts = [
        Buffer.from('a,b\n1,'),
        emoji.subarray(0, 1),
        emoji.subarray(1, 3),
        Buffer.concat([emoji.subarray(3), Buffer.from('\n')]),
      ];

      // Act
      const { rows } = await table(chunks(...parts));

      // Assess
      expect(rows).toEqual([['1', '🌍']]);
    });
  });

  describe('batches', () => {
    it('yields batches of batchSize rows with the 1-based number of their first data row', async () => {
      // Prepare: one row per chunk, as a stream delivers them
      const parts = ['id,v\n', '1,a\n', '2,b\n', '3,c\n', '4,d\n', '5,e\n'];

      // Act
      const batches = await readAll(chunks(...parts), { batchSize: 2 });

      // Assess
      expect(batches.map((b) => ({ firstRow: b.firstRow, ids: b.rows.map((r) => r[0]) }))).toEqual([
        { firstRow: 1, ids: ['1', '2'] },
        { firstRow: 3, ids: ['3', '4'] },
        { firstRow: 5, ids: ['5'] },
      ]);
    });

    it('numbers rows in order across batches whatever their size', async () => {
      // Prepare
      const csv = 'id\n' + Array.from({ length: 25 }, (_, i) => `${i + 1}\n`).join('');

      // Act
      const batches = await readAll(chunks(...splitAt(Buffer.from(csv), [7, 19, 40])), { batchSize: 4 });

      // Assess
      for (const batch of batches) {
        batch.rows.forEach((row, r) => expect(row[0]).toBe(String(batch.firstRow + r)));
      }
      expect(batches.flatMap((b) => b.rows).length).toBe(25);
    });

    it('shares the header across all batches', async () => {
      // Prepare
      const parts = ['a,b\n', '1,2\n', '3,4\n', '5,6\n'];

      // Act
      const batches = await readAll(chunks(...parts), { batchSize: 1 });

      // Assess
      expect(batches).toHaveLength(3);
      expect(batches.every((b) => b.columns.join() === 'a,b')).toBe(true);
    });
  });

  describe('errors', () => {
    it('rejects a row with fewer fields than the header, naming its line', async () => {
      // Prepare
      const csv = 'id,name\n1,a\n2\n';

      // Act
      const error = await readFailure(chunks(csv));

      // Assess
      expect(error.message).toBe('CSV row has 1 fields; the header has 2 (line 3)');
      expect(error.location).toEqual({ line: 3 });
    });

    it('rejects a row with more fields than the header', async () => {
      // Prepare
      const csv = 'id,name\n1,a,extra\n';

      // Act
      const error = await readFailure(chunks(csv));

      // Assess
      expect(error.message).toBe('CSV row has 3 fields; the header has 2 (line 2)');
    });

    it('counts newlines inside quoted fields when naming the line', async () => {
      // Prepare
      const csv = 'id,text\n1,"a\nb\nc"\n2\n';

      // Act
      const error = await readFailure(chunks(csv));

      // Assess
      expect(error.location).toEqual({ line: 5 });
    });

    it('rejects an unterminated quote, naming the line where the field starts', async () => {
      // Prepare
      const csv = 'id,text\n1,ok\n2,"never closed\n3,more\n';

      // Act
      const error = await readFailure(chunks(csv));

      // Assess
      expect(error.message).toBe('CSV ends inside a quoted field (unterminated quote) (line 3)');
    });

    it('rejects a quote inside an unquoted field', async () => {
      // Prepare
      const csv = 'id,text\n1,5" screen\n';

      // Act
      const error = await readFailure(chunks(csv));

      // Assess
      expect(error.message).toMatch(/^CSV quote inside an unquoted field/);
      expect(error.location).toEqual({ line: 2 });
    });

    it('rejects text after a closing quote', async () => {
      // Prepare
      const csv = 'id,text\n1,ok\n2,"quoted" tail\n';

      // Act
      const error = await readFailure(chunks(csv));

      // Assess
      expect(error.message).toBe('CSV text after a closing quote; expected a delimiter or line end (line 3)');
    });

    it('rejects a second quoted section in the same field', async () => {
      // Prepare
      const csv = 'id,text\n1,"a""b"x"\n';

      // Act
      const error = await readFailure(chunks(csv));

      // Assess
      expect(error.location).toEqual({ line: 2 });
    });

    it('rejects invalid UTF-8, giving the offset of the offending byte', async () => {
      // Prepare
      const good = 'id,name\n1,a\n';
      const bad = Uint8Array.of(0x32, 0x2c, 0xff, 0x0a);

      // Act
      const error = await readFailure(chunks(good, bad));

      // Assess
      expect(error.message).toBe(`CSV is not valid UTF-8 (byte ${Buffer.byteLength(good) + 2})`);
      expect(error.location).toEqual({ byteOffset: Buffer.byteLength(good) + 2 });
    });

    it('rejects input that ends inside a multi-byte character, giving the input length', async () => {
      // Prepare
      const csv = Buffer.concat([Buffer.from('id,name\n1,'), Buffer.from('€', 'utf8').subarray(0, 2)]);

      // Act
      const error = await readFailure(chunks(csv));

      // Assess
      expect(error.message).toBe(`CSV ends inside a UTF-8 character (byte ${csv.length})`);
    });

    it('rejects empty input as having no header', async () => {
      // Prepare: no chunks at all

      // Act
      const error = await readFailure(chunks());

      // Assess
      expect(error.message).toBe('CSV is empty: no header row (byte 0)');
    });

    it('rejects input that is only a byte order mark as empty', async () => {
      // Prepare
      const bom = Uint8Array.of(0xef, 0xbb, 0xbf);

      // Act
      const error = await readFailure(chunks(bom));

      // Assess
      expect(error.message).toMatch(/^CSV is empty/);
    });

    it('rejects a blank first line as an empty header', async () => {
      // Prepare
      const csv = '\nid,name\n1,a\n';

      // Act
      const error = await readFailure(chunks(csv));

      // Assess
      expect(error.message).toBe('CSV header row is empty (line 1)');
    });

    it('rejects an unquoted field longer than maxFieldLength', async () => {
      // Prepare
      const csv = `id,blob\n1,ok\n2,${'x'.repeat(11)}\n`;

      // Act
      const error = await readFailure(chunks(csv), { maxFieldLength: 10 });

      // Assess
      expect(error.message).toBe('CSV field longer than 10 characters (line 3)');
    });

    it('rejects a runaway quoted field longer than maxFieldLength before the input ends', async () => {
      // Prepare: the quote never closes; the reader must stop at the limit, not buffer everything
      let chunksRead = 0;
      async function* endless(): AsyncGenerator<Uint8Array> {
        yield Buffer.from('id,blob\n1,"');
        for (;;) {
          chunksRead++;
          await Promise.resolve();
          yield Buffer.from('y'.repeat(100));
        }
      }

      // Act
      const error = await readFailure(endless(), { maxFieldLength: 1000 });

      // Assess
      expect(error.message).toBe('CSV field longer than 1000 characters (line 2)');
      expect(chunksRead).toBeLessThanOrEqual(11);
    });

    it('accepts a field exactly maxFieldLength long', async () => {
      // Prepare
      const csv = `id,blob\n1,${'x'.repeat(10)}\n2,"${'y'.repeat(10)}"\n`;

      // Act
      const { rows } = await table(chunks(csv), { maxFieldLength: 10 });

      // Assess
      expect(rows.map((r) => String(r[1]).length)).toEqual([10, 10]);
    });
  });

  describe('properties', () => {
    const special = fc.constantFrom('"', ',', '\n', '\r\n', '\r', ' ', 'é', '🌍', '中', '\uFEFF', '""', ',"');
    const text = fc
      .array(fc.oneof(special, fc.string({ unit: 'grapheme', maxLength: 4 })), { maxLength: 5 })
      .map((p) => p.join(''));
    const tables = fc.integer({ min: 2, max: 5 }).chain((width) =>
      fc.record({
        header: fc.uniqueArray(text, { minLength: width, maxLength: width }),
        rows: fc.array(fc.array(fc.option(text, { nil: null }), { minLength: width, maxLength: width }), {
          maxLength: 8,
        }),
        lineEnd: fc.constantFrom('\n', '\r\n'),
        trailing: fc.boolean(),
      }),
    );

    it('parses back any table of strings serialized with RFC 4180 quoting', async () => {
      // Prepare
      const property = fc.asyncProperty(tables, async ({ header, rows, lineEnd, trailing }) => {
        const csv = serialize(header, rows, lineEnd, trailing);

        // Act
        const result = await table(chunks(csv), { batchSize: 3 });

        // Assess
        expect(result.rows).toEqual(rows);
        expect(result.columns).toEqual(header);
      });

      await fc.assert(property, { numRuns: 300 });
    });

    it('reads the same rows however the bytes are chunked', async () => {
      // Prepare
      const cases = tables.chain((t) => {
        const size = Buffer.byteLength(serialize(t.header, t.rows, t.lineEnd, t.trailing));
        return fc.record({
          t: fc.constant(t),
          cuts: fc.uniqueArray(fc.integer({ min: 0, max: size }), { maxLength: 12 }),
        });
      });
      const property = fc.asyncProperty(cases, async ({ t, cuts }) => {
        const data = Buffer.from(serialize(t.header, t.rows, t.lineEnd, t.trailing), 'utf8');

        // Act
        const whole = await table(chunks(data));
        const pieces = await table(
          chunks(
            ...splitAt(
              data,
              [...cuts].sort((a, b) => a - b),
            ),
          ),
        );

        // Assess
        expect(pieces).toEqual(whole);
      });

      await fc.assert(property, { numRuns: 300 });
    });
  });
});
