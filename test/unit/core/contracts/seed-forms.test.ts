/**
 * Rules and generation hints written as the design notes write them fail with the exact
 * translation into the contract's form, at their line: a contract copied from the notes is one
 * edit away from loading, and nothing is guessed.
 */
import { describe, expect, it } from 'vitest';
import { parseContract } from '../../../../lambdas/core/contracts/parse-contract';
import { ContractError } from '../../../../lambdas/core/errors';

const HEAD = `pipeline: p
step: s
output: o
path: x/
schema:
  - { name: email, type: string }
  - { name: age, type: int32 }
`;

function problem(text: string): string {
  try {
    parseContract(text, 'c.yaml');
  } catch (error) {
    if (error instanceof ContractError) return error.message;
    throw error;
  }
  throw new Error('the contract loaded');
}

describe('design-note forms in a contract', () => {
  it.each([
    [
      '{ rule_id: email_format, name: Email Format Check, rule_type: email, column: email, severity: error }',
      '{ name: email_format, field: email, condition: format, value: email, severity: error, description: "Email Format Check" }',
    ],
    [
      '{ rule_id: age_range, rule_type: range, column: age, parameters: { min: 0, max: 120 }, severity: warning }',
      '{ name: age_range, field: age, condition: between, value: [0, 120], severity: warn }',
    ],
    [
      '{ rule_id: adult, rule_type: range, column: age, parameters: { min: 18 } }',
      '{ name: adult, field: age, condition: greater_or_equal, value: 18 }',
    ],
    [
      '{ rule_id: required_fields, rule_type: not_null, column: email }',
      '{ name: required_fields, field: email, condition: not_null }',
    ],
  ])('translates the rule %s', (rule, translation) => {
    // Act
    const message = problem(`${HEAD}quality:\n  - ${rule}\n`);

    // Assess
    expect(message).toBe(
      `c.yaml: line 9: quality[0]: is written in the design notes\u2019 rule form (rule_id, rule_type, column); in a contract it reads: ${translation}`,
    );
  });

  it('names a rule_type it cannot translate, and where the conditions are', () => {
    // Act
    const message = problem(`${HEAD}quality:\n  - { rule_id: fresh, rule_type: freshness, column: age }\n`);

    // Assess
    expect(message).toMatch(
      /^c\.yaml: line 9: quality\[0\]: .*rule_type 'freshness' has no direct translation: write it with a condition \(not_null, unique, between/,
    );
  });

  it('moves generation hints on a column under generate:', () => {
    // Act
    const message = problem(`pipeline: p
step: s
output: o
path: x/
schema:
  - name: purchase_amount
    type: float64
    distribution: normal
    mean: 100.0
    std: 25.0
`);

    // Assess
    expect(message).toBe(
      'c.yaml: line 8: schema[0].distribution: generation hints (distribution, mean, std) belong under generate: on the column; write generate: { distribution: normal, mean: 100, std: 25 }',
    );
  });

  it('loads the translations it prints', () => {
    // Act
    const contract = parseContract(
      `${HEAD}quality:
  - { name: age_range, field: age, condition: between, value: [0, 120], severity: warn }
  - { name: email_format, field: email, condition: format, value: email, severity: error, description: "Email Format Check" }
`,
      'c.yaml',
    );

    // Assess
    expect(contract.quality.map((r) => [r.name, r.severity])).toEqual([
      ['age_range', 'warn'],
      ['email_format', 'error'],
    ]);
  });
});
