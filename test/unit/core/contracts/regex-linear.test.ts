/**
 * Contract regexes run on a linear-time engine: patterns that make a backtracking engine run for
 * minutes (`(a+)+b`, `^(a|aa)+$` against a run of `a`s) are judged at once, by validation and by the
 * generator's value checks alike; constructs with no linear-time evaluation (backreferences,
 * lookaround) are refused when the contract loads, naming the column and the construct; and the
 * engine keeps JavaScript's `u`-flag meaning of the patterns authors write.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileContractRegex, MAX_PATTERN_LENGTH } from '../../../../lambdas/core/contracts/contract-regex';
import { ContractError } from '../../../../lambdas/core/errors';
import { valueChecks } from '../../../../lambdas/core/generation/value-checks';
import { column, loadContract, ruleNamed, validate } from '../../../fixtures/validation-fixtures';

/** Long enough that a backtracking engine needs minutes (2^34 paths); a linear one, microseconds. */
const HOSTILE_RUN = 'a'.repeat(34);

function loadError(parts: Parameters<typeof loadContract>[0]): ContractError {
  try {
    loadContract(parts);
  } catch (error) {
    if (error instanceof ContractError) return error;
    throw error;
  }
  throw new Error('the contract loaded');
}

describe('backtracking-prone patterns are judged in linear time', () => {
  it('validates a column pattern (a+)+b against a run of 34 a', async () => {
    // Prepare
    const contract = loadContract({ schema: ["{ name: x, type: string, pattern: '(a+)+b' }"] });

    // Act
    const report = await validate(contract, ['x'], column(HOSTILE_RUN, `${HOSTILE_RUN}b`));

    // Assess: whole-value semantics — the run fails, the run followed by b passes
    const r = ruleNamed(report, 'x.pattern');
    expect({ evaluated: r.evaluated, passed: r.passed }).toEqual({ evaluated: 2, passed: 1 });
  });

  it('validates a matches rule ^(a|aa)+$ against a run of 34 a and a b', async () => {
    // Prepare
    const contract = loadContract({
      schema: ['{ name: x, type: string }'],
      quality: ["{ name: r, field: x, condition: matches, value: '^(a|aa)+$' }"],
    });

    // Act
    const report = await validate(contract, ['x'], column(`${HOSTILE_RUN}b`, HOSTILE_RUN));

    // Assess
    const r = ruleNamed(report, 'r');
    expect({ evaluated: r.evaluated, passed: r.passed }).toEqual({ evaluated: 2, passed: 1 });
  });

  it("the generator's value checks judge the same patterns the same way", () => {
    // Prepare
    const contract = loadContract({
      schema: ["{ name: x, type: string, pattern: '(a+)+b' }"],
      quality: ["{ name: r, field: x, condition: matches, value: '^(a|aa)+$' }"],
    });
    const checks = valueChecks(contract.schema[0]!, contract.quality);

    // Act
    const verdicts = checks.map((c) => [c.name, c.test(`${HOSTILE_RUN}c`)]);

    // Assess
    expect(verdicts).toEqual([
      ['x.pattern', false],
      ['r', false],
    ]);
  });
});

describe('constructs with no linear-time evaluation are refused at load', () => {
  it.each([
    ['(a)\\1', 'a backreference (\\1)'],
    ['(?<d>a)\\k<d>', 'a named backreference'],
    ['a(?=b)', 'a lookahead'],
    ['a(?!b)', 'a negative lookahead'],
    ['(?<=a)b', 'a lookbehind'],
    ['(?<!a)b', 'a negative lookbehind'],
  ])('pattern %s: ContractError naming the column and %s', (pattern, construct) => {
    // Prepare
    const parts = { schema: [`{ name: sku, type: string, pattern: '${pattern}' }`] };

    // Act
    const error = loadError(parts);

    // Assess
    expect(error.message).toContain("(column 'sku')");
    expect(error.message).toContain(construct);
    expect(error.message).toContain('schema[0].pattern');
  });

  it('a matches rule with a lookahead names the rule and its column', () => {
    // Prepare
    const parts = {
      schema: ['{ name: code, type: string }'],
      quality: ["{ name: code_shape, field: code, condition: matches, value: '^(?=.*[0-9])' }"],
    };

    // Act
    const error = loadError(parts);

    // Assess
    expect(error.message).toContain("(rule 'code_shape', column 'code')");
    expect(error.message).toContain('a lookahead');
  });

  it(`a pattern longer than ${MAX_PATTERN_LENGTH} characters is refused with its length`, () => {
    // Prepare
    const pattern = 'a'.repeat(MAX_PATTERN_LENGTH + 1);

    // Act
    const act = (): unknown => compileContractRegex(pattern, 'whole');

    // Assess
    expect(act).toThrow(ContractError);
    expect(act).toThrow(`${MAX_PATTERN_LENGTH + 1} characters`);
  });

  it('a lookahead-like text inside a character class is a literal, not refused', () => {
    // Prepare
    const pattern = '[(?=]+';

    // Act
    const re = compileContractRegex(pattern, 'whole');

    // Assess
    expect([re.test('(?='), re.test('(?=x')]).toEqual([true, false]);
  });
});

describe('the u-flag meaning of patterns is kept', () => {
  const CASES: readonly (readonly [pattern: string, value: string])[] = [
    ['^.$', '😀'], // . is one code point
    ['a.b', 'a\rb'], // . excludes every line terminator
    ['a.b', 'a\u2028b'],
    ['a\\sb', 'a\u00a0b'], // \s is Unicode white space
    ['a\\sb', 'a\u000bb'],
    ['a\\Sb', 'a\u3000b'],
    ['[\\s,]+', ' ,\ufeff'],
    ['\\u{1F600}', '😀'],
    ['\\uD83D\\uDE00', '😀'],
    ['\\u0041', 'A'],
    ['\\cJ', '\n'],
    ['\\p{Script=Greek}+', 'αβγ'],
    ['\\p{L}+', 'ñandú'],
    ['(?<year>\\d{4})-\\d{2}', '2024-06'],
    ['o-[0-9]+', 'o-12'],
    ['o-[0-9]+', 'xo-12'],
  ];

  it.each(CASES)('%s on %j: same verdict as RegExp, whole value and search', (pattern, value) => {
    // Prepare
    const whole = compileContractRegex(pattern, 'whole');
    const search = compileContractRegex(pattern, 'search');

    // Act
    const verdicts = [whole.test(value), search.test(value)];

    // Assess
    expect(verdicts).toEqual([
      new RegExp(`^(?:${pattern})$`, 'u').test(value),
      new RegExp(pattern, 'u').test(value),
    ]);
  });

  it('agrees with RegExp on arbitrary text for common contract patterns', () => {
    // Prepare
    const patterns = [
      'o-[0-9]+',
      '[^@\\s]+@[^@\\s]+\\.[a-z]{2,}',
      '\\w+(\\.\\w+)*',
      '.+',
      '\\S*\\s?\\d{0,3}',
    ];
    const alphabet = fc.constantFrom('a', 'o', '-', '1', '@', '.', ' ', '\n', '\u00a0', '😀', 'é', '_', 'b');
    const text = fc.array(alphabet, { maxLength: 12 }).map((cs) => cs.join(''));

    // Act / Assess
    for (const pattern of patterns) {
      const whole = compileContractRegex(pattern, 'whole');
      const search = compileContractRegex(pattern, 'search');
      fc.assert(
        fc.property(text, (v) => {
          expect(whole.test(v)).toBe(new RegExp(`^(?:${pattern})$`, 'u').test(v));
          expect(search.test(v)).toBe(new RegExp(pattern, 'u').test(v));
        }),
        { numRuns: 300 },
      );
    }
  });
});
