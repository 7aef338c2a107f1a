/**
 * --violate: the data breaks exactly the targeted rule or constraint, at the requested rate, and
 * passes every other check; a violation that cannot be produced alone is refused up front.
 */
import { describe, expect, it } from 'vitest';
import { parseViolation } from '../../../../lambdas/core/generation/violations';
import { planTable } from '../../../../lambdas/core/generation/table-plan';
import { contractOf, failures, generateAndValidate } from '../../../fixtures/generation-fixtures';

const contract = contractOf(`schema:
  - { name: order_id, type: string, nullable: false, pattern: 'o-[0-9]{4,8}', unique: true }
  - { name: customer_id, type: int64, nullable: false, range: [1, 10000] }
  - { name: amount, type: 'decimal(10,2)', nullable: true, range: ['0', '1000'] }
  - { name: channel, type: string, nullable: false, allowed: [web, store, app] }
  - { name: note, type: string, nullable: true, length: [3, 12] }
  - { name: score, type: float64, nullable: false, range: [0, 1] }
  - { name: shipped_on, type: date, nullable: false, range: ['2024-01-01', '2024-06-30'] }
  - { name: ordered_at, type: timestamp, nullable: false, range: ['2024-01-01T00:00:00Z', '2024-12-31T23:59:59Z'] }
  - { name: sku, type: string, nullable: false, unique: true }
quality:
  - { name: amount_positive, field: amount, condition: greater_than, value: 0, threshold: 0.95 }
  - { name: note_present, field: note, condition: not_null, threshold: 1 }
  - { name: score_small, field: score, condition: less_or_equal, value: 0.9, threshold: 1, severity: warn }
`);

const ROWS = 4000;

describe('--violate', () => {
  it.each([
    ['customer_id.range', 0.1],
    ['order_id.pattern', 0.05],
    ['order_id.unique', 0.02],
    ['channel.allowed', 0.2],
    ['note.length', 0.1],
    ['score.range', 0.1],
    ['shipped_on.range', 0.1],
    ['ordered_at.range', 0.01],
    ['sku.unique', 0.1],
    ['amount_positive', 0.3],
    ['score_small', 0.1],
    ['note_present', 0.1],
  ])('breaks %s alone, at rate %s', async (target, rate) => {
    // Act
    const { report } = await generateAndValidate(contract, {
      rows: ROWS,
      seed: 11,
      violations: [{ target, rate }],
    });
    const failed = failures(report);
    // Assess: only the target fails, at the requested rate over the rows it evaluates.
    expect(Object.keys(failed)).toEqual([target]);
    const expected = target === 'amount_positive' ? rate / (1 - 0) : rate;
    expect(failed[target]).toBeGreaterThan(expected * 0.9);
    expect(failed[target]).toBeLessThan(expected * 1.1 + 0.005);
  });

  it('puts nulls in a non-nullable column for <column>.not_null (the schema grades it convertible)', async () => {
    // Act
    const { report } = await generateAndValidate(contract, {
      rows: ROWS,
      seed: 5,
      violations: [{ target: 'customer_id.not_null', rate: 0.1 }],
    });
    // Assess
    const column = report.schema.columns.find((c) => c.name === 'customer_id')!;
    expect(column.nulls).toBe(ROWS * 0.1);
    expect(column.finding).toBe('unexpected_nulls');
    expect(Object.keys(failures(report))).toEqual([]);
  });

  it('parses rule[=rate] with a default rate of 0.1', () => {
    // Act / Assess
    expect(parseViolation('customer_id.range=0.25')).toEqual({ target: 'customer_id.range', rate: 0.25 });
    expect(parseViolation('amount_positive')).toEqual({ target: 'amount_positive', rate: 0.1 });
    expect(() => parseViolation('x=2')).toThrow(/--violate: rate '2' must be a number in \(0, 1\]/);
    expect(() => parseViolation('x=0')).toThrow(/rate/);
  });

  it('Noncompliance 1: refuses an unknown target, naming the ones that exist', () => {
    // Act / Assess
    expect(() =>
      planTable(contract, { rows: 10, seed: 1, violations: [{ target: 'customer.range', rate: 0.1 }] }),
    ).toThrow(
      /customer\.range: not a rule or column constraint of test\/gen\/out; one of: amount_positive, note_present, score_small, order_id\.pattern/,
    );
    expect(() =>
      planTable(contract, { rows: 10, seed: 1, violations: [{ target: 'channel.range', rate: 0.1 }] }),
    ).toThrow(/column channel has no range constraint/);
  });

  it('Noncompliance 2: refuses a violation that would break another rule too', () => {
    // Prepare: the range and the rule are the same interval, so leaving one breaks the other.
    const tight = contractOf(`schema:
  - { name: customer_id, type: int64, nullable: false, range: [1, 10000] }
quality:
  - { name: in_range, field: customer_id, condition: between, value: [1, 10000], threshold: 1 }
`);
    // Act / Assess
    expect(() =>
      planTable(tight, { rows: 100, seed: 1, violations: [{ target: 'customer_id.range', rate: 0.1 }] }),
    ).toThrow(/customer_id\.range: cannot break customer_id\.range without breaking in_range/);
  });
});
