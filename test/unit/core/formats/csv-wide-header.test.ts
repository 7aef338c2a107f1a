/**
 * A CSV as wide as the reader allows (CSV_MAX_COLUMNS) read and validated end to end: every column
 * the contract does not name is reported once, in header order, whatever its name (`__proto__`
 * included), also when partition states are folded together. The column bookkeeping is a Set:
 * with Array.includes a 100,000-column header took 30 s to validate, 200,000 about two minutes.
 */
import { describe, expect, it } from 'vitest';

import type { OutputContract } from '../../../../lambdas/core/contracts/output-contract';
import { CSV_MAX_COLUMNS, readCsv } from '../../../../lambdas/core/formats/csv-reader';
import { ValidationState, validateRecords } from '../../../../lambdas/core/validation/validate-records';
import { chunked, readAll } from '../../../fixtures/format-io';

const CONTRACT: OutputContract = {
  pipeline: 'p',
  step: 's',
  output: 'o',
  path: 'p/{run}/',
  format: 'csv',
  csv: { delimiter: ',', header: true },
  compatibility: 'compatible',
  inputs: [],
  allowExtraColumns: true,
  schema: [{ name: 'c0', type: 'int64', nullable: false }],
  quality: [],
};

function wideCsv(names: readonly string[]): string {
  return `${names.join(',')}\n${names.map((_, i) => String(i)).join(',')}\n`;
}

describe('a CSV header as wide as maxColumns', () => {
  it('reports every undeclared column once, in header order, __proto__ included', async () => {
    // Prepare
    const names = ['c0', '__proto__', ...Array.from({ length: CSV_MAX_COLUMNS - 2 }, (_, i) => `x${i}`)];

    // Act
    const report = await validateRecords(CONTRACT, readCsv(chunked(wideCsv(names), 64 * 1024)));

    // Assess
    const extras = report.schema.columns.filter((c) => c.finding === 'extra').map((c) => c.name);
    expect(report.rowCount).toBe(1);
    expect(extras).toEqual(names.slice(1));
  });

  it('keeps each column once when partition states are folded and restored', async () => {
    // Prepare: two partitions sharing most of their columns
    const left = new ValidationState(CONTRACT);
    const right = new ValidationState(CONTRACT);
    for (const batch of await readAll(readCsv(chunked(wideCsv(['c0', 'a', 'b']))))) await left.add(batch);
    for (const batch of await readAll(readCsv(chunked(wideCsv(['b', 'c0', '__proto__', 'a'])))))
      await right.add(batch);

    // Act
    left.merge(right);
    const restored = ValidationState.fromJSON(CONTRACT, left.toJSON());
    restored.merge(right);

    // Assess
    expect(left.toJSON().seenColumns).toEqual(['c0', 'a', 'b', '__proto__']);
    expect(restored.toJSON().seenColumns).toEqual(['c0', 'a', 'b', '__proto__']);
  });
});
