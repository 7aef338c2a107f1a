/**
 * What the JSON readers keep, refuse and report: no value is dropped or changed without a word.
 * Duplicate keys are refused (JSON.parse would keep the last silently), `__proto__` is a key like
 * any other, lone surrogates survive a JSON Lines round trip, a key first seen late is never lost
 * by a conversion, and values carried in another form (nested JSON as text, big integers as JSON
 * strings) are named in the conversion proof.
 */
import { describe, expect, it } from 'vitest';

import { convertTable, type ConversionResult } from '../../../../lambdas/core/conversion/convert-table';
import type { DataFormat } from '../../../../lambdas/core/contracts/output-contract';
import { FormatError, IntegrityError } from '../../../../lambdas/core/errors';
import { BufferSink, bufferSource } from '../../../../lambdas/core/formats/byte-io';
import { readJsonArray } from '../../../../lambdas/core/formats/json-array-reader';
import { readJsonLines } from '../../../../lambdas/core/formats/jsonl-reader';
import { validateRecords } from '../../../../lambdas/core/validation/validate-records';
import { chunked, failureOf, readAll, rowsOf, utf8 } from '../../../fixtures/format-io';
import { outputContract } from '../../../fixtures/output-contract';

async function convertJsonLines(
  text: string,
  to: DataFormat = 'jsonl',
): Promise<{ result: ConversionResult; output: string }> {
  const sink = new BufferSink(`out.${to}`);
  const result = await convertTable(
    bufferSource(utf8(text), 'in.jsonl'),
    sink,
    () => bufferSource(sink.bytes()),
    {
      from: 'jsonl',
      to,
    },
  );
  return { result, output: Buffer.from(sink.bytes()).toString('utf8') };
}

describe('JSON readers: duplicate keys', () => {
  it.each([
    ['at the top level', '{"id":1}\n{"id":2,"a":1,"a":2}\n', 'a', 2],
    ['in a nested object', '{"n":{"x":1,"y":{"x":1}}}\n{"n":{"x":1,"x":2}}\n', 'x', 2],
    ['spelt with an escape', '{"ab":1,"a\\u0062":2}\n', 'ab', 1],
    ['named __proto__', '{"__proto__":1,"__proto__":2}\n', '__proto__', 1],
    ['spaced from its colon', '{"a" : 1, "b":2, "a":3}\n', 'a', 1],
    ['beside a string holding \\":', '{"s":"x\\":y","t":{"u":1,"u":2}}\n', 'u', 1],
  ])(
    'refuses a key given twice %s, naming the key, the record and the line',
    async (_, jsonl, key, record) => {
      // Prepare: the JSON Lines text

      // Act
      const error = await failureOf(readAll(readJsonLines(chunked(jsonl, 5))));

      // Assess
      expect(error).toBeInstanceOf(FormatError);
      expect(error.message).toBe(
        `key given more than once in one record; JSON keeps only the last value, so the record is refused (line ${record}, row ${record}, column '${key}')`,
      );
      expect((error as FormatError).location).toEqual({ line: record, row: record, column: key });
    },
  );

  it('refuses a duplicate key in a JSON array element, at the byte where the element starts', async () => {
    // Prepare
    const json = '[{"a":"é"},{"b":1,"b":1}]';

    // Act
    const error = await failureOf(readAll(readJsonArray(chunked(json, 3))));

    // Assess
    expect(error).toBeInstanceOf(FormatError);
    expect((error as FormatError).location).toEqual({
      byteOffset: Buffer.byteLength('[{"a":"é"},'),
      row: 2,
      column: 'b',
    });
  });

  it('accepts colons inside strings and the same key in different objects', async () => {
    // Prepare
    const jsonl = '{"at":"10:20:30","url":"s3://b/k","x":{"a":1},"y":{"a":2,"b":{"a":3}},"a":":"}\n';

    // Act
    const batches = await readAll(readJsonLines(chunked(jsonl)));

    // Assess
    expect(batches[0]?.columns).toEqual(['at', 'url', 'x', 'y', 'a']);
    expect(batches[0]?.rows[0]?.[4]).toBe(':');
  });
});

describe('JSON array reader: locations', () => {
  it('counts byte offsets in UTF-8 bytes, not characters', async () => {
    // Prepare: 'é' is 2 bytes and '🌍' 4
    const json = '[{"a":"é"},{"b":"🌍"},1]';

    // Act
    const error = await failureOf(readAll(readJsonArray(chunked(json))));

    // Assess
    expect(error.message).toMatch(/^expected a JSON object per record, found number/);
    expect((error as FormatError).location).toEqual({
      byteOffset: Buffer.byteLength('[{"a":"é"},{"b":"🌍"},'),
    });
  });
});

describe('JSON readers: keys and strings kept as they are', () => {
  it('keeps a key named __proto__ as a column, in nested objects too, through a conversion', async () => {
    // Prepare
    const jsonl = '{"__proto__":1,"n":{"__proto__":{"x":2}}}\n';

    // Act
    const { result, output } = await convertJsonLines(jsonl);

    // Assess
    expect(result.schemaMapping.map((m) => m.from)).toEqual(['__proto__', 'n']);
    expect(JSON.parse(output.trim())).toEqual(
      JSON.parse('{"__proto__":1,"n":"{\\"__proto__\\":{\\"x\\":2}}"}'),
    );
  });

  it('reads lone surrogates as they are and writes them back as the same JSON escapes', async () => {
    // Prepare
    const jsonl = '{"s":"a\\ud800b","t":"\\udfff","n":{"u":"\\ud83d"}}\n';

    // Act
    const rows = await rowsOf(readJsonLines(chunked(jsonl)));
    const { output } = await convertJsonLines(jsonl);

    // Assess
    expect(rows).toEqual([['a\ud800b', '\udfff', '{"u":"\\ud83d"}']]);
    expect(output).toContain('"s":"a\\ud800b"');
    expect(output).toContain('"t":"\\udfff"');
    expect(output).not.toContain('\ufffd');
  });
});

describe('convertTable from JSON Lines: nothing dropped or changed silently', () => {
  it.each(['csv', 'parquet', 'arrow'] as const)(
    'fails the proof when %s cannot hold a lone surrogate and writes U+FFFD instead',
    async (to) => {
      // Prepare: UTF-8 has no encoding for a lone surrogate
      const jsonl = '{"id":1,"s":"a\\ud800b"}\n';

      // Act
      const error = await failureOf(convertJsonLines(jsonl, to));

      // Assess
      expect(error).toBeInstanceOf(IntegrityError);
      expect(error.message).toBe(`conversion to ${to} changed the values of column(s) s`);
    },
  );

  it('refuses a key first seen after the first batch, naming it and its row, instead of dropping it', async () => {
    // Prepare: the schema comes from the first batch (10,000 rows); the key arrives in row 10,001
    const lines = Array.from({ length: 10_000 }, (_, i) => `{"a":${i},"b":"x"}`);
    lines.push('{"a":10000,"late":"v"}');

    // Act
    const error = await failureOf(convertJsonLines(lines.join('\n')));

    // Assess
    expect(error).toBeInstanceOf(FormatError);
    expect(error.message).toMatch(/^column 'late' first appears in row 10001, /);
  });

  it('names in the proof the columns whose nested values and big integers changed form', async () => {
    // Prepare
    const jsonl = [
      '{"id":1,"n":{"x":[1,2]},"big":12345678901234567890,"huge":123456789012345678901234}',
      '{"id":2,"n":[true],"big":1,"huge":2}',
    ].join('\n');

    // Act
    const { result, output } = await convertJsonLines(jsonl);

    // Assess
    expect(output.split('\n')[0]).toBe(
      '{"id":1,"n":"{\\"x\\":[1,2]}","big":"12345678901234567890","huge":"123456789012345678901234"}',
    );
    expect(result.representation).toEqual([
      { column: 'n', change: 'nested JSON objects/arrays carried as JSON text' },
      { column: 'big', change: 'integers beyond 2^53 written as JSON strings' },
      { column: 'huge', change: 'integers beyond 2^53 written as JSON strings' },
    ]);
  });

  it('reports no change of form for flat JSON, nor for big integers written to CSV', async () => {
    // Prepare
    const jsonl = '{"id":1,"big":12345678901234567890}\n';

    // Act
    const flat = await convertJsonLines('{"id":1,"s":"x"}\n');
    const csv = await convertJsonLines(jsonl, 'csv');

    // Assess
    expect(flat.result.representation).toBeUndefined();
    expect(csv.result.representation).toBeUndefined();
    expect(csv.output).toBe('id,big\n1,12345678901234567890\n');
  });
});

describe('validateRecords over JSON Lines: a key first seen after the first batch', () => {
  it('reports the late key as an extra column, not passing the schema without it', async () => {
    // Prepare: the key arrives in record 10,001, in the second batch
    const lines = Array.from({ length: 10_000 }, (_, i) => `{"a":${i}}`);
    lines.push('{"a":10000,"late":"v"}');
    const contract = outputContract({
      format: 'jsonl',
      allowExtraColumns: false,
      compatibility: 'compatible',
      schema: [{ name: 'a', type: 'int64', nullable: false }],
    });

    // Act
    const report = await validateRecords(contract, readJsonLines(chunked(lines.join('\n'), 64 * 1024)));

    // Assess
    expect(report.schema.columns.find((c) => c.name === 'late')).toMatchObject({ finding: 'extra' });
    expect(report.status).toBe('failed');
  });
});
