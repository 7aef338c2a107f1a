/**
 * History: a validation compared with the previous registered version of the same output. Row
 * count changes, null-rate jumps and mean shifts beyond the bounds become findings; changes within
 * the bounds (the bounds themselves included) do not.
 */
import { describe, expect, it } from 'vitest';
import { compareWithPrevious, DEFAULT_HISTORY_BOUNDS } from '../../../../lambdas/core/validation/history';
import type { ValidationReport } from '../../../../lambdas/core/validation/validation-report';
import { loadContract, validate, type Row } from '../../../fixtures/validation-fixtures';

const contract = loadContract({
  schema: ['{ name: amount, type: float64 }', '{ name: note, type: string }'],
});

/** A report over `n` rows whose amounts alternate between `low` and `high`; the first `nulls` amounts are null. */
function reportOf(n: number, low: number, high: number, nulls = 0): Promise<ValidationReport> {
  const rows: Row[] = Array.from({ length: n }, (_, i) => [
    i < nulls ? null : String(i % 2 === 0 ? low : high),
    'x',
  ]);
  return validate(contract, ['amount', 'note'], rows);
}

describe('compareWithPrevious', () => {
  it('finds nothing when every metric stays within the bounds', async () => {
    // Prepare: +20% rows, 4 points more nulls, mean unchanged
    const previous = await reportOf(100, 9, 11);
    const current = await reportOf(120, 9, 11, 6);

    // Act
    const findings = compareWithPrevious(current, previous);

    // Assess
    expect(findings).toEqual([]);
  });

  it('finds a row count change beyond the bound, up or down', async () => {
    // Prepare
    const previous = await reportOf(100, 9, 11);

    // Act
    const up = compareWithPrevious(await reportOf(151, 9, 11), previous);
    const down = compareWithPrevious(await reportOf(49, 9, 11), previous);

    // Assess
    expect(up).toEqual([
      {
        metric: 'row_count',
        previous: 100,
        current: 151,
        change: 0.51,
        bound: 0.5,
        message: 'row count changed 51.0% (100 → 151); bound ±50%',
      },
    ]);
    expect(down).toEqual([
      {
        metric: 'row_count',
        previous: 100,
        current: 49,
        change: -0.51,
        bound: 0.5,
        message: 'row count changed -51.0% (100 → 49); bound ±50%',
      },
    ]);
  });

  it('accepts a row count change of exactly the bound', async () => {
    // Prepare
    const previous = await reportOf(100, 9, 11);

    // Act
    const findings = compareWithPrevious(await reportOf(150, 9, 11), previous);

    // Assess
    expect(findings).toEqual([]);
  });

  it('does not judge the row count against an empty previous version', async () => {
    // Prepare
    const previous = await reportOf(0, 9, 11);

    // Act
    const findings = compareWithPrevious(await reportOf(1000, 9, 11), previous);

    // Assess
    expect(findings.filter((f) => f.metric === 'row_count')).toEqual([]);
  });

  it('finds a null-rate jump beyond the bound, naming the column', async () => {
    // Prepare
    const previous = await reportOf(100, 9, 11);
    const current = await reportOf(100, 9, 11, 20);

    // Act
    const findings = compareWithPrevious(current, previous);

    // Assess
    expect(findings).toEqual([
      {
        metric: 'null_rate',
        column: 'amount',
        previous: 0,
        current: 0.2,
        change: 0.2,
        bound: 0.1,
        message: 'amount: null rate 0.0% → 20.0%',
      },
    ]);
  });

  it('finds a mean shift beyond the bound, in previous standard deviations', async () => {
    // Prepare: previous mean 10 with stddev ≈ 1.005; current mean 15
    const previous = await reportOf(100, 9, 11);
    const current = await reportOf(100, 14, 16);

    // Act
    const findings = compareWithPrevious(current, previous);

    // Assess
    expect(findings).toHaveLength(1);
    const [shift] = findings;
    expect(shift).toMatchObject({
      metric: 'mean_shift',
      column: 'amount',
      previous: 10,
      current: 15,
      bound: 3,
    });
    expect(shift?.change).toBeCloseTo(5 / previous.profile![0]!.stddev!, 9);
    expect(shift?.message).toBe('amount: mean 10.0000 → 15.0000 (5.0 previous stddevs)');
  });

  it('does not flag a mean shift within the bound', async () => {
    // Prepare: a shift of about 2 previous standard deviations
    const previous = await reportOf(100, 9, 11);
    const current = await reportOf(100, 11, 13);

    // Act
    const findings = compareWithPrevious(current, previous);

    // Assess
    expect(findings).toEqual([]);
  });

  it('measures a shift from a constant previous column against its mean', async () => {
    // Prepare: previous stddev 0 and mean 10, so the scale is 10
    const previous = await reportOf(50, 10, 10);

    // Act
    const far = compareWithPrevious(await reportOf(50, 50, 50), previous);
    const near = compareWithPrevious(await reportOf(50, 30, 30), previous);

    // Assess
    expect(far.map((f) => [f.metric, f.change])).toEqual([['mean_shift', 4]]);
    expect(near).toEqual([]);
  });

  it('applies the bounds it is given', async () => {
    // Prepare
    const previous = await reportOf(100, 9, 11);
    const current = await reportOf(120, 9, 11, 6);

    // Act
    const findings = compareWithPrevious(current, previous, {
      ...DEFAULT_HISTORY_BOUNDS,
      rowCountChange: 0.1,
      nullRateJump: 0.01,
    });

    // Assess
    expect(findings.map((f) => f.metric)).toEqual(['row_count', 'null_rate']);
  });

  it('skips columns the previous version did not profile', async () => {
    // Prepare
    const current = await reportOf(100, 100, 200, 50);

    // Act
    const findings = compareWithPrevious(current, { rowCount: 100, profile: [] });

    // Assess
    expect(findings).toEqual([]);
  });
});
