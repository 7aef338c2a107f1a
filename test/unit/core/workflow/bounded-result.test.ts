import { describe, expect, it } from 'vitest';
import { RESULT_LIMITS, boundResult, boundText } from '../../../../lambdas/core/workflow/bounded-result';

const result = {
  status: 'failed' as const,
  rowCount: 3,
  failedRules: ['schema'],
  reportUri: 's3://artifacts/reports/x.json',
  quarantineUri: null,
  summary: 'FAILED: 3 rows',
};

describe('what a validate step returns stays bounded', () => {
  it('cuts a summary quoting a 300 KB column name, saying the report has the rest', () => {
    // Prepare
    const summary = `FAILED: 3 rows; extra column ${'c'.repeat(300_000)}`;

    // Act
    const bounded = boundResult({ ...result, summary });

    // Assess
    expect(bounded.summary).toHaveLength(RESULT_LIMITS.summaryChars);
    expect(bounded.summary.startsWith('FAILED: 3 rows; extra column ccc')).toBe(true);
    expect(bounded.summary).toMatch(/… \(\d+ more characters; the report has the full text\)$/);
    expect(JSON.stringify(bounded).length).toBeLessThan(4_000);
  });

  it('lists at most 100 failed rules, each at most 256 characters, and counts the rest', () => {
    // Prepare
    const failedRules = Array.from({ length: 1_000 }, (_v, i) => `rule_${i}_${'r'.repeat(1_000)}`);

    // Act
    const bounded = boundResult({ ...result, failedRules });

    // Assess
    expect(bounded.failedRules).toHaveLength(RESULT_LIMITS.failedRules + 1);
    expect(bounded.failedRules.at(-1)).toBe('… 900 more (see the report)');
    expect(Math.max(...bounded.failedRules.map((r) => r.length))).toBe(RESULT_LIMITS.ruleNameChars);
  });

  it('leaves short text as it is', () => {
    // Act
    const bounded = boundResult(result);

    // Assess
    expect(bounded).toEqual(result);
    expect(boundText('abc', 10)).toBe('abc');
  });
});
