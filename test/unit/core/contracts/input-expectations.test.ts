/**
 * The mapping form of an `inputs` entry: what a consuming step reads of its input. It loads into
 * `expectations` beside the plain names in `inputs`; a contract of plain references loads exactly
 * as before; mistakes fail at their line like every other contract problem.
 */
import { describe, expect, it } from 'vitest';
import { COLUMN_TYPES, expectationOf } from '../../../../lambdas/core/contracts/output-contract';
import { parseContract } from '../../../../lambdas/core/contracts/parse-contract';
import { ContractError } from '../../../../lambdas/core/errors';

const HEAD = [
  'pipeline: sales', // 1
  'step: features', // 2
  'output: order_features', // 3
  'path: pipelines/sales/{run_id}/features/order_features/', // 4
  'schema:', // 5
  '  - { name: order_id, type: string, nullable: false }', // 6
  'inputs:', // 7
];

function withInputs(lines: readonly string[]): string {
  return [...HEAD, ...lines].join('\n') + '\n';
}

function failure(text: string): string {
  try {
    parseContract(text, 'features.yaml');
  } catch (error) {
    if (error instanceof ContractError) return error.message;
    throw error;
  }
  throw new Error('expected the contract to be rejected');
}

describe('consumer expectations in inputs', () => {
  it('loads a declared expectation with its columns, level and reaction, beside plain references', () => {
    // Arrange
    const text = withInputs([
      '  - ingestion/raw_orders', // 8
      '  - output: preprocessing/training_data', // 9
      '    accepts: convertible', // 10
      '    on_break: warn', // 11
      '    columns:', // 12
      '      - { name: customer_id, type: int64, nullable: false, range: [1, 10000] }', // 13
      "      - { name: amount, type: 'decimal(12,2)' }", // 14
      '      - { name: ordered_at, type: timestamp }', // 15
    ]);

    // Act
    const contract = parseContract(text, 'features.yaml');

    // Assess
    expect(contract.inputs).toEqual(['ingestion/raw_orders', 'preprocessing/training_data']);
    expect(contract.expectations).toEqual([
      {
        input: 'preprocessing/training_data',
        index: 1,
        accepts: 'convertible',
        onBreak: 'warn',
        columns: [
          { name: 'customer_id', type: 'int64', nullable: false, range: [1, 10000] },
          { name: 'amount', type: 'decimal', nullable: true, precision: 12, scale: 2 },
          { name: 'ordered_at', type: 'timestamp', nullable: true, unit: 'us' },
        ],
      },
    ]);
  });

  it('defaults a declaration to compatible, failing when broken, and a plain reference to the whole contract', () => {
    // Arrange
    const text = withInputs(['  - ingestion/raw_orders', '  - { output: preprocessing/training_data }']);

    // Act
    const contract = parseContract(text, 'features.yaml');

    // Assess
    expect(expectationOf(contract, 'sales/preprocessing/training_data')).toEqual({
      input: 'preprocessing/training_data',
      index: 1,
      accepts: 'compatible',
      onBreak: 'fail',
    });
    expect(expectationOf(contract, 'sales/ingestion/raw_orders')).toEqual({
      input: 'ingestion/raw_orders',
      index: 0,
      accepts: 'compatible',
      onBreak: 'fail',
    });
    expect(expectationOf(contract, 'sales/nowhere/nothing')).toBeUndefined();
  });

  it('loads a contract of plain references without an expectations key', () => {
    // Arrange
    const text = withInputs(['  - ingestion/raw_orders']);

    // Act
    const contract = parseContract(text, 'features.yaml');

    // Assess
    expect(contract.inputs).toEqual(['ingestion/raw_orders']);
    expect('expectations' in contract).toBe(false);
  });

  it.each([
    [
      'an unknown level',
      ['  - output: preprocessing/training_data', '    accepts: strict'],
      "line 9: inputs[0].accepts: 'strict' is not valid; expected one of compatible, convertible",
    ],
    [
      'an unknown column type',
      ['  - output: preprocessing/training_data', '    columns:', '      - { name: a, type: integer }'],
      `line 10: inputs[0].columns[0].type: 'integer' is not a type; expected one of ${COLUMN_TYPES.join(', ')} or decimal(precision,scale)`,
    ],
    [
      'a column read twice',
      [
        '  - output: preprocessing/training_data',
        '    columns:',
        '      - { name: a, type: int64 }',
        '      - { name: a, type: int32 }',
      ],
      "line 11: inputs[0].columns[1].name: 'a' is declared twice",
    ],
    [
      'a unit on a column that is no timestamp',
      [
        '  - output: preprocessing/training_data',
        '    columns:',
        '      - { name: a, type: int64, unit: ms }',
      ],
      'line 10: inputs[0].columns[0].unit: only timestamp columns have a unit (this one is int64)',
    ],
    [
      'a range that is no value of the type',
      [
        '  - output: preprocessing/training_data',
        '    columns:',
        '      - { name: a, type: int64, range: [x, 3] }',
      ],
      "line 10: inputs[0].columns[0].range[0]: 'x' is not a int64 value",
    ],
    [
      'an input listed twice',
      ['  - preprocessing/training_data', '  - { output: sales/preprocessing/training_data }'],
      "line 9: inputs[1].output: 'sales/preprocessing/training_data' is listed twice",
    ],
    [
      "the contract's own output",
      ['  - { output: features/order_features }'],
      "line 8: inputs[0].output: 'features/order_features' is this contract's own output",
    ],
    [
      'an unknown key',
      ['  - { output: preprocessing/training_data, reads: [a] }'],
      "line 8: inputs[0].reads: unknown key 'reads'",
    ],
  ])('rejects %s at its line', (_, lines, message) => {
    // Act
    const error = failure(withInputs(lines));

    // Assess
    expect(error).toBe(`features.yaml: ${message}`);
  });
});
