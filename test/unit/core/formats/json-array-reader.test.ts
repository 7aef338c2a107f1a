import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { FormatError } from '../../../../lambdas/core/errors';
import { readJsonArray } from '../../../../lambdas/core/formats/json-array-reader';
import { chunked, failureOf, readAll, rowsOf, utf8 } from '../../../fixtures/format-io';

describe('readJsonArray', () => {
  describe('records', () => {
    it('reads an array of objects, keys as columns in first-seen order', async () => {
      // Prepare
      const json = '[{"id":1,"name":"a"},{"name":"b","id":2,"late":true}]';

      // Act
      const batches = await readAll(readJsonArray(chunked(json)));

      // Assess
      expect(batches).toEqual([
        {
          columns: ['id', 'name', 'late'],
          rows: [
            [1, 'a', null],
            [2, 'b', true],
          ],
          firstRow: 1,
        },
      ]);
    });

    it('keeps nested values as JSON text, with brackets and quotes inside strings left alone', async () => {
      // Prepare
      const json = '[{"a":{"b":[1,{"c":"]}"}]},"s":"x\\"]}[{\\\\","t":[]}]';

      // Act
      const rows = await rowsOf(readJsonArray(chunked(json)));

      // Assess
      expect(rows).toEqual([['{"b":[1,{"c":"]}"}]}', 'x"]}[{\\', '[]']]);
    });

    it('reads integers of 16 digits up to 2^53 exactly, bigger ones as bigints, and digits in strings as text', async () => {
      // Prepare
      const json = '[{"a":1234567890123456,"b":"9223372036854775807","c":-9223372036854775808}]';

      // Act
      const rows = await rowsOf(readJsonArray(chunked(json, 5)));

      // Assess
      expect(rows).toEqual([[1234567890123456, '9223372036854775807', -9223372036854775808n]]);
    });

    it('reads an empty array as one batch without columns or rows', async () => {
      // Prepare
      const json = ' [ \n ] \n';

      // Act
      const batches = await readAll(readJsonArray(chunked(json)));

      // Assess
      expect(batches).toEqual([{ columns: [], rows: [], firstRow: 1 }]);
    });

    it('accepts whitespace, blank lines and CRLF between elements and a byte order mark before the array', async () => {
      // Prepare
      const json = '\uFEFF\r\n[\r\n\r\n  {"a":1}\r\n ,\t{"a":2}\r\n\r\n]\r\n\r\n';

      // Act
      const rows = await rowsOf(readJsonArray(chunked(json)));

      // Assess
      expect(rows).toEqual([[1], [2]]);
    });

    it('reads the same rows whichever byte the input is split at', async () => {
      // Prepare
      const json = '\uFEFF[ {"é":"🌍","n":[1,{"x":"}"}]} ,\n{"n":null,"é":"\\"]\\\\"}, {} ]\n';
      const bytes = utf8(json);

      // Act
      const splits = await Promise.all(
        Array.from({ length: bytes.byteLength }, (_, i) => rowsOf(readJsonArray(chunked(bytes, i + 1)))),
      );

      // Assess
      const expected = [
        ['🌍', '[1,{"x":"}"}]'],
        ['"]\\', null],
        [null, null],
      ];
      for (const rows of splits) expect(rows).toEqual(expected);
    });

    it('yields batches of at most batchSize rows when the input arrives in small chunks', async () => {
      // Prepare
      const json = `[${Array.from({ length: 7 }, (_, i) => `{"i":${i}}`).join(',')}]`;

      // Act
      const batches = await readAll(readJsonArray(chunked(json, 8), { batchSize: 3 }));

      // Assess
      expect(batches.flatMap((b) => b.rows)).toEqual(Array.from({ length: 7 }, (_, i) => [i]));
      expect(batches.every((b) => b.rows.length <= 3)).toBe(true);
      expect(batches.map((b) => b.firstRow)).toEqual(
        batches.map((_, k) => 1 + batches.slice(0, k).reduce((n, b) => n + b.rows.length, 0)),
      );
    });
  });

  describe('errors', () => {
    it.each([
      ['scalars', '[1,2]', /^expected a JSON object per record, found number \(byte \d+\)$/],
      [
        'a string after an object',
        '[{"a":1}, "x" ,{"a":2}]',
        /^expected a JSON object per record, found string \(byte \d+\)$/,
      ],
      ['a nested array', '[[1,2]]', /^expected a JSON object per record, found an array \(byte \d+\)$/],
      ['a lone scalar element', '[1]', /./],
      ['a scalar last element', '[{"a":1},true]', /./],
      [
        'an unclosed array',
        '[{"a":1},{"a":2}',
        /^JSON array is not closed \(truncated input\?\) \(byte 16\)$/,
      ],
      [
        'an array cut inside an element',
        '[{"a":1},{"a":',
        /^JSON array is not closed \(truncated input\?\) \(byte \d+\)$/,
      ],
      [
        'an array cut inside a string',
        '[{"a":"x]}',
        /^JSON array is not closed \(truncated input\?\) \(byte \d+\)$/,
      ],
      ['an opening bracket only', '[', /^JSON array is not closed \(truncated input\?\) \(byte 1\)$/],
      ['trailing garbage', '[{"a":1}] x', /^unexpected 'x' after the end of the JSON array \(byte 10\)$/],
      [
        'a second array',
        '[{"a":1}][{"a":2}]',
        /^unexpected '\[' after the end of the JSON array \(byte 9\)$/,
      ],
      [
        'a missing comma',
        '[{"a":1}{"a":2}]',
        /^expected ',' or '\]' after an array element, found '\{' \(byte 8\)$/,
      ],
      ['a trailing comma', '[{"a":1},]', /./],
      ['an object document', '{"a":1}', /^expected a JSON array \('\['\), found '\{' \(byte 0\)$/],
      [
        'an element that is not JSON',
        '[{"a":tru}]',
        /^JSON array element is not valid JSON: .* \(byte \d+\)$/,
      ],
    ])('rejects %s as a FormatError', async (_what, json, message) => {
      // Prepare: the JSON text

      // Act
      const error = await failureOf(readAll(readJsonArray(chunked(json))));

      // Assess
      expect(error).toBeInstanceOf(FormatError);
      expect(error.message).toMatch(message);
    });

    it.each(['', '   \n', '\uFEFF'])('rejects empty input %j', async (json) => {
      // Prepare: the empty text

      // Act
      const error = await failureOf(readAll(readJsonArray(chunked(json))));

      // Assess
      expect(error).toBeInstanceOf(FormatError);
      expect(error.message).toBe('JSON input is empty (byte 0)');
    });

    it('rejects an element longer than maxRecordLength while it is still arriving', async () => {
      // Prepare: a long element outside strings (a runaway string is not bounded: reported)
      const json = `[{"a":[${'1,'.repeat(250)}1]}]`;

      // Act
      const error = await failureOf(readAll(readJsonArray(chunked(json, 32), { maxRecordLength: 100 })));

      // Assess
      expect(error).toBeInstanceOf(FormatError);
      expect(error.message).toMatch(/^JSON array element longer than 100 characters \(byte \d+\)$/);
    });

    it('rejects 100 000 unclosed brackets as a FormatError, not a stack overflow', async () => {
      // Prepare
      const json = '['.repeat(100_000);

      // Act
      const error = await failureOf(readAll(readJsonArray(chunked(json))));

      // Assess
      expect(error).toBeInstanceOf(FormatError);
    });

    it('rejects invalid UTF-8', async () => {
      // Prepare
      const data = Buffer.concat([utf8('[{"a":"'), Buffer.from([0xe2, 0x28, 0xa1]), utf8('"}]')]);

      // Act
      const error = await failureOf(readAll(readJsonArray(chunked(data))));

      // Assess
      expect(error).toBeInstanceOf(FormatError);
      expect(error.message).toMatch(/^JSON input is not valid UTF-8 \(byte \d+\)$/);
    });

    it('rejects input that ends inside a character (found by fuzzing: it was a TypeError)', async () => {
      // Prepare
      const data = Buffer.concat([utf8('[{"a":"'), Buffer.from([0xf0, 0x9f])]);

      // Act
      const error = await failureOf(readAll(readJsonArray(chunked(data, 1))));

      // Assess
      expect(error).toBeInstanceOf(FormatError);
      expect(error.message).toBe(`JSON input ends inside a UTF-8 character (byte ${data.byteLength})`);
    });
  });

  describe('properties', () => {
    it('reads the same rows however a JSON array of objects is chunked', async () => {
      // Prepare
      const value = fc.oneof(
        fc.string({ unit: 'grapheme', maxLength: 5 }),
        fc.constantFrom('"', '\\', ']', '}', '[', '{', ',', '\n'),
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 3 })), { maxLength: 3 }),
      );
      const key = fc.string({ minLength: 1, maxLength: 3 }).filter((k) => k !== '__proto__');
      const objects = fc.array(fc.dictionary(key, value, { maxKeys: 3 }), { maxLength: 5 });

      // Act + Assess
      await fc.assert(
        fc.asyncProperty(
          objects,
          fc.integer({ min: 1, max: 20 }),
          fc.constantFrom('', ' ', '\n', '\r\n'),
          async (list, size, gap) => {
            const json = `[${gap}${list.map((o) => JSON.stringify(o)).join(`,${gap}`)}${gap}]${gap}`;
            const whole = await rowsOf(readJsonArray(chunked(json)));
            const split = await rowsOf(readJsonArray(chunked(json, size)));
            expect(split).toEqual(whole);
            expect(whole).toHaveLength(list.length);
          },
        ),
        { numRuns: 150 },
      );
    });
  });
});
