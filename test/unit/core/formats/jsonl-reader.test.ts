import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { FormatError } from '../../../../lambdas/core/errors';
import { parseJsonExact } from '../../../../lambdas/core/formats/json-records';
import { readJsonLines } from '../../../../lambdas/core/formats/jsonl-reader';
import { chunked, failureOf, jsonNumberIsMisread, readAll, rowsOf, utf8 } from '../../../fixtures/format-io';

describe('readJsonLines', () => {
  describe('records', () => {
    it('reads one object per line, keys as columns in first-seen order', async () => {
      // Prepare
      const jsonl = '{"id":1,"name":"a"}\n{"name":"b","id":2}\n';

      // Act
      const batches = await readAll(readJsonLines(chunked(jsonl)));

      // Assess
      expect(batches).toEqual([
        {
          columns: ['id', 'name'],
          rows: [
            [1, 'a'],
            [2, 'b'],
          ],
          firstRow: 1,
        },
      ]);
    });

    it('gives a key that first appears late its own column, null in the rows before', async () => {
      // Prepare
      const jsonl = '{"id":1}\n{"id":2,"extra":true}\n{"id":3}\n';

      // Act
      const batches = await readAll(readJsonLines(chunked(jsonl)));

      // Assess
      expect(batches[0]?.columns).toEqual(['id', 'extra']);
      expect(batches[0]?.rows).toEqual([
        [1, null],
        [2, true],
        [3, null],
      ]);
    });

    it('keeps nested objects and arrays as JSON text and JSON null as null', async () => {
      // Prepare
      const jsonl = '{"a":{"b":[1,"x",null]},"c":[],"d":null,"e":false,"f":-1.5e3,"g":""}\n';

      // Act
      const rows = await rowsOf(readJsonLines(chunked(jsonl)));

      // Assess
      expect(rows).toEqual([['{"b":[1,"x",null]}', '[]', null, false, -1500, '']]);
    });

    it('reads integers of 16 digits up to 2^53 exactly as numbers', async () => {
      // Prepare
      const jsonl = '{"a":1234567890123456,"b":-9007199254740991}\n';

      // Act
      const rows = await rowsOf(readJsonLines(chunked(jsonl)));

      // Assess
      expect(rows).toEqual([[1234567890123456, -9007199254740991]]);
    });

    it('keeps integers beyond 2^53 written as JSON numbers digit for digit, as bigints', async () => {
      // Prepare
      const jsonl = '{"a":9007199254740993,"b":-9223372036854775808, "c" : 18446744073709551615}\n';

      // Act
      const rows = await rowsOf(readJsonLines(chunked(jsonl)));

      // Assess
      expect(rows).toEqual([[9007199254740993n, -9223372036854775808n, 18446744073709551615n]]);
    });

    it('keeps integers beyond 2^53 written as JSON strings digit for digit', async () => {
      // Prepare: how prt's own writers spell int64 values a JSON number cannot hold
      const jsonl = '{"a":"9223372036854775807","b":"-9007199254740993"}\n';

      // Act
      const rows = await rowsOf(readJsonLines(chunked(jsonl)));

      // Assess
      expect(rows).toEqual([['9223372036854775807', '-9007199254740993']]);
    });

    it('keeps strings that look like big integers as strings', async () => {
      // Prepare
      const jsonl = '{"note":"[12345678901234567890]","n":1}\n';

      // Act
      const rows = await rowsOf(readJsonLines(chunked(jsonl)));

      // Assess
      expect(rows).toEqual([['[12345678901234567890]', 1]]);
    });
  });

  describe('line handling', () => {
    it('ignores blank and whitespace-only lines but counts them when naming lines', async () => {
      // Prepare
      const jsonl = '\n{"a":1}\n   \n\t\n{"a":2}\n\n{"a":\n';

      // Act
      const error = await failureOf(readAll(readJsonLines(chunked(jsonl))));
      const rows = await rowsOf(readJsonLines(chunked('\n{"a":1}\n   \n{"a":2}\n\n')));

      // Assess
      expect(rows).toEqual([[1], [2]]);
      expect((error as FormatError).location).toEqual({ line: 7 });
    });

    it('reads CRLF line ends', async () => {
      // Prepare
      const jsonl = '{"a":"x"}\r\n{"a":"y\\r\\n"}\r\n';

      // Act
      const rows = await rowsOf(readJsonLines(chunked(jsonl)));

      // Assess
      expect(rows).toEqual([['x'], ['y\r\n']]);
    });

    it('drops a UTF-8 byte order mark', async () => {
      // Prepare
      const jsonl = '\uFEFF{"a":1}\n';

      // Act
      const batches = await readAll(readJsonLines(chunked(jsonl, 1)));

      // Assess
      expect(batches[0]?.columns).toEqual(['a']);
    });

    it('reads a last line without a newline', async () => {
      // Prepare
      const jsonl = '{"a":1}\n{"a":2}';

      // Act
      const rows = await rowsOf(readJsonLines(chunked(jsonl)));

      // Assess
      expect(rows).toEqual([[1], [2]]);
    });

    it('reads the same rows whichever byte the input is split at', async () => {
      // Prepare
      const jsonl = '\uFEFF{"é":"🌍","n":[1,{"x":"}"}]}\r\n\n{"n":null,"é":"\\"q\\""}\n';
      const bytes = utf8(jsonl);
      const expected = await rowsOf(readJsonLines(chunked(bytes)));

      // Act
      const splits = await Promise.all(
        Array.from({ length: bytes.byteLength }, (_, i) => rowsOf(readJsonLines(chunked(bytes, i + 1)))),
      );

      // Assess
      expect(expected).toEqual([
        ['🌍', '[1,{"x":"}"}]'],
        ['"q"', null],
      ]);
      for (const rows of splits) expect(rows).toEqual(expected);
    });
  });

  describe('batches', () => {
    it('yields batches of at most batchSize rows, numbered from their first row', async () => {
      // Prepare
      const jsonl = Array.from({ length: 7 }, (_, i) => `{"i":${i}}\n`).join('');

      // Act
      const batches = await readAll(readJsonLines(chunked(jsonl), { batchSize: 3 }));

      // Assess
      expect(batches.map((b) => b.rows.length)).toEqual([3, 3, 1]);
      expect(batches.map((b) => b.firstRow)).toEqual([1, 4, 7]);
    });
  });

  describe('errors', () => {
    it.each([
      [
        'a line that is not JSON',
        '{"a":1}\n{"a":}\n',
        /^JSON Lines record is not valid JSON: .* \(line 2\)$/,
      ],
      [
        'a truncated last line',
        '{"a":1}\n{"a":2}\n{"a":',
        /^JSON Lines record is not valid JSON: .* \(line 3\)$/,
      ],
      ['an array line', '{"a":1}\n[1,2]\n', /^expected a JSON object per record, found an array \(line 2\)$/],
      ['a number line', '{"a":1}\n\n42\n', /^expected a JSON object per record, found number \(line 3\)$/],
      ['a string line', '"a"\n', /^expected a JSON object per record, found string \(line 1\)$/],
      ['a null line', 'null\n', /^expected a JSON object per record, found .* \(line 1\)$/],
      ['two objects on one line', '{"a":1}{"a":2}\n', /^JSON Lines record is not valid JSON: .* \(line 1\)$/],
      [
        'a JSON array document',
        '[{"a":1}]\n',
        /^expected a JSON object per record, found an array \(line 1\)$/,
      ],
      ['NaN, which JSON lacks', '{"a":NaN}\n', /^JSON Lines record is not valid JSON: .* \(line 1\)$/],
    ])('rejects %s, naming the line', async (_what, jsonl, message) => {
      // Prepare: the JSON Lines text

      // Act
      const error = await failureOf(readAll(readJsonLines(chunked(jsonl))));

      // Assess
      expect(error).toBeInstanceOf(FormatError);
      expect(error.message).toMatch(message);
    });

    it.each(['', '\uFEFF'])('rejects empty input %j', async (jsonl) => {
      // Prepare: the empty text

      // Act
      const error = await failureOf(readAll(readJsonLines(chunked(jsonl))));

      // Assess
      expect(error).toBeInstanceOf(FormatError);
      expect(error.message).toBe('JSON Lines input is empty (byte 0)');
    });

    it('rejects a line longer than maxRecordLength before reading on', async () => {
      // Prepare
      const jsonl = `{"a":"${'x'.repeat(200)}"}\n`;

      // Act
      const error = await failureOf(readAll(readJsonLines(chunked(jsonl, 16), { maxRecordLength: 100 })));

      // Assess
      expect(error).toBeInstanceOf(FormatError);
      expect(error.message).toBe('JSON Lines record longer than 100 characters (line 1)');
    });

    it('rejects invalid UTF-8 with a byte offset at or before the bad byte', async () => {
      // Prepare
      const data = Buffer.concat([utf8('{"a":"ok"}\n{"a":"'), Buffer.from([0xc3, 0x28]), utf8('"}\n')]);

      // Act
      const error = await failureOf(readAll(readJsonLines(chunked(data, 7))));

      // Assess
      expect(error).toBeInstanceOf(FormatError);
      expect(error.message).toMatch(/^JSON Lines input is not valid UTF-8/);
      expect((error as FormatError).location?.byteOffset).toBeLessThanOrEqual(data.indexOf(0xc3));
    });

    it('rejects input that ends inside a character', async () => {
      // Prepare
      const data = Buffer.concat([utf8('{"a":1}\n{"a":"'), Buffer.from([0xf0, 0x9f])]);

      // Act
      const error = await failureOf(readAll(readJsonLines(chunked(data))));

      // Assess
      expect(error).toBeInstanceOf(FormatError);
      expect(error.message).toBe(`JSON Lines input ends inside a UTF-8 character (byte ${data.byteLength})`);
    });
  });

  describe('properties', () => {
    it('reads back any objects of scalar values written one per line', async () => {
      // Prepare
      const scalar = fc.oneof(
        fc.string({ unit: 'grapheme', maxLength: 6 }),
        fc.integer(),
        fc
          .double({ noNaN: true, noDefaultInfinity: true })
          .filter((n) => !Object.is(n, -0) && !jsonNumberIsMisread(n)),
        fc.boolean(),
        fc.constant(null),
      );
      const key = fc.string({ minLength: 1, maxLength: 4 }).filter((k) => k !== '__proto__');
      const records = fc.array(fc.dictionary(key, scalar, { maxKeys: 4 }), {
        minLength: 1,
        maxLength: 6,
      });

      // Act + Assess
      await fc.assert(
        fc.asyncProperty(records, fc.integer({ min: 1, max: 40 }), async (objects, size) => {
          const jsonl = objects.map((o) => JSON.stringify(o)).join('\n');
          const batches = await readAll(readJsonLines(chunked(jsonl, size)));
          const columns = batches.at(-1)!.columns;
          const read = batches.flatMap((b) =>
            b.rows.map((row) =>
              Object.fromEntries(
                columns
                  // An integral double beyond 2^53 may come back as the bigint of its digits.
                  .map((c, i): [string, unknown] => [
                    c,
                    typeof row[i] === 'bigint' ? Number(row[i]) : (row[i] ?? null),
                  ])
                  .filter(([, v]) => v !== null),
              ),
            ),
          );
          expect(read).toEqual(
            objects.map((o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null))),
          );
        }),
        { numRuns: 150 },
      );
    });
  });
});

describe('parseJsonExact', () => {
  it.each([
    ['{"a":1}', { a: 1 }],
    ['[1,2.5,"x",null,true]', [1, 2.5, 'x', null, true]],
    ['{"a":1234567890123456}', { a: 1234567890123456 }],
    ['{"s":"x,12345678901234567890]"}', { s: 'x,12345678901234567890]' }],
    ['{"s":"\\"12345678901234567890"}', { s: '"12345678901234567890' }],
  ])('parses %s as JSON.parse does where JSON numbers are exact', (text, expected) => {
    // Prepare: the JSON text

    // Act
    const value = parseJsonExact(text);

    // Assess
    expect(value).toEqual(expected);
  });

  it('turns integers beyond 2^53 into bigints, also next to strings that look like them', () => {
    // Prepare
    const text = '{"id":12345678901234567890,"note":"[1234567890123456789]","list":[-9007199254740993,1.5]}';

    // Act
    const value = parseJsonExact(text);

    // Assess
    expect(value).toEqual({
      id: 12345678901234567890n,
      note: '[1234567890123456789]',
      list: [-9007199254740993n, 1.5],
    });
  });

  it.each([
    '{"a":}',
    '{"a":1',
    "{'a':1}",
    '{"a":01}',
    // A big integer as a key: quoting it for exactness made it valid (found by fuzzing).
    '{12345678901234567890:1}',
    '{"a":{12345678901234567890 :1}}',
  ])('rejects %s as JSON.parse does', (text) => {
    // Prepare: the invalid JSON text

    // Act + Assess
    expect(() => parseJsonExact(text)).toThrow(SyntaxError);
  });
});
