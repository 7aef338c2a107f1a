/**
 * A rule that judged nothing never passes silently: when the output has rows but a quality rule
 * evaluated none of them, it is reported with `evaluated: 0`, a note, and warns (default) or fails
 * (`on_unevaluated: fail`, at the rule's severity); an output with no rows passes with the note
 * "no rows". Expressions that could only be unknown for every row are refused when the contract
 * loads, as ContractErrors naming the rule.
 */
import { describe, expect, it } from 'vitest';
import { ContractError } from '../../../../lambdas/core/errors';
import { column, loadContract, ruleNamed, validate } from '../../../fixtures/validation-fixtures';

function loadError(schema: readonly string[], expression: string): ContractError {
  try {
    loadContract({
      schema,
      quality: [`{ name: guard, condition: expression, expression: '${expression}' }`],
    });
  } catch (error) {
    if (error instanceof ContractError) return error;
    throw error;
  }
  throw new Error('the contract loaded');
}

describe('a rule that evaluated no row', () => {
  it('an expression over a column that is null in every row warns, with evaluated 0', async () => {
    // Prepare
    const contract = loadContract({
      schema: ['{ name: b, type: float64 }'],
      quality: ["{ name: positive, condition: expression, expression: 'b > 0' }"],
    });

    // Act
    const report = await validate(contract, ['b'], column(null, null, null));

    // Assess
    const r = ruleNamed(report, 'positive');
    expect({ evaluated: r.evaluated, outcome: r.outcome, severity: r.severity }).toEqual({
      evaluated: 0,
      outcome: 'fail',
      severity: 'warn',
    });
    expect(r.note).toBe('evaluated none of 3 rows (every value null, absent or unknown)');
    expect(report.status).toBe('warned');
    expect(report.summary).toContain('positive evaluated none of 3 rows');
  });

  it('on_unevaluated: fail fails the output at the rule severity', async () => {
    // Prepare
    const contract = loadContract({
      schema: ['{ name: b, type: float64 }'],
      quality: ["{ name: positive, condition: expression, expression: 'b > 0', on_unevaluated: fail }"],
    });

    // Act
    const report = await validate(contract, ['b'], column(null, null));

    // Assess
    expect(ruleNamed(report, 'positive').severity).toBe('error');
    expect(report.status).toBe('failed');
    expect(report.failedRules).toEqual(['positive']);
  });

  it('the same holds for a value rule whose column is null in every row', async () => {
    // Prepare
    const contract = loadContract({
      schema: ['{ name: b, type: float64 }'],
      quality: ['{ name: bounded, field: b, condition: between, value: [0, 10] }'],
    });

    // Act
    const report = await validate(contract, ['b'], column(null));

    // Assess
    const r = ruleNamed(report, 'bounded');
    expect([r.evaluated, r.outcome, r.passRate]).toEqual([0, 'fail', 0]);
    expect(report.status).toBe('warned');
  });

  it('an output with no rows passes each rule with the note "no rows"', async () => {
    // Prepare
    const contract = loadContract({
      schema: ['{ name: b, type: float64 }'],
      quality: [
        "{ name: positive, condition: expression, expression: 'b > 0', on_unevaluated: fail }",
        '{ name: present, field: b, condition: not_null }',
      ],
    });

    // Act
    const report = await validate(contract, ['b'], []);

    // Assess
    expect(
      report.rules
        .filter((r) => r.name === 'positive' || r.name === 'present')
        .map((r) => [r.name, r.outcome, r.note]),
    ).toEqual([
      ['positive', 'pass', 'no rows'],
      ['present', 'pass', 'no rows'],
    ]);
    expect(report.status).toBe('passed');
  });

  it('a rule that evaluated some rows is judged as before', async () => {
    // Prepare
    const contract = loadContract({
      schema: ['{ name: b, type: float64 }'],
      quality: ["{ name: positive, condition: expression, expression: 'b > 0' }"],
    });

    // Act
    const report = await validate(contract, ['b'], column(null, '1'));

    // Assess
    const r = ruleNamed(report, 'positive');
    expect([r.evaluated, r.outcome, r.severity, r.note]).toEqual([1, 'pass', 'error', undefined]);
  });
});

describe('expressions that could only be unknown are refused at load', () => {
  const schema = ['{ name: a, type: int64 }', '{ name: b, type: string }', '{ name: d, type: date }'];

  it.each([
    ['b > 0', "'>' compares column b (a string) with number 0 (a number)"],
    ['a / 0 > 1', "'/ 0' is unknown for every row"],
    ['a % 0 = 1', "'% 0' is unknown for every row"],
    ['b - 1 > a', "'-' needs a number; column b is a string"],
    ['b * 2 = a', "'*' needs a number; column b is a string"],
    ['a == null', "'==' with null is unknown for every row; use is_null(...)"],
    ['a in (1, \\"x\\")', '\'in\' compares column a (a number) with \\"x\\" (a string): never equal'],
    ['a + 1', 'the expression is a number, not a condition'],
    ['length(a) > 1', 'length() needs a string; column a is a number'],
    ['not a', "'not' needs a boolean; column a is a number"],
    ['a > 0 and b', "'and' needs a boolean; column b is a string"],
    ['d > 20240101', "'>' compares column d (a string) with number 20240101 (a number)"],
  ])('%s: ContractError naming the rule', (expression, message) => {
    // Prepare: the YAML single-quoted expression with its double quotes escaped for the test table
    const text = expression.replace(/\\"/g, '"');

    // Act
    const error = loadError(schema, text);

    // Assess
    expect(error.message).toContain(message.replace(/\\"/g, '"'));
    expect(error.message).toContain("(rule 'guard')");
    expect(error.message).toContain('quality[0].expression');
  });

  it.each([
    'b + b = \\"xy\\"',
    'd >= \\"2024-01-01\\"',
    'coalesce(a, 0) >= 0',
    'is_null(b) or length(b) > 2',
    'abs(a - 3) <= 2',
  ])('%s loads', (expression) => {
    // Prepare
    const text = expression.replace(/\\"/g, '"');

    // Act
    const contract = loadContract({
      schema,
      quality: [`{ name: guard, condition: expression, expression: '${text}' }`],
    });

    // Assess
    expect(contract.quality[0]!.condition).toEqual({ kind: 'expression', expression: text });
  });
});
