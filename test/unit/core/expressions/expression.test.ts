/**
 * The expression language of consistency rules: precedence, SQL null semantics (a comparison with
 * null is unknown; and/or/not follow three-valued logic), functions, errors that name a position,
 * and the limits that keep a hostile contract from crashing the validator (length, nesting depth).
 * Identifiers only ever name columns: nothing reaches JavaScript objects or globals.
 */
import { describe, expect, it } from 'vitest';
import { compileExpression, ExpressionError } from '../../../../lambdas/core/expressions/expression';

type Value = string | number | bigint | boolean | null;

/** Evaluates `source` over one row given as column → value. */
function evaluate(source: string, row: Readonly<Record<string, Value>> = {}): boolean | undefined {
  const values = new Map(Object.entries(row));
  return compileExpression(source, [...values.keys()]).evaluate((name) => values.get(name) ?? null);
}

function compileError(source: string, columns: readonly string[] = ['a', 'b']): ExpressionError {
  try {
    compileExpression(source, columns);
  } catch (error) {
    if (error instanceof ExpressionError) return error;
    throw error;
  }
  throw new Error(`'${source}' compiled`);
}

describe('expression language', () => {
  describe('precedence and associativity', () => {
    it.each([
      ['1 + 2 * 3 == 7'],
      ['(1 + 2) * 3 == 9'],
      ['10 - 4 - 3 == 3'],
      ['8 / 4 / 2 == 1'],
      ['7 % 4 == 3'],
      ['-2 * 3 == -6'],
      ['- -2 == 2'],
      ['2 * -3 + 1 == -5'],
      ['1e3 == 1000'],
      ['.5 + 0.5 == 1'],
      ['(1 < 2) == true'],
    ])('%s', (source) => {
      // Act
      const result = evaluate(source);

      // Assess
      expect(result).toBe(true);
    });

    it('binds and tighter than or', () => {
      // Act: a or (b and c) is true; (a or b) and c would be false
      const result = evaluate('a or b and c', { a: true, b: false, c: false });

      // Assess
      expect(result).toBe(true);
    });

    it('binds not tighter than and', () => {
      // Act: (not a) and b is false; not (a and b) would be true
      const result = evaluate('not a and b', { a: false, b: false });

      // Assess
      expect(result).toBe(false);
    });

    it('binds comparison tighter than not', () => {
      // Act: not (a == b)
      const result = evaluate('not a == b', { a: 1, b: 2 });

      // Assess
      expect(result).toBe(true);
    });

    it('accepts symbolic and upper-case spellings of the logical operators', () => {
      // Act
      const results = [
        evaluate('a > 1 && !(b > 1) || false', { a: 2, b: 1 }),
        evaluate('A_COL > 1 AND NOT FALSE OR NULL', { A_COL: 2 }),
      ];

      // Assess
      expect(results).toEqual([true, true]);
    });

    it.each([
      ['a = 1', true],
      ['a == 1', true],
      ['a != 1', false],
      ['a <> 2', true],
      ['a < 1', false],
      ['a <= 1', true],
      ['a > 0', true],
      ['a >= 2', false],
    ])('compares with %s', (source, expected) => {
      // Act
      const result = evaluate(source, { a: 1 });

      // Assess
      expect(result).toBe(expected);
    });
  });

  describe('values', () => {
    it('reads single- and double-quoted strings with escapes', () => {
      // Act
      const result = evaluate(`a == 'it\\'s' and b == "say \\"hi\\""`, { a: "it's", b: 'say "hi"' });

      // Assess
      expect(result).toBe(true);
    });

    it('reads back-quoted column names with spaces', () => {
      // Act
      const compiled = compileExpression('`order total` > 5', ['order total']);

      // Assess
      expect(compiled.columns).toEqual(['order total']);
      expect(compiled.evaluate(() => 6)).toBe(true);
    });

    it('compares strings by code unit, so ISO dates as text compare as dates', () => {
      // Act
      const results = [
        evaluate("d >= '2024-01-01'", { d: '2024-01-31' }),
        evaluate('end_date >= start_date', { start_date: '2024-02-01', end_date: '2024-01-31' }),
      ];

      // Assess
      expect(results).toEqual([true, false]);
    });

    it('compares timestamps given as bigint counts', () => {
      // Act
      const result = evaluate('updated_at > created_at', {
        created_at: 1_704_067_200_000_000n,
        updated_at: 1_704_067_200_000_001n,
      });

      // Assess
      expect(result).toBe(true);
    });

    it('concatenates strings with + and compares booleans', () => {
      // Act
      const results = [
        evaluate("a + b == 'xy'", { a: 'x', b: 'y' }),
        evaluate('f == true and g != true', { f: true, g: false }),
      ];

      // Assess
      expect(results).toEqual([true, true]);
    });

    it('lists the columns it reads, once each', () => {
      // Act
      const compiled = compileExpression('a + a > b or is_null(c)', ['a', 'b', 'c', 'd']);

      // Assess
      expect(compiled.columns).toEqual(['a', 'b', 'c']);
    });
  });

  describe('SQL null semantics', () => {
    const T = true;
    const F = false;
    const N = null;

    it.each([
      [F, N, false],
      [N, F, false],
      [T, N, undefined],
      [N, T, undefined],
      [N, N, undefined],
      [T, T, true],
    ] as const)('%s and %s is %s', (a, b, expected) => {
      // Act
      const result = evaluate('a and b', { a, b });

      // Assess
      expect(result).toBe(expected);
    });

    it.each([
      [T, N, true],
      [N, T, true],
      [F, N, undefined],
      [N, F, undefined],
      [N, N, undefined],
      [F, F, false],
    ] as const)('%s or %s is %s', (a, b, expected) => {
      // Act
      const result = evaluate('a or b', { a, b });

      // Assess
      expect(result).toBe(expected);
    });

    it('not of unknown is unknown', () => {
      // Act
      const result = evaluate('not (a > 1)', { a: null });

      // Assess
      expect(result).toBeUndefined();
    });

    it.each([['a == null'], ['null == null'], ['a != 1'], ['a + 1 > 0'], ['-a < 0'], ['a in (1, 2)']])(
      '%s with a null is unknown',
      (source) => {
        // Act
        const result = evaluate(source, { a: null });

        // Assess
        expect(result).toBeUndefined();
      },
    );

    it('treats a comparison between different types as unknown, never coercing', () => {
      // Act
      const results = [
        evaluate("a == '1'", { a: 1 }),
        evaluate('t == 1', { t: true }),
        evaluate("a + 'x' == 'x'", { a: 1 }),
        evaluate('s > 0', { s: 'abc' }),
      ];

      // Assess
      expect(results).toEqual([undefined, undefined, undefined, undefined]);
    });

    it('treats division and remainder by zero as unknown', () => {
      // Act
      const results = [evaluate('a / 0 > 0', { a: 1 }), evaluate('a % 0 == 0', { a: 1 })];

      // Assess
      expect(results).toEqual([undefined, undefined]);
    });

    it('gives unknown when the whole expression is not a truth value', () => {
      // Act
      const results = [evaluate('a + 1', { a: 1 }), evaluate("'text'")];

      // Assess
      expect(results).toEqual([undefined, undefined]);
    });
  });

  describe('in (...)', () => {
    it.each([
      ["c in ('EUR', 'USD')", { c: 'USD' }, true],
      ["c in ('EUR', 'USD')", { c: 'GBP' }, false],
      ['n in (1, 2.5, 3)', { n: 2.5 }, true],
      ['n in (1, 2, 3)', { n: 4 }, false],
      ["n in ('1', '2')", { n: 1 }, false],
      ['f in (true)', { f: true }, true],
    ] as const)('%s for %o is %s', (source, row, expected) => {
      // Act
      const result = evaluate(source, row);

      // Assess
      expect(result).toBe(expected);
    });

    it('takes only literal values', () => {
      // Act
      const error = compileError('a in (b)');

      // Assess
      expect(error.message).toBe("'in' takes literal values at 7");
    });
  });

  describe('functions', () => {
    it.each([
      ['is_null(a)', { a: null }, true],
      ['is_null(a)', { a: 0 }, false],
      ['coalesce(a, b, 3) == 3', { a: null, b: null }, true],
      ['coalesce(a, 0) == 7', { a: 7 }, true],
      ['abs(a) == 3', { a: -3 }, true],
      ['length(s) == 3', { s: '😀ab' }, true],
      ["lower(s) == 'äb'", { s: 'ÄB' }, true],
      ["upper(s) == 'X1'", { s: 'x1' }, true],
      ['ABS(a) == 3', { a: 3 }, true],
    ] as const)('%s for %o is %s', (source, row, expected) => {
      // Act
      const result = evaluate(source, row);

      // Assess
      expect(result).toBe(expected);
    });

    it.each([
      ['abs(s) > 0', { s: 'x' }],
      ['length(n) > 0', { n: 5 }],
      ['lower(n) == 1', { n: 1 }],
      ['abs(n) > 0', { n: null }],
    ] as const)('%s for %o is unknown', (source, row) => {
      // Act
      const result = evaluate(source, row);

      // Assess
      expect(result).toBeUndefined();
    });
  });

  describe('errors name the position', () => {
    it.each([
      ['a >', 'unexpected end of expression at 3'],
      ['a >> b', "unexpected '>' at 3"],
      ['a $ b', "unexpected '$' at 2"],
      ['a b', "unexpected 'b' at 2"],
      ['1 < 2 < 3', "unexpected '<' at 6"],
      ['(a > 1', "expected ')' at 6"],
      ["a == 'abc", 'unterminated string at 5'],
      ['`abc > 1', 'unterminated `column` at 0'],
      ['a.b > 1', 'bad number at 1'],
      ["a['x'] > 1", "unexpected '[' at 1"],
      ['foo(a) > 1', "unexpected '(' at 3"],
      ['', 'unexpected end of expression at 0'],
    ])('%j: %s', (source, message) => {
      // Act
      const error = compileError(source);

      // Assess
      expect(error).toBeInstanceOf(ExpressionError);
      expect(error.name).toBe('ExpressionError');
      expect(error.message).toBe(message);
    });

    it('names every unknown column and the known ones', () => {
      // Act
      const error = compileError('x > 1 and y < a', ['a', 'b']);

      // Assess
      expect(error.message).toBe('unknown column(s) x, y; known: a, b');
    });
  });

  describe('limits', () => {
    it('accepts 100 nested parentheses', () => {
      // Prepare
      const source = `${'('.repeat(100)}a${')'.repeat(100)} > 1`;

      // Act
      const result = compileExpression(source, ['a']).evaluate(() => 2);

      // Assess
      expect(result).toBe(true);
    });

    it.each([
      ['101 nested parentheses', `${'('.repeat(101)}a${')'.repeat(101)}`],
      ['900 nested parentheses', `${'('.repeat(900)}a${')'.repeat(900)}`],
      ['a long chain of not', `${'not '.repeat(450)}a`],
      ['a long chain of !', `${'!'.repeat(1500)}a`],
      ['a long chain of unary minus', `${'-'.repeat(1500)}a > 0`],
      ['deeply nested calls', `${'abs('.repeat(300)}a${')'.repeat(300)} > 0`],
    ])('rejects %s with an ExpressionError instead of overflowing the stack', (_case, source) => {
      // Act
      const error = compileError(source, ['a']);

      // Assess
      expect(error.message).toBe('expression nested too deeply');
    });

    it('evaluates a long flat chain without deep recursion limits being hit', () => {
      // Prepare: 990 left-associated additions in 1986 characters
      const source = `a${'+a'.repeat(990)}==991`;

      // Act
      const result = compileExpression(source, ['a']).evaluate(() => 1);

      // Assess
      expect(result).toBe(true);
    });

    it('accepts 2000 characters and rejects 2001', () => {
      // Prepare
      const atLimit = `a > 1${' '.repeat(1995)}`;
      const overLimit = `${atLimit} `;

      // Act
      const compiled = compileExpression(atLimit, ['a']);
      const error = compileError(overLimit, ['a']);

      // Assess
      expect(atLimit).toHaveLength(2000);
      expect(compiled.evaluate(() => 2)).toBe(true);
      expect(error.message).toBe('expression longer than 2000 characters');
    });
  });

  describe('identifiers only name columns', () => {
    it.each([
      ['constructor'],
      ['__proto__'],
      ['process'],
      ['globalThis'],
      ['toString'],
      ['this'],
      ['eval'],
      ['require'],
    ])('%s is just an unknown column', (name) => {
      // Act
      const error = compileError(`${name} == 1`, ['a']);

      // Assess
      expect(error.message).toBe(`unknown column(s) ${name}; known: a`);
    });

    it('cannot call anything but its own functions', () => {
      // Act
      const errors = [
        compileError('eval(a) == 1'),
        compileError('constructor(a) == 1'),
        compileError('process.exit(1)'),
      ];

      // Assess
      expect(errors.map((e) => e.message)).toEqual([
        "unexpected '(' at 4",
        "unexpected '(' at 11",
        'bad number at 7',
      ]);
    });

    it('reads a column named like an object property from the row, and nothing else', () => {
      // Prepare
      const asked: string[] = [];
      const compiled = compileExpression('constructor > 1 and __proto__ == 2', ['constructor', '__proto__']);

      // Act
      const result = compiled.evaluate((name) => {
        asked.push(name);
        return name === 'constructor' ? 5 : 2;
      });

      // Assess
      expect(result).toBe(true);
      expect(asked).toEqual(['constructor', '__proto__']);
    });
  });
});
