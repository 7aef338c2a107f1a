/**
 * Bounds of the JSON readers: distinct keys are capped (maxColumns) with an error naming the record,
 * a batch never holds more than JSON_MAX_BATCH_CELLS cells however wide the input, and a key first
 * seen late is carried, never dropped. Work is counted in cells and columns, not in time.
 */
import { describe, expect, it } from 'vitest';

import { FormatError } from '../../../../lambdas/core/errors';
import { bufferSource } from '../../../../lambdas/core/formats/byte-io';
import { readJsonArray } from '../../../../lambdas/core/formats/json-array-reader';
import { JSON_MAX_BATCH_CELLS, JSON_MAX_COLUMNS } from '../../../../lambdas/core/formats/json-records';
import { readJsonLines } from '../../../../lambdas/core/formats/jsonl-reader';
import { openTable } from '../../../../lambdas/core/formats/open-table';
import { chunked, failureOf, readAll, utf8 } from '../../../fixtures/format-io';

/** `count` JSON objects, the i-th with an id and one key no record before it had. */
function newKeyEach(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `{"id":${i},"k${i}":${i}}`);
}

describe('JSON readers: distinct keys', () => {
  it('refuses the key past maxColumns in JSON Lines, naming the record, the key and the line', async () => {
    // Prepare: 'id' plus one new key per line; the 10th line brings the 11th distinct key
    const jsonl = newKeyEach(20).join('\n');

    // Act
    const error = await failureOf(readAll(readJsonLines(chunked(jsonl, 7), { maxColumns: 10 })));

    // Assess
    expect(error).toBeInstanceOf(FormatError);
    expect(error.message).toBe(
      "key beyond the limit of 10 distinct keys (columns); raise maxColumns to read a wider input (line 10, row 10, column 'k9')",
    );
    expect((error as FormatError).location).toEqual({ line: 10, row: 10, column: 'k9' });
  });

  it('refuses the key past maxColumns in a JSON array, naming the record and its byte offset', async () => {
    // Prepare
    const json = `[${newKeyEach(20).join(',')}]`;

    // Act
    const error = await failureOf(readAll(readJsonArray(chunked(json, 5), { maxColumns: 10 })));

    // Assess
    expect(error).toBeInstanceOf(FormatError);
    expect(error.message).toMatch(/^key beyond the limit of 10 distinct keys/);
    expect((error as FormatError).location).toEqual({
      byteOffset: json.indexOf('{"id":9,'),
      row: 10,
      column: 'k9',
    });
  });

  it(`refuses one record wider than the default of ${JSON_MAX_COLUMNS} keys`, async () => {
    // Prepare: the shape that took minutes when every new key copied the column list
    const keys = Array.from({ length: JSON_MAX_COLUMNS + 1 }, (_, i) => `"c${i}":${i}`);
    const jsonl = `{${keys.join(',')}}\n`;

    // Act
    const error = await failureOf(readAll(readJsonLines(chunked(jsonl, 64 * 1024))));

    // Assess
    expect(error).toBeInstanceOf(FormatError);
    expect(error.message).toBe(
      `key beyond the limit of ${JSON_MAX_COLUMNS} distinct keys (columns); raise maxColumns to read a wider input (line 1, row 1, column 'c${JSON_MAX_COLUMNS}')`,
    );
  });

  it.each(['jsonl', 'json'] as const)('takes maxColumns from openTable for %s', async (format) => {
    // Prepare: the fourth distinct key comes with record 3
    const records = ['{"a":1}', '{"a":2,"b":2,"c":2}', '{"d":3}'];
    const text = format === 'jsonl' ? records.join('\n') : `[${records.join(',')}]`;

    // Act
    const opened = await openTable(bufferSource(utf8(text), `in.${format}`), { format, maxColumns: 3 });
    const error = await failureOf(readAll(opened.batches));

    // Assess
    expect(error).toBeInstanceOf(FormatError);
    expect(error.message).toMatch(/^key beyond the limit of 3 distinct keys/);
    expect((error as FormatError).location).toMatchObject({ row: 3, column: 'd' });
  });

  it('accepts exactly maxColumns distinct keys', async () => {
    // Prepare: 'id' and k0..k8 are 10 keys
    const jsonl = newKeyEach(9).join('\n');

    // Act
    const batches = await readAll(readJsonLines(chunked(jsonl), { maxColumns: 10 }));

    // Assess
    expect(batches.at(-1)?.columns).toHaveLength(10);
  });
});

describe('JSON readers: batch size in cells', () => {
  it.each([
    ['JSON Lines', (text: string[]) => readJsonLines(chunked(text.join('\n'), 64 * 1024))],
    ['JSON array', (text: string[]) => readJsonArray(chunked(`[${text.join(',')}]`, 1024))],
  ])(
    '%s: yields a wide input in batches of at most JSON_MAX_BATCH_CELLS cells, every row read',
    async (_, read) => {
      // Prepare: 3,000 rows over 3,001 columns would be 9M cells in one batch of the default 10,000 rows
      const lines = newKeyEach(3_000);

      // Act
      const batches = await readAll(read(lines));

      // Assess
      const cells = batches.map((b) => b.rows.length * b.columns.length);
      // The budget is checked after each record: a batch ends at most one row, and that row's new
      // column over the rows before it, past JSON_MAX_BATCH_CELLS.
      expect(Math.max(...cells)).toBeLessThanOrEqual(JSON_MAX_BATCH_CELLS + 2 * 3_001);
      expect(batches.length).toBeGreaterThan(1);
      expect(batches.reduce((n, b) => n + b.rows.length, 0)).toBe(3_000);
      expect(batches.at(-1)?.columns).toHaveLength(3_001);
      for (const b of batches) for (const row of b.rows) expect(row).toHaveLength(b.columns.length);
    },
  );
});

describe('JSON readers: a key first seen in a later batch', () => {
  it('carries it: later batches list the grown columns, earlier batches keep their own list', async () => {
    // Prepare: the new key arrives in record 10,001, the first row of the second batch
    const lines = Array.from({ length: 10_000 }, (_, i) => `{"a":${i},"b":"x"}`);
    lines.push('{"a":10000,"late":"v"}', '{"a":10001,"b":"y"}');

    // Act
    const batches = await readAll(readJsonLines(chunked(lines.join('\n'), 64 * 1024)));

    // Assess
    expect(batches.map((b) => [b.firstRow, b.rows.length, b.columns])).toEqual([
      [1, 10_000, ['a', 'b']],
      [10_001, 2, ['a', 'b', 'late']],
    ]);
    expect(batches[1]?.rows).toEqual([
      [10000, null, 'v'],
      [10001, 'y', null],
    ]);
  });

  it('hands out a new column list only when it grew, so consumers can compare it by identity', async () => {
    // Prepare: three batches of one row; only the second brings a key
    const jsonl = '{"a":1}\n{"a":2,"b":2}\n{"a":3,"b":3}\n';

    // Act
    const batches = await readAll(readJsonLines(chunked(jsonl), { batchSize: 1 }));

    // Assess: (the reader may end with an empty batch)
    expect(batches.slice(0, 3).map((b) => b.columns)).toEqual([['a'], ['a', 'b'], ['a', 'b']]);
    expect(batches[2]?.columns).toBe(batches[1]?.columns);
    expect(batches[0]?.columns).not.toBe(batches[1]?.columns);
  });
});

describe('JSON array reader: batches taken mid-array', () => {
  it.each(['[{},]', '[{"a":1} , ]'])('still refuses a trailing comma in %s', async (json) => {
    // Prepare: batches of one row, so the batch is taken before the comma is read

    // Act
    const error = await failureOf(readAll(readJsonArray(chunked(json), { batchSize: 1 })));

    // Assess
    expect(error).toBeInstanceOf(FormatError);
    expect(error.message).toBe(`expected an array element after ',', found ']' (byte ${json.length - 1})`);
  });
});
