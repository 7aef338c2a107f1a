/** The contract loader's `partitioned` key: a folder of part files completed by a `_SUCCESS` marker. */
import { describe, expect, it } from 'vitest';

import { parseContract } from '../../../../lambdas/core/contracts/parse-contract';
import { ContractError } from '../../../../lambdas/core/errors';

const SOURCE = 'contracts/sales-export-orders.yaml';

/** A valid contract, one statement per line, with lines appended (the first appended one is line 8). */
function contractText(path: string, append: readonly string[] = []): string {
  return (
    [
      'pipeline: sales', // 1
      'step: export', // 2
      'output: orders', // 3
      `path: ${path}`, // 4
      'format: csv', // 5
      'schema:', // 6
      '  - { name: order_id, type: string, nullable: false }', // 7
      ...append,
    ].join('\n') + '\n'
  );
}

function parseFailure(text: string): ContractError {
  try {
    parseContract(text, SOURCE);
  } catch (error) {
    if (error instanceof ContractError) return error;
    throw error;
  }
  throw new Error('expected parseContract to reject the contract, but it accepted it');
}

describe('parseContract: partitioned', () => {
  it('marks a folder contract as partitioned', () => {
    // Prepare
    const text = contractText('datasets/sales/{run_id}/orders/', ['partitioned: true']);

    // Act
    const contract = parseContract(text, SOURCE);

    // Assess
    expect(contract.partitioned).toBe(true);
    expect(contract.path).toBe('datasets/sales/{run_id}/orders/');
  });

  it.each([
    ['absent', []],
    ['false', ['partitioned: false']],
  ])('leaves the property out when partitioned is %s', (_what, append) => {
    // Prepare
    const text = contractText('datasets/sales/{run_id}/orders/', append);

    // Act
    const contract = parseContract(text, SOURCE);

    // Assess
    expect(contract).not.toHaveProperty('partitioned');
  });

  it('refuses a partitioned contract whose path is not a folder, naming the line and path', () => {
    // Prepare
    const text = contractText('datasets/sales/{run_id}/orders.csv', ['partitioned: true']);

    // Act
    const error = parseFailure(text);

    // Assess
    expect(error.source).toBe(SOURCE);
    expect(error.message).toBe(
      `${SOURCE}: line 4: path: a partitioned output is a folder: end 'datasets/sales/{run_id}/orders.csv' with /`,
    );
  });

  it('accepts convert_to on a partitioned contract (converted part by part)', () => {
    // Prepare
    const text = contractText('datasets/sales/{run_id}/orders/', [
      'partitioned: true',
      'convert_to: parquet',
    ]);

    // Act
    const contract = parseContract(text, SOURCE);

    // Assess
    expect(contract.partitioned).toBe(true);
    expect(contract.convertTo).toBe('parquet');
  });

  it('reads partition_by as schema columns, outermost first', () => {
    // Prepare
    const text = contractText('datasets/sales/{run_id}/orders/', [
      '  - { name: date, type: date }',
      '  - { name: region, type: string }',
      'partitioned: true',
      'partition_by: [date, region]',
    ]);

    // Act
    const contract = parseContract(text, SOURCE);

    // Assess
    expect(contract.partitionBy).toEqual(['date', 'region']);
  });

  it('refuses a partition column that is not in the schema, naming the line and key', () => {
    // Prepare
    const text = contractText('datasets/sales/{run_id}/orders/', [
      'partitioned: true',
      'partition_by: [day]',
    ]);

    // Act
    const error = parseFailure(text);

    // Assess
    expect(error.message).toBe(
      `${SOURCE}: line 9: partition_by[0]: 'day' is not a column of the schema; declare its type there`,
    );
  });

  it('refuses partition_by on an output that is not partitioned', () => {
    // Prepare
    const text = contractText('datasets/sales/{run_id}/orders/', ['partition_by: [order_id]']);

    // Act
    const error = parseFailure(text);

    // Assess
    expect(error.message).toContain(
      'partition_by: partition columns come from the folders of a partitioned output',
    );
  });

  it('accepts convert_to and a file path on a contract that is not partitioned', () => {
    // Prepare
    const text = contractText('datasets/sales/{run_id}/orders.csv', ['convert_to: parquet']);

    // Act
    const contract = parseContract(text, SOURCE);

    // Assess
    expect(contract.convertTo).toBe('parquet');
    expect(contract).not.toHaveProperty('partitioned');
  });

  it('refuses a partitioned value that is not a boolean, naming its line', () => {
    // Prepare
    const text = contractText('datasets/sales/{run_id}/orders/', ['partitioned: yes please']);

    // Act
    const error = parseFailure(text);

    // Assess
    expect(error.message).toMatch(new RegExp(`^${SOURCE}: line 8: partitioned: `));
  });
});
