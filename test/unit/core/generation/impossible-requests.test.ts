/**
 * Impossible requests fail before anything is written, with a GenerationError naming the column
 * (or option) and the conflict; a write that fails midway leaves no file behind.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GenerationError } from '../../../../lambdas/core/generation/generation-error';
import { checkImageSpec } from '../../../../lib/cli/generation/image-generator';
import { planTable } from '../../../../lambdas/core/generation/table-plan';
import { writeGeneratedTable } from '../../../../lambdas/core/generation/write-generated-table';
import { fileSink } from '../../../../lambdas/core/storage/file-byte-io';
import { contractOf } from '../../../fixtures/generation-fixtures';

function refusal(schema: string, rows = 100): GenerationError {
  try {
    planTable(contractOf(schema), { rows, seed: 1 });
  } catch (error) {
    expect(error).toBeInstanceOf(GenerationError);
    return error as GenerationError;
  }
  throw new Error('expected a GenerationError');
}

describe('impossible requests', () => {
  it.each([
    [
      'unique values from an allowed set smaller than the row count',
      'schema: [{ name: tier, type: string, allowed: [gold, silver, bronze], unique: true }]',
      /^tier: unique values from 3 allowed value\(s\) cannot fill 100 rows$/,
    ],
    [
      'unique integers from a range smaller than the row count',
      'schema: [{ name: id, type: int32, range: [1, 50], unique: true }]',
      /^id: unique values: only 50 value\(s\) in \[1, 50\] for 100 rows$/,
    ],
    [
      'a range rule above the range (min > max)',
      'schema: [{ name: n, type: int64, range: [1, 10] }]\nquality: [{ name: big, field: n, condition: greater_than, value: 20 }]',
      /^n: no value satisfies range \[1, 10\] and rule big \(min > max\)$/,
    ],
    [
      'a pattern that matches nothing',
      "schema: [{ name: code, type: string, pattern: '[^\\x20-\\x7e]' }]",
      /^code: pattern '.*' matches nothing$/,
    ],
    [
      'a pattern that matches nothing of the allowed length',
      "schema: [{ name: code, type: string, pattern: '[A-Z]{3}', length: [5, 8] }]",
      /^code: pattern '\[A-Z\]\{3\}' only matches strings of 3\.\.3 characters, not 5\.\.8$/,
    ],
    [
      'a null rate on a non-nullable column',
      'schema: [{ name: x, type: int32, nullable: false, generate: { null_rate: 0.2 } }]',
      /^x: null_rate 0\.2 on a non-nullable column$/,
    ],
    [
      'unique patterns with too few distinct values',
      "schema: [{ name: code, type: string, pattern: '[AB][0-9]', unique: true }]",
      /^code: unique values: pattern '\[AB\]\[0-9\]' gives 20 distinct value\(s\) for 100 rows$/,
    ],
    [
      'an unknown distribution',
      'schema: [{ name: x, type: float64, generate: { distribution: zipf } }]',
      /^x: distribution 'zipf' is not one of/,
    ],
    [
      'a time series ending before it starts',
      "schema: [{ name: day, type: date, generate: { series: { start: '2024-02-01', end: '2024-01-01', frequency: day } } }]",
      /^day: series start 2024-02-01 is after end 2024-01-01 \(min > max\)$/,
    ],
  ])('%s', (_what, schema, message) => {
    // Act
    const error = refusal(schema);
    // Assess
    expect(error.message).toMatch(message);
  });

  it('never gets a pattern with a backreference: the contract refuses it when it loads', () => {
    // Act / Assess: contract patterns run in linear time, which backreferences cannot.
    expect(() => contractOf("schema: [{ name: code, type: string, pattern: '(a)\\1' }]")).toThrow(
      /backreference/,
    );
  });

  it('refuses a negative or fractional row count', () => {
    // Act / Assess
    expect(() => planTable(contractOf('schema: [{ name: x, type: int32 }]'), { rows: -1, seed: 1 })).toThrow(
      /^--rows: row count must be a whole number >= 0 \(got -1\)$/,
    );
    expect(() => planTable(contractOf('schema: [{ name: x, type: int32 }]'), { rows: 1.5, seed: 1 })).toThrow(
      GenerationError,
    );
  });

  it('refuses an image of 0 pixels and a bad channel count', () => {
    // Act / Assess
    expect(() =>
      checkImageSpec({ width: 0, height: 10, channels: 3, count: 1, kind: 'noise', seed: 1 }),
    ).toThrow(/^--width: width must be a whole number >= 1 \(got 0\)$/);
    expect(() =>
      checkImageSpec({ width: 4, height: 4, channels: 5 as 3, count: 1, kind: 'noise', seed: 1 }),
    ).toThrow(/channels must be 1, 2, 3 or 4/);
  });

  it('leaves no file behind when a write fails midway', async () => {
    // Prepare: a sink whose disk "fills up" after the first chunk.
    const dir = mkdtempSync(join(tmpdir(), 'prt-gen-'));
    const plan = planTable(contractOf('schema: [{ name: x, type: string, length: [200, 200] }]'), {
      rows: 20_000,
      seed: 1,
    });
    const real = fileSink(join(dir, 'out.csv'));
    let writes = 0;
    const failing = {
      ...real,
      write: async (chunk: Uint8Array) =>
        ++writes > 1 ? Promise.reject(new Error('ENOSPC')) : real.write(chunk),
    };
    // Act
    await expect(writeGeneratedTable(plan, failing, { format: 'csv' })).rejects.toThrow('ENOSPC');
    // Assess
    expect(readdirSync(dir)).toEqual([]);
  });
});
