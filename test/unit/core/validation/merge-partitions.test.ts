/**
 * Mergeable metrics: validating a table split into k partitions, passing each partition's state
 * through JSON (as the partitioned branch does through S3) and merging, gives the report of one
 * pass over the whole table — exactly, except mean and standard deviation, which may differ by
 * floating-point rounding (relative 1e-9).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { OutputContract } from '../../../../lambdas/core/contracts/output-contract';
import { parseContract } from '../../../../lambdas/core/contracts/parse-contract';
import type { RawCell, RecordBatch } from '../../../../lambdas/core/formats/record-batch';
import {
  ValidationState,
  type ValidationStateJson,
} from '../../../../lambdas/core/validation/validate-records';
import type { ValidationReport } from '../../../../lambdas/core/validation/validation-report';

const contract: OutputContract = parseContract(
  `
pipeline: p
step: s
output: o
path: x/
schema:
  - { name: id, type: int64, nullable: false, unique: true }
  - { name: amount, type: float64 }
  - { name: price, type: 'decimal(8,2)' }
  - { name: category, type: string, allowed: [a, b, c, d] }
  - { name: at, type: timestamp, unit: us }
quality:
  - { name: amount_positive, field: amount, condition: greater_than, value: 0, threshold: 0.5 }
  - { name: category_present, field: category, condition: not_null, threshold: 0.5 }
  - { name: price_vs_amount, condition: expression, expression: 'price <= amount * 10 or is_null(amount)', threshold: 0.1 }
  - { name: id_amount_unique, condition: unique, fields: [id, category], threshold: 0.1 }
  - { name: mean_amount, field: amount, condition: mean_between, value: [-1000, 1000] }
`,
  'merge-test',
);

const row = fc.tuple(
  fc.integer({ min: 1, max: 60 }).map((n) => String(n)),
  fc.option(
    fc.double({ min: -100, max: 100, noNaN: true }).map((n) => String(n)),
    { nil: null },
  ),
  fc.option(
    fc.integer({ min: -99999, max: 99999 }).map((n) => (n / 100).toFixed(2)),
    { nil: null },
  ),
  fc.option(fc.constantFrom('a', 'b', 'c', 'd', 'e'), { nil: null }),
  fc.integer({ min: 0, max: 4_000_000_000 }).map((s) => new Date(s * 1000).toISOString()),
);

const columns = ['id', 'amount', 'price', 'category', 'at'];

async function stateOf(rows: readonly RawCell[][], bound: number): Promise<ValidationState> {
  const state = new ValidationState(contract, { exactDistinctBound: bound, uniqueKeyBound: bound });
  await state.add({ columns, rows, firstRow: 1 } satisfies RecordBatch);
  return state;
}

/**
 * failedRowCount counts rows flagged while their partition was read: a key repeated across two
 * partitions is a failure of the uniqueness rule (counted exactly after the merge) but no row of
 * either partition was flagged for it, so that count alone may be lower after a merge.
 */
function stripFloats(report: ValidationReport): unknown {
  const { failedRowCount: _f, ...rest } = report;
  return {
    ...rest,
    profile: report.profile?.map(({ mean: _m, stddev: _s, ...rest }) => rest),
    rules: report.rules.map((r) => (r.name === 'mean_amount' ? { ...r, note: undefined } : r)),
  };
}

describe('merging partition states', () => {
  it('gives the one-pass report for any split of any table', async () => {
    const property = fc.asyncProperty(
      fc.array(row, { minLength: 0, maxLength: 120 }),
      fc.array(fc.nat(), { minLength: 0, maxLength: 4 }),
      fc.constantFrom(4, 1000),
      async (rows, cutsRaw, bound) => {
        // Prepare: the same rows, whole and split at random points.
        const table = rows.map((r) => [...r] as RawCell[]);
        const cuts = [...new Set(cutsRaw.map((c) => (table.length === 0 ? 0 : c % table.length)))].sort(
          (a, b) => a - b,
        );
        const parts: RawCell[][][] = [];
        let start = 0;
        for (const c of [...cuts, table.length]) {
          parts.push(table.slice(start, c));
          start = c;
        }

        // Act
        const whole = (await stateOf(table, bound)).finish();
        const states = await Promise.all(parts.map((p) => stateOf(p, bound)));
        const throughJson = (s: ValidationState): ValidationStateJson =>
          JSON.parse(JSON.stringify(s.toJSON())) as ValidationStateJson;
        const merged = ValidationState.fromJSON(contract, throughJson(states[0]!), {
          exactDistinctBound: bound,
          uniqueKeyBound: bound,
        });
        for (const s of states.slice(1)) {
          merged.merge(
            ValidationState.fromJSON(contract, throughJson(s), {
              exactDistinctBound: bound,
              uniqueKeyBound: bound,
            }),
          );
        }
        const combined = merged.finish();

        // Assess
        expect(stripFloats(combined)).toEqual(stripFloats(whole));
        const uniqueFailures = whole.rules
          .filter((r) => r.constraint === 'unique' || r.name === 'id_amount_unique')
          .reduce((n, r) => n + r.failed, 0);
        // While keys are counted exactly, only cross-partition duplicates can go unflagged; past
        // the bound, per-row duplicate flags are best effort.
        const exact = bound === 1000;
        const lowest = exact ? whole.failedRowCount - uniqueFailures : 0;
        const highest = exact ? whole.failedRowCount : combined.rowCount;
        expect(combined.failedRowCount).toBeGreaterThanOrEqual(lowest);
        expect(combined.failedRowCount).toBeLessThanOrEqual(highest);
        const relative = (a: number | undefined, b: number | undefined): number =>
          a === undefined || b === undefined
            ? a === b
              ? 0
              : Infinity
            : Math.abs(a - b) / Math.max(1, Math.abs(b));
        combined.profile!.forEach((p, i) => {
          const w = whole.profile![i]!;
          expect(relative(p.mean, w.mean)).toBeLessThan(1e-9);
          expect(relative(p.stddev, w.stddev)).toBeLessThan(1e-9);
        });
      },
    );
    await fc.assert(property, {
      numRuns: 150,
      examples: [
        [
          [
            ['1', null, null, null, '1970-01-01T00:00:00.000Z'],
            ['3', null, null, null, '1970-01-01T00:00:00.000Z'],
            ['4', null, null, null, '1970-01-01T00:00:00.000Z'],
            ['2', null, null, null, '1970-01-01T00:00:00.000Z'],
            ['60', null, null, null, '1970-01-01T00:00:00.000Z'],
            ['60', null, null, 'a', '1970-01-01T00:00:00.000Z'],
          ],
          [7129873],
          4,
        ],
      ],
    });
  });
});
