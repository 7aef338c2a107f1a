import { describe, expect, it } from 'vitest';

import { FormatError } from '../../../../lambdas/core/errors';
import { readCsv } from '../../../../lambdas/core/formats/csv-reader';
import { chunked, failureOf, parts, readAll, rowsOf, utf8 } from '../../../fixtures/format-io';

describe('readCsv options', () => {
  describe('delimiter', () => {
    it.each([
      [';', 'id;name;note\n1;"a;b";x\n2;;"say ""hi"""\n'],
      ['\t', 'id\tname\tnote\n1\t"a\tb"\tx\n2\t\t"say ""hi"""\n'],
      ['|', 'id|name|note\n1|"a|b"|x\n2||"say ""hi"""\n'],
    ])('reads fields split by %j, quoted delimiters included', async (delimiter, csv) => {
      // Prepare: the delimited text

      // Act
      const batches = await readAll(readCsv(chunked(csv), { delimiter }));

      // Assess
      expect(batches[0]?.columns).toEqual(['id', 'name', 'note']);
      expect(batches.flatMap((b) => b.rows)).toEqual([
        ['1', `a${delimiter}b`, 'x'],
        ['2', null, 'say "hi"'],
      ]);
    });

    it('treats commas as text when the delimiter is a semicolon', async () => {
      // Prepare
      const csv = 'amount;label\n1,5;a,b\n';

      // Act
      const rows = await rowsOf(readCsv(chunked(csv), { delimiter: ';' }));

      // Assess
      expect(rows).toEqual([['1,5', 'a,b']]);
    });

    it('counts fields by the configured delimiter when rejecting a ragged row', async () => {
      // Prepare
      const csv = 'a\tb\n1\t2\t3\n';

      // Act
      const error = await failureOf(readAll(readCsv(chunked(csv), { delimiter: '\t' })));

      // Assess
      expect(error).toBeInstanceOf(FormatError);
      expect(error.message).toBe('CSV row has 3 fields; the header has 2 (line 2)');
    });
  });

  describe('header: false', () => {
    it('names the columns from the given list and reads the first line as data', async () => {
      // Prepare
      const csv = '1,alice\n2,"bob, jr"\n';

      // Act
      const batches = await readAll(readCsv(chunked(csv), { header: false, columns: ['id', 'name'] }));

      // Assess
      expect(batches).toEqual([
        {
          columns: ['id', 'name'],
          rows: [
            ['1', 'alice'],
            ['2', 'bob, jr'],
          ],
          firstRow: 1,
        },
      ]);
    });

    it('refuses to start without column names', async () => {
      // Prepare
      const csv = '1,alice\n';

      // Act
      const error = await failureOf(readAll(readCsv(chunked(csv), { header: false })));

      // Assess
      expect(error).toBeInstanceOf(FormatError);
      expect(error.message).toBe('CSV without a header needs the column names (from the contract schema)');
    });

    it('rejects a row whose width differs from the schema, naming the schema', async () => {
      // Prepare
      const csv = '1,alice\n2\n';

      // Act
      const error = await failureOf(
        readAll(readCsv(chunked(csv), { header: false, columns: ['id', 'name'] })),
      );

      // Assess
      expect(error).toBeInstanceOf(FormatError);
      expect(error.message).toBe('CSV row has 1 fields; the schema names 2 (line 2)');
    });

    it('does not take a line that looks like a header for one', async () => {
      // Prepare
      const csv = 'id,name\n1,alice\n';

      // Act
      const rows = await rowsOf(readCsv(chunked(csv), { header: false, columns: ['id', 'name'] }));

      // Assess
      expect(rows).toEqual([
        ['id', 'name'],
        ['1', 'alice'],
      ]);
    });

    it('reads empty input as one batch without rows', async () => {
      // Prepare
      const csv = '';

      // Act
      const batches = await readAll(readCsv(chunked(csv), { header: false, columns: ['id'] }));

      // Assess
      expect(batches).toEqual([{ columns: ['id'], rows: [], firstRow: 1 }]);
    });
  });

  describe('batches', () => {
    it('keeps every batch within batchSize even when one chunk holds many rows', async () => {
      // Prepare
      const csv = `n\n${Array.from({ length: 23 }, (_, i) => `${i}\n`).join('')}`;

      // Act
      const batches = await readAll(readCsv(parts(csv), { batchSize: 5 }));

      // Assess
      expect(batches.map((b) => b.rows.length)).toEqual([5, 5, 5, 5, 3]);
      expect(batches.map((b) => b.firstRow)).toEqual([1, 6, 11, 16, 21]);
      expect(batches.flatMap((b) => b.rows.map((r) => r[0]))).toEqual(
        Array.from({ length: 23 }, (_, i) => String(i)),
      );
    });

    it('yields no empty trailing batch when the rows fill the last batch exactly', async () => {
      // Prepare
      const csv = 'n\n1\n2\n3\n4\n';

      // Act
      const batches = await readAll(readCsv(parts(csv), { batchSize: 2 }));

      // Assess
      expect(batches.map((b) => b.rows.length)).toEqual([2, 2]);
    });

    it('treats a batchSize below 1 as 1', async () => {
      // Prepare
      const csv = 'n\n1\n2\n';

      // Act
      const batches = await readAll(readCsv(parts(csv), { batchSize: 0 }));

      // Assess
      expect(batches.map((b) => b.rows.length)).toEqual([1, 1]);
    });

    it.each([
      ['with a newline', 'a,b\n'],
      ['without a newline', 'a,b'],
      ['with CRLF', 'a,b\r\n'],
      ['after a byte order mark', '\uFEFFa,b\n'],
    ])('reads a header-only file (%s) as one batch with the columns and no rows', async (_what, csv) => {
      // Prepare: the header-only text

      // Act
      const batches = await readAll(readCsv(chunked(csv, 1)));

      // Assess
      expect(batches).toEqual([{ columns: ['a', 'b'], rows: [], firstRow: 1 }]);
    });
  });

  describe('header checks', () => {
    it.each([
      ['a,b,a\n1,2,3\n', "CSV header names column 'a' twice (line 1)"],
      ['"x",y,"x"\n', "CSV header names column 'x' twice (line 1)"],
      [',\n1,2\n', "CSV header names column '' twice (line 1)"],
    ])('rejects the duplicate header in %j', async (csv, message) => {
      // Prepare: the CSV text

      // Act
      const error = await failureOf(readAll(readCsv(chunked(csv))));

      // Assess
      expect(error).toBeInstanceOf(FormatError);
      expect(error.message).toBe(message);
    });
  });

  describe('blank lines', () => {
    it('skips blank lines in a table of several columns', async () => {
      // Prepare
      const csv = 'a,b\n1,2\n\n3,4\n\n';

      // Act
      const rows = await rowsOf(readCsv(chunked(csv)));

      // Assess
      expect(rows).toEqual([
        ['1', '2'],
        ['3', '4'],
      ]);
    });

    it('reads a blank line in a one-column table as a null, since that is how a null is written', async () => {
      // Prepare
      const csv = 'a\n1\n\n""\n';

      // Act
      const rows = await rowsOf(readCsv(chunked(csv)));

      // Assess
      expect(rows).toEqual([['1'], [null], ['']]);
    });
  });

  describe('invalid UTF-8', () => {
    it.each([
      ['a lone continuation byte', [0x80], 4],
      ['an overlong encoding of /', [0xc0, 0xaf], 4],
      ['a surrogate encoded in UTF-8', [0xed, 0xa0, 0x80], 4],
      ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80], 4],
      ['an invalid lead byte', [0xff], 4],
    ])('reports %s at its exact byte offset', async (_what, bad, offset) => {
      // Prepare
      const data = Buffer.concat([utf8('a\nxy'), Buffer.from(bad), utf8('z\n')]);

      // Act
      const error = await failureOf(readAll(readCsv(chunked(data))));

      // Assess
      expect(error).toBeInstanceOf(FormatError);
      expect(error.message).toBe(`CSV is not valid UTF-8 (byte ${offset})`);
      expect((error as FormatError).location).toEqual({ byteOffset: offset });
    });

    it('reports the offset within the whole input, not within the chunk', async () => {
      // Prepare: the bad byte sits in the third 5-byte chunk, after a character split across chunks
      const data = Buffer.concat([utf8('a\nx€€yy'), Buffer.from([0xff]), utf8('\n')]);

      // Act
      const error = await failureOf(readAll(readCsv(chunked(data, 5))));

      // Assess
      expect(error.message).toBe(`CSV is not valid UTF-8 (byte ${data.indexOf(0xff)})`);
    });

    it('reports input that ends inside a character', async () => {
      // Prepare
      const data = Buffer.concat([utf8('a\nxy'), Buffer.from([0xe2, 0x82])]);

      // Act
      const error = await failureOf(readAll(readCsv(chunked(data))));

      // Assess
      expect(error).toBeInstanceOf(FormatError);
      expect(error.message).toMatch(/^CSV ends inside a UTF-8 character \(byte \d+\)$/);
    });
  });
});
