import { describe, expect, it } from 'vitest';

import type { ColumnSpec, OutputContract } from '../../../../lambdas/core/contracts/output-contract';
import type { RawCell, RecordBatch } from '../../../../lambdas/core/formats/record-batch';
import { columnCodec, NOT_CONFORMING } from '../../../../lambdas/core/contracts/typed-values';
import { ColumnMetrics } from '../../../../lambdas/core/metrics/column-metrics';
import { ValidationState } from '../../../../lambdas/core/validation/validate-records';

// The validation engine types and measures each column in a loop specialised for its type
// (numbers, strings, timestamps as numbers with min/max folded per batch). These pin that each
// loop leaves exactly the metrics ColumnMetrics.add builds value by value.

const SCHEMA: readonly ColumnSpec[] = [
  { name: 'n', type: 'int64', nullable: true },
  { name: 'x', type: 'float64', nullable: true },
  { name: 's', type: 'string', nullable: true },
  { name: 't', type: 'timestamp', nullable: true, unit: 'us', zone: 'UTC' },
];

const CONTRACT: OutputContract = {
  pipeline: 'p',
  step: 's',
  output: 'o',
  path: 'p/{run_id}/s/o/',
  format: 'csv',
  csv: { delimiter: ',', header: true },
  compatibility: 'compatible',
  inputs: [],
  allowExtraColumns: true,
  schema: SCHEMA,
  quality: [],
};

const CELLS: Record<string, readonly RawCell[]> = {
  n: ['3', '-0', '9007199254740993', '12', 'x', 7, null, '3', 5n],
  x: ['1.5', 'NaN', '-0', '2.25', '1e400', 'inf', null, '1.5', 4],
  s: ['b', 'a😀', '', 'zz', 'b', null, 42, 'a'],
  t: [
    '2026-01-02T03:04:05Z',
    '2026-01-02 03:04:05.123456',
    '2026-01-02T05:04:05+02:00',
    '1969-12-31T23:59:59.5Z',
    '9999-12-31T23:59:59.999999Z',
    '2026-02-30T00:00:00Z',
    1_700_000_000_000_000n,
    null,
    '2026-01-02T03:04:05Z',
  ],
};

/** The rows of CELLS, in batches of `size`. */
function batchesOf(size: number): RecordBatch[] {
  const columns = SCHEMA.map((c) => c.name);
  const length = Math.max(...Object.values(CELLS).map((v) => v.length));
  const rows = Array.from({ length }, (_, r) => columns.map((c) => CELLS[c]![r % CELLS[c]!.length]!));
  const out: RecordBatch[] = [];
  for (let i = 0; i < rows.length; i += size) {
    out.push({ columns, rows: rows.slice(i, i + size), firstRow: i + 1 });
  }
  return out;
}

function valueByValue(column: ColumnSpec, bound: number): ColumnMetrics {
  const codec = columnCodec(column);
  const m = new ColumnMetrics(column, bound);
  const cells = CELLS[column.name]!;
  const length = Math.max(...Object.values(CELLS).map((v) => v.length));
  for (let r = 0; r < length; r++) {
    const raw = cells[r % cells.length]!;
    if (raw === null) m.addNull();
    else {
      const v = codec.parse(raw);
      if (v === NOT_CONFORMING) m.addNonConforming();
      else m.add(v);
    }
  }
  return m;
}

describe('per-type column loops', () => {
  it.each([
    [1, 100],
    [4, 100],
    [100, 100],
    [1, 2],
    [3, 2],
  ])(
    'leave the metrics value-by-value adding builds (batches of %i, exact bound %i)',
    async (size, bound) => {
      // Prepare
      const state = new ValidationState(CONTRACT, { exactDistinctBound: bound });

      // Act
      for (const batch of batchesOf(size)) await state.add(batch);

      // Assess
      const json = state.toJSON();
      SCHEMA.forEach((column, i) => {
        expect({ column: column.name, metrics: json.columns[i] }).toEqual({
          column: column.name,
          metrics: valueByValue(column, bound).toJSON(),
        });
      });
    },
  );
});
