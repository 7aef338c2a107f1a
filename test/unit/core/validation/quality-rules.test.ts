/**
 * Every quality rule family and condition, judged by the engine over rows: boundaries (inclusive
 * and exclusive bounds, thresholds met exactly), nulls (never counted by value rules), exact
 * comparison of int64 beyond 2^53 and of decimals, and how severity decides the status.
 */
import { describe, expect, it } from 'vitest';
import { ContractError } from '../../../../lambdas/core/errors';
import type { RawCell } from '../../../../lambdas/core/formats/record-batch';
import type { ValidateOptions } from '../../../../lambdas/core/validation/validate-records';
import type { RuleResult } from '../../../../lambdas/core/validation/validation-report';
import { column, loadContract, ruleNamed, validate } from '../../../fixtures/validation-fixtures';

/** Validates one column `x` (declared by `columnYaml`) against one rule named `r`. */
async function judge(
  columnYaml: string,
  ruleYaml: string,
  values: readonly RawCell[],
  options: ValidateOptions = {},
): Promise<RuleResult> {
  const contract = loadContract({
    schema: [`{ name: x, ${columnYaml} }`],
    quality: [`{ name: r, field: x, ${ruleYaml} }`],
  });
  const report = await validate(contract, ['x'], column(...values), options);
  return ruleNamed(report, 'r');
}

function counts(r: RuleResult): { evaluated: number; passed: number; failed: number } {
  return { evaluated: r.evaluated, passed: r.passed, failed: r.failed };
}

describe('completeness: not_null', () => {
  it('counts nulls as failures and every row as evaluated', async () => {
    // Prepare
    const values = ['a', null, 'b', null, 'c'];

    // Act
    const r = await judge('type: string', 'condition: not_null', values);

    // Assess
    expect(r.type).toBe('completeness');
    expect(counts(r)).toEqual({ evaluated: 5, passed: 3, failed: 2 });
    expect(r.passRate).toBeCloseTo(0.6, 12);
    expect(r.outcome).toBe('fail');
  });

  it('passes when the pass rate equals the threshold exactly', async () => {
    // Prepare: 3 of 4 present
    const values = ['a', 'b', 'c', null];

    // Act
    const exactly = await judge('type: string', 'condition: not_null, threshold: 0.75', values);
    const above = await judge('type: string', 'condition: not_null, threshold: 0.76', values);

    // Assess
    expect(exactly.passRate).toBe(0.75);
    expect(exactly.outcome).toBe('pass');
    expect(above.outcome).toBe('fail');
  });

  it('fails with a note when the rule column is missing from the input', async () => {
    // Prepare
    const contract = loadContract({
      schema: ['{ name: id, type: int64 }', '{ name: x, type: string }'],
      quality: ['{ name: r, field: x, condition: not_null }'],
    });

    // Act
    const report = await validate(contract, ['id'], [['1'], ['2']]);

    // Assess
    const r = ruleNamed(report, 'r');
    expect(r.evaluated).toBe(0);
    expect(r.passRate).toBe(0);
    expect(r.outcome).toBe('fail');
    expect(r.note).toBe('column x is missing');
  });
});

describe('accuracy: comparisons', () => {
  it.each([
    ['greater_than', ['9', '10', '11'], [false, false, true]],
    ['greater_or_equal', ['9', '10', '11'], [false, true, true]],
    ['less_than', ['9', '10', '11'], [true, false, false]],
    ['less_or_equal', ['9', '10', '11'], [true, true, false]],
  ] as const)(
    '%s 10 judges values on both sides of the bound and the bound itself',
    async (condition, values, expected) => {
      // Prepare
      const passing = expected.filter(Boolean).length;

      // Act
      const r = await judge('type: int32', `condition: ${condition}, value: 10`, values);

      // Assess
      expect(r.type).toBe('accuracy');
      expect(counts(r)).toEqual({ evaluated: 3, passed: passing, failed: 3 - passing });
    },
  );

  it('between is inclusive at both ends', async () => {
    // Prepare
    const values = ['0', '1', '5', '10', '11'];

    // Act
    const r = await judge('type: int64', 'condition: between, value: [1, 10]', values);

    // Assess
    expect(counts(r)).toEqual({ evaluated: 5, passed: 3, failed: 2 });
  });

  it('does not count nulls', async () => {
    // Prepare
    const values = ['5', null, null, '20'];

    // Act
    const r = await judge('type: int64', 'condition: greater_than, value: 10', values);

    // Assess
    expect(counts(r)).toEqual({ evaluated: 2, passed: 1, failed: 1 });
  });

  it('compares int64 values beyond 2^53 exactly', async () => {
    // Prepare: 2^53 + 1 rounds to 2^53 as a double, so only exact comparison tells them apart.
    const values = ['9007199254740992', '9007199254740993', '-9223372036854775808', '9223372036854775807'];

    // Act
    const gt = await judge('type: int64', 'condition: greater_than, value: 9007199254740992', values);
    const le = await judge('type: int64', 'condition: less_or_equal, value: 9007199254740992', values);

    // Assess
    expect(counts(gt)).toEqual({ evaluated: 4, passed: 2, failed: 2 });
    expect(counts(le)).toEqual({ evaluated: 4, passed: 2, failed: 2 });
  });

  it('compares decimals exactly, with no binary rounding', async () => {
    // Prepare: in doubles 0.1 + 0.2 > 0.3; a decimal(20,10) holds 0.3 and 0.3000000001 exactly.
    const values = ['0.3', '0.3000000000', '0.3000000001', '0.2999999999'];

    // Act
    const gt = await judge("type: 'decimal(20,10)'", 'condition: greater_than, value: 0.3', values);
    const ge = await judge("type: 'decimal(20,10)'", 'condition: greater_or_equal, value: 0.3', values);
    const le = await judge("type: 'decimal(20,10)'", 'condition: less_or_equal, value: 0.3', values);

    // Assess
    expect(gt.passed).toBe(1);
    expect(ge.passed).toBe(3);
    expect(le.passed).toBe(3);
  });

  it('compares decimals wider than a double exactly', async () => {
    // Prepare: 10^37 + 1 is 10^37 as a double
    const values = [
      '99999999999999999999999999999999999999',
      '10000000000000000000000000000000000001',
      '10000000000000000000000000000000000000',
    ];

    // Act
    const r = await judge("type: 'decimal(38,0)'", 'condition: greater_than, value: 1.0e37', values);

    // Assess
    expect(counts(r)).toEqual({ evaluated: 3, passed: 2, failed: 1 });
  });

  it('fails NaN floats on every comparison and orders infinities', async () => {
    // Prepare
    const values = ['NaN', 'inf', '-inf', '1.5'];

    // Act
    const gt = await judge('type: float64', 'condition: greater_than, value: 0', values);
    const lt = await judge('type: float64', 'condition: less_than, value: 0', values);
    const between = await judge('type: float64', 'condition: between, value: [-1.0e308, 1.0e308]', values);

    // Assess
    expect(counts(gt)).toEqual({ evaluated: 4, passed: 2, failed: 2 });
    expect(counts(lt)).toEqual({ evaluated: 4, passed: 1, failed: 3 });
    expect(counts(between)).toEqual({ evaluated: 4, passed: 1, failed: 3 });
  });

  it('leaves values that do not conform to the type to type_conforms', async () => {
    // Prepare
    const values = ['abc', '20'];

    // Act
    const r = await judge('type: int64', 'condition: greater_than, value: 10', values);

    // Assess
    expect(counts(r)).toEqual({ evaluated: 1, passed: 1, failed: 0 });
  });
});

describe('validity', () => {
  it('matches tests each value against the regular expression, with Unicode classes', async () => {
    // Prepare
    const values = ['ABC-1', 'abc-1', 'ÄÖÜ-22', null, 'AB-'];

    // Act
    const r = await judge('type: string', "condition: matches, value: '^\\p{Lu}{3}-\\d+$'", values);

    // Assess
    expect(r.type).toBe('validity');
    expect(counts(r)).toEqual({ evaluated: 4, passed: 2, failed: 2 });
  });

  it.each([
    ['string', 'type: string', '[a, 1, true]', ['a', '1', 'true', 'A', '01'], 3],
    ['int64', 'type: int64', "[1, '2']", ['1', '01', '+2', '3', '-1'], 3],
    ['float64', 'type: float64', '[1.5, 2]', ['1.50', '2.0', '1.5e0', '2.5'], 3],
    ['boolean', 'type: boolean', '[true]', ['true', 'TRUE', '1', 'false', '0'], 3],
    ['date', 'type: date', "['2024-01-31']", ['2024-01-31', '2024-02-01'], 1],
    [
      'timestamp',
      'type: timestamp',
      "['2024-01-01T00:00:00Z']",
      ['2024-01-01 00:00:00', '2024-01-01T01:00:00+01:00', '2024-01-01T00:00:00.000001Z'],
      2,
    ],
    ['decimal', "type: 'decimal(5,2)'", "[1.5, '2.25']", ['1.50', '1.5', '2.25', '1.51'], 3],
  ] as const)(
    'in_set compares %s values by their typed value, not their text',
    async (_type, columnYaml, set, values, passing) => {
      // Act
      const r = await judge(columnYaml, `condition: in_set, value: ${set}`, values);

      // Assess
      expect(counts(r)).toEqual({
        evaluated: values.length,
        passed: passing,
        failed: values.length - passing,
      });
    },
  );

  it('type_conforms counts every non-null value that is not of the column type', async () => {
    // Prepare: out of int32 range, not a number, a fraction; nulls do not count
    const values = ['1', 'x', '2147483648', '1.5', null, '-2147483648'];

    // Act
    const r = await judge('type: int32', 'condition: type_conforms', values);

    // Assess
    expect(counts(r)).toEqual({ evaluated: 5, passed: 2, failed: 3 });
    expect(r.outcome).toBe('fail');
  });

  it('type_conforms passes at its threshold', async () => {
    // Prepare
    const values = ['2024-01-01', '2024-02-30', '2024-03-01', '2024-04-01'];

    // Act
    const r = await judge('type: date', 'condition: type_conforms, threshold: 0.75', values);

    // Assess
    expect(r.passRate).toBe(0.75);
    expect(r.outcome).toBe('pass');
  });

  it('length_between counts characters, an emoji being one, inclusive at both ends', async () => {
    // Prepare
    const values = ['', 'a', '😀😀😀', '😀😀😀😀', 'abc', null];

    // Act
    const r = await judge('type: string', 'condition: length_between, value: [1, 3]', values);

    // Assess
    expect(counts(r)).toEqual({ evaluated: 5, passed: 3, failed: 2 });
  });

  const FORMATS = [
    [
      'email',
      ['user@example.com', 'first.last+tag@sub.example.co.uk'],
      ['user@localhost', 'no-at-sign', 'a b@example.com', 'user@-bad.com', '@example.com'],
    ],
    [
      'uuid',
      ['123e4567-e89b-12d3-a456-426614174000', '123E4567-E89B-12D3-A456-426614174000'],
      ['123e4567e89b12d3a456426614174000', '123e4567-e89b-12d3-a456-42661417400g', 'not-a-uuid'],
    ],
    ['date', ['2024-02-29', '1999-12-31'], ['2023-02-29', '2024-13-01', '2024-1-01', '01/02/2024']],
    [
      'timestamp',
      ['2024-01-01T12:00:00Z', '2024-01-01 12:00:00.123456789+02:00'],
      ['2024-01-01T25:00:00Z', 'yesterday', '2024-02-30T00:00:00Z'],
    ],
    [
      'url',
      ['https://example.com/a?b=1', 'http://localhost:8080', 's3://bucket/key'],
      ['example.com', 'ftp://example.com', 'javascript:alert(1)'],
    ],
    ['ipv4', ['192.168.0.1', '0.0.0.0', '255.255.255.255'], ['256.1.1.1', '1.2.3', '::1']],
    ['ipv6', ['::1', '2001:db8::1', 'fe80::1:2:3:4'], ['2001:db8:::1', '192.168.0.1', 'gggg::1']],
  ] as const;

  it.each(FORMATS)(
    'format %s accepts the valid examples and rejects the invalid ones',
    async (format, valid, invalid) => {
      // Act
      const r = await judge('type: string', `condition: format, value: ${format}`, [
        ...valid,
        ...invalid,
        null,
      ]);

      // Assess
      expect(counts(r)).toEqual({
        evaluated: valid.length + invalid.length,
        passed: valid.length,
        failed: invalid.length,
      });
    },
  );
});

describe('uniqueness', () => {
  it('counts every repeat of a key as a failure and skips nulls', async () => {
    // Prepare
    const values = ['a', 'b', 'a', 'a', null, null];

    // Act
    const r = await judge('type: string', 'condition: unique', values);

    // Assess
    expect(r.type).toBe('uniqueness');
    expect(counts(r)).toEqual({ evaluated: 4, passed: 2, failed: 2 });
  });

  it('compares keys by typed value, so 1 and 01 are duplicates', async () => {
    // Act
    const r = await judge('type: int64', 'condition: unique', ['1', '01', '+1', '2']);

    // Assess
    expect(counts(r)).toEqual({ evaluated: 4, passed: 2, failed: 2 });
  });

  it('checks composite keys over all their fields and skips rows with a null part', async () => {
    // Prepare
    const contract = loadContract({
      schema: ['{ name: a, type: string }', '{ name: b, type: int32 }'],
      quality: ['{ name: r, condition: unique, fields: [a, b] }'],
    });
    const rows = [
      ['x', '1'],
      ['x', '2'],
      ['x', '1'],
      ['y', '1'],
      [null, '1'],
      ['x', null],
    ];

    // Act
    const report = await validate(contract, ['a', 'b'], rows);

    // Assess
    expect(counts(ruleNamed(report, 'r'))).toEqual({ evaluated: 4, passed: 3, failed: 1 });
    expect(report.failedRowCount).toBe(1);
  });

  it('estimates duplicates with HyperLogLog over uniqueKeyBound and says so in a note', async () => {
    // Prepare
    const values = ['a', 'b', 'c', 'd', 'e', 'a'];

    // Act
    const exact = await judge('type: string', 'condition: unique', values, { uniqueKeyBound: 10 });
    const estimated = await judge('type: string', 'condition: unique', values, { uniqueKeyBound: 3 });

    // Assess
    expect(exact.note).toBeUndefined();
    expect(counts(exact)).toEqual({ evaluated: 6, passed: 5, failed: 1 });
    expect(estimated.note).toBe('duplicates estimated (HyperLogLog, ±0.81%)');
    expect(estimated.evaluated).toBe(6);
    expect(estimated.passed).toBe(5); // linear counting is exact at this size
  });
});

describe('consistency: expressions over rows', () => {
  const orders = loadContract({
    schema: [
      '{ name: start_date, type: date }',
      '{ name: end_date, type: date }',
      '{ name: created_at, type: timestamp }',
      '{ name: updated_at, type: timestamp }',
      '{ name: amount, type: float64 }',
      '{ name: refund, type: float64 }',
      '{ name: currency, type: string }',
    ],
    quality: [
      "{ name: dates_ordered, condition: expression, expression: 'end_date >= start_date' }",
      "{ name: updated_after_created, condition: expression, expression: 'updated_at >= created_at' }",
      "{ name: refund_bounded, condition: expression, expression: 'is_null(refund) or refund <= amount' }",
      "{ name: known_currency, condition: expression, expression: \"upper(currency) in ('EUR', 'USD')\" }",
      '{ name: since_2024, condition: expression, expression: "start_date >= \'2024-01-01\'" }',
    ],
  });
  const columns = ['start_date', 'end_date', 'created_at', 'updated_at', 'amount', 'refund', 'currency'];

  it('judges each row and leaves rows whose result is unknown uncounted', async () => {
    // Prepare
    const rows = [
      ['2024-01-01', '2024-01-31', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00.000001Z', '10', null, 'eur'],
      ['2024-02-01', '2024-01-31', '2024-01-02T00:00:00Z', '2024-01-01T23:59:59Z', '10', '11', 'gbp'],
      [null, '2024-01-31', null, '2024-01-01T00:00:00Z', '10', '5', null],
      ['2023-12-31', '2024-01-31', '2024-01-01T00:00:00+01:00', '2024-01-01T00:00:00Z', '10', '10', 'USD'],
    ];

    // Act
    const report = await validate(orders, columns, rows);

    // Assess
    expect(counts(ruleNamed(report, 'dates_ordered'))).toEqual({ evaluated: 3, passed: 2, failed: 1 });
    expect(counts(ruleNamed(report, 'updated_after_created'))).toEqual({
      evaluated: 3,
      passed: 2,
      failed: 1,
    });
    expect(counts(ruleNamed(report, 'refund_bounded'))).toEqual({ evaluated: 4, passed: 3, failed: 1 });
    expect(counts(ruleNamed(report, 'known_currency'))).toEqual({ evaluated: 3, passed: 2, failed: 1 });
    expect(counts(ruleNamed(report, 'since_2024'))).toEqual({ evaluated: 3, passed: 2, failed: 1 });
    expect(ruleNamed(report, 'dates_ordered').type).toBe('consistency');
  });

  it('refuses a comparison between different types when the contract loads, never coercing', () => {
    // Prepare
    const parts = {
      schema: ['{ name: amount, type: float64 }', '{ name: currency, type: string }'],
      quality: ["{ name: mismatch, condition: expression, expression: 'currency > amount' }"],
    };

    // Act
    const load = (): unknown => loadContract(parts);

    // Assess: it could only ever be unknown, so it would judge no row
    expect(load).toThrow(ContractError);
    expect(load).toThrow('compares column currency (a string) with column amount (a number)');
  });
});

describe('timeliness: max_age', () => {
  const now = (): Date => new Date('2024-01-02T00:00:00Z');

  it.each(['ms', 'us', 'ns'] as const)(
    'judges the newest %s timestamp against the injected clock, the limit itself passing',
    async (unit) => {
      // Prepare: the newest value is exactly 24 h old
      const values = ['2023-12-25T00:00:00Z', '2024-01-01T00:00:00Z', null, '2023-12-31T12:00:00.123Z'];

      // Act
      const atLimit = await judge(
        `type: timestamp, unit: ${unit}`,
        'condition: max_age, value: 24h',
        values,
        { now },
      );
      const over = await judge(
        `type: timestamp, unit: ${unit}`,
        'condition: max_age, value: 86399s',
        values,
        { now },
      );

      // Assess
      expect(atLimit.type).toBe('timeliness');
      expect(atLimit.outcome).toBe('pass');
      expect(atLimit.note).toBe('newest value is 86400 s old (limit 24h)');
      expect(over.outcome).toBe('fail');
    },
  );

  it('reads zone-less timestamps in the column zone', async () => {
    // Prepare: 02:00 at +02:00 is midnight UTC, 24 h before now
    const values = ['2024-01-01T02:00:00'];

    // Act
    const r = await judge("type: timestamp, zone: '+02:00'", 'condition: max_age, value: 1d', values, {
      now,
    });

    // Assess
    expect(r.note).toBe('newest value is 86400 s old (limit 1d)');
    expect(r.outcome).toBe('pass');
  });

  it('judges date columns from midnight UTC, with ISO 8601 durations', async () => {
    // Prepare: now is 2024-01-02T12:00Z, the newest date 1.5 days before
    const clock = (): Date => new Date('2024-01-02T12:00:00Z');
    const values = ['2023-06-01', '2024-01-01'];

    // Act
    const exact = await judge('type: date', 'condition: max_age, value: P1DT12H', values, { now: clock });
    const shorter = await judge('type: date', 'condition: max_age, value: PT35H', values, { now: clock });

    // Assess
    expect(exact.outcome).toBe('pass');
    expect(shorter.outcome).toBe('fail');
  });

  it('fails when there is no value to judge', async () => {
    // Act
    const r = await judge('type: timestamp', 'condition: max_age, value: 7d', [null, null], { now });

    // Assess
    expect(r.outcome).toBe('fail');
    expect(r.note).toBe('no values to judge');
  });
});

describe('distribution', () => {
  const oneToHundred = Array.from({ length: 100 }, (_, i) => String(i + 1));

  it('mean_between passes at either bound and fails just outside', async () => {
    // Prepare: mean of 1, 2, 3 is exactly 2
    const values = ['1', '2', '3', null];

    // Act
    const atMin = await judge('type: float64', 'condition: mean_between, value: [2, 5]', values);
    const atMax = await judge('type: float64', 'condition: mean_between, value: [0, 2]', values);
    const outside = await judge('type: float64', 'condition: mean_between, value: [2.001, 5]', values);

    // Assess
    expect(atMin.type).toBe('distribution');
    expect(atMin.outcome).toBe('pass');
    expect(atMax.outcome).toBe('pass');
    expect(outside.outcome).toBe('fail');
    expect(outside.note).toBe('mean 2 (bounds [2.001, 5])');
  });

  it('mean_between reads decimals at their scale', async () => {
    // Act
    const r = await judge("type: 'decimal(8,2)'", 'condition: mean_between, value: [2, 2]', ['1.50', '2.50']);

    // Assess
    expect(r.outcome).toBe('pass');
  });

  it('stddev_between uses the sample standard deviation', async () => {
    // Prepare: sample stddev of 1, 2, 3 is exactly 1 (population would be 0.816)
    const values = ['1', '2', '3'];

    // Act
    const r = await judge('type: int32', 'condition: stddev_between, value: [1, 1]', values);
    const tight = await judge('type: int32', 'condition: stddev_between, value: [0.5, 0.9]', values);

    // Assess
    expect(r.outcome).toBe('pass');
    expect(tight.outcome).toBe('fail');
  });

  it('quantile_between bounds a quantile estimated within 1%', async () => {
    // Act: p50 of 1..100 is 50 (within the sketch's 1%)
    const inside = await judge(
      'type: int32',
      'condition: quantile_between, quantile: 0.5, value: [49.5, 50.5]',
      oneToHundred,
    );
    const above = await judge(
      'type: int32',
      'condition: quantile_between, quantile: 0.5, value: [51, 100]',
      oneToHundred,
    );
    const p95 = await judge(
      'type: int32',
      'condition: quantile_between, quantile: 0.95, value: [94, 96]',
      oneToHundred,
    );

    // Assess
    expect(inside.outcome).toBe('pass');
    expect(above.outcome).toBe('fail');
    expect(p95.outcome).toBe('pass');
  });

  it('fails distribution rules on a column with no numeric values', async () => {
    // Act
    const mean = await judge('type: float64', 'condition: mean_between, value: [0, 1]', [null]);
    const quantile = await judge(
      'type: float64',
      'condition: quantile_between, quantile: 0.5, value: [0, 1]',
      [null],
    );

    // Assess
    expect(mean.outcome).toBe('fail');
    expect(quantile.outcome).toBe('fail');
  });

  /** Seeded normal values with standard deviation 10 (Box–Muller over mulberry32). */
  function normals(n: number, mean: number, seed: number): number[] {
    let s = seed >>> 0;
    const uniform = (): number => {
      s = (s + 0x6d2b79f5) >>> 0;
      let t = Math.imul(s ^ (s >>> 15), 1 | s);
      t ^= t + Math.imul(t ^ (t >>> 7), 61 | t);
      return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
    };
    return Array.from(
      { length: n },
      () => mean + 10 * Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()),
    );
  }

  it('ks_test gives a small statistic for the reference distribution and a large one for a shifted one', async () => {
    // Prepare
    const data = normals(4000, 100, 7).map(String);
    const same = normals(2000, 100, 99).sort((a, b) => a - b);
    const shifted = normals(2000, 110, 99).sort((a, b) => a - b);
    const rule = 'condition: ks_test, reference: ref.csv, value: 0.1';

    // Act
    const pass = await judge('type: float64', rule, data, { referenceSamples: new Map([['r', same]]) });
    const fail = await judge('type: float64', rule, data, { referenceSamples: new Map([['r', shifted]]) });

    // Assess
    const statistic = (r: RuleResult): number => Number(/KS statistic ([\d.]+)/.exec(r.note ?? '')?.[1]);
    expect(statistic(pass)).toBeLessThan(0.1);
    expect(statistic(fail)).toBeGreaterThan(0.3);
    expect(pass.outcome).toBe('pass');
    expect(fail.outcome).toBe('fail');
  });

  it('ks_test fails with a note when its reference sample was not loaded', async () => {
    // Act
    const r = await judge('type: float64', 'condition: ks_test, reference: ref.csv, value: 0.5', ['1', '2']);

    // Assess
    expect(r.outcome).toBe('fail');
    expect(r.note).toBe('reference sample ref.csv was not loaded');
  });
});

describe('referential: exists_in', () => {
  const rule = 'condition: exists_in, reference: { output: ingestion/customers, field: id }';

  it('checks each value against the loaded reference set by canonical value, skipping nulls', async () => {
    // Prepare
    const referenceSets = new Map([['r', new Set(['1', '2', '9007199254740993'])]]);

    // Act
    const r = await judge('type: int64', rule, ['1', '02', '3', null, '9007199254740993'], { referenceSets });

    // Assess
    expect(r.type).toBe('referential');
    expect(counts(r)).toEqual({ evaluated: 4, passed: 3, failed: 1 });
  });

  it('is an error when the reference set was not loaded', async () => {
    // Act
    const run = judge('type: int64', rule, ['1']);

    // Assess
    await expect(run).rejects.toThrow('rule r: the values of ingestion/customers.id were not loaded');
  });
});

describe('severity', () => {
  const contractWith = (severity: 'warn' | 'error') =>
    loadContract({
      schema: ['{ name: x, type: int32 }'],
      quality: [`{ name: positive, field: x, condition: greater_than, value: 0, severity: ${severity} }`],
    });

  it('a failing warn rule makes the status warned', async () => {
    // Act
    const report = await validate(contractWith('warn'), ['x'], column('1', '-1'));

    // Assess
    expect(report.status).toBe('warned');
    expect(report.failedRules).toEqual(['positive']);
    expect(report.summary).toBe('WARNED: 2 rows; positive 50.00% < 100.00% (warn)');
  });

  it('a failing error rule makes the status failed', async () => {
    // Act
    const report = await validate(contractWith('error'), ['x'], column('1', '-1'));

    // Assess
    expect(report.status).toBe('failed');
    expect(report.summary).toBe('FAILED: 2 rows; positive 50.00% < 100.00% (error)');
  });

  it('passing rules of either severity leave the status passed', async () => {
    // Act
    const warn = await validate(contractWith('warn'), ['x'], column('1', '2'));
    const error = await validate(contractWith('error'), ['x'], column('1', '2'));

    // Assess
    expect(warn.status).toBe('passed');
    expect(error.status).toBe('passed');
    expect(error.failedRules).toEqual([]);
  });
});
