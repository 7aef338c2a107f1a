/** The contract loader's `partitioned` key: a folder of part files completed by a `_SUCCESS` marker. */
import { describe, expect, it } from 'vitest';

import { parseContract } from '../../../../lambdas/core/contracts/parse-contract';
import { CONTRACT_SOURCE as SOURCE, contractText, parseFailure } from '../../../fixtures/contract-text';

describe('parseContract: partitioned', () => {
  it('marks a folder contract as partitioned', () => {
    // Prepare
    const text = contractText(['partitioned: true'], 'datasets/sales/{run_id}/orders/');

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
    const text = contractText(append, 'datasets/sales/{run_id}/orders/');

    // Act
    const contract = parseContract(text, SOURCE);

    // Assess
    expect(contract).not.toHaveProperty('partitioned');
  });

  it('refuses a partitioned contract whose path is not a folder, naming the line and path', () => {
    // Prepare
    const text = contractText(['partitioned: true'], 'datasets/sales/{run_id}/orders.csv');

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
    const text = contractText(
      ['partitioned: true', 'convert_to: parquet'],
      'datasets/sales/{run_id}/orders/',
    );

    // Act
    const contract = parseContract(text, SOURCE);

    // Assess
    expect(contract.partitioned).toBe(true);
    expect(contract.convertTo).toBe('parquet');
  });

  it('reads partition_by as schema columns, outermost first', () => {
    // Prepare
    const text = contractText(
      [
        '  - { name: date, type: date }',
        '  - { name: region, type: string }',
        'partitioned: true',
        'partition_by: [date, region]',
      ],
      'datasets/sales/{run_id}/orders/',
    );

    // Act
    const contract = parseContract(text, SOURCE);

    // Assess
    expect(contract.partitionBy).toEqual(['date', 'region']);
  });

  it('refuses a partition column that is not in the schema, naming the line and key', () => {
    // Prepare
    const text = contractText(
      ['partitioned: true', 'partition_by: [day]'],
      'datasets/sales/{run_id}/orders/',
    );

    // Act
    const error = parseFailure(text);

    // Assess
    expect(error.message).toBe(
      `${SOURCE}: line 9: partition_by[0]: 'day' is not a column of the schema; declare its type there`,
    );
  });

  it('refuses partition_by on an output that is not partitioned', () => {
    // Prepare
    const text = contractText(['partition_by: [order_id]'], 'datasets/sales/{run_id}/orders/');

    // Act
    const error = parseFailure(text);

    // Assess
    expect(error.message).toContain(
      'partition_by: partition columns come from the folders of a partitioned output',
    );
  });

  it('accepts convert_to and a file path on a contract that is not partitioned', () => {
    // Prepare
    const text = contractText(['convert_to: parquet'], 'datasets/sales/{run_id}/orders.csv');

    // Act
    const contract = parseContract(text, SOURCE);

    // Assess
    expect(contract.convertTo).toBe('parquet');
    expect(contract).not.toHaveProperty('partitioned');
  });

  it('refuses a partitioned value that is not a boolean, naming its line', () => {
    // Prepare
    const text = contractText(['partitioned: yes please'], 'datasets/sales/{run_id}/orders/');

    // Act
    const error = parseFailure(text);

    // Assess
    expect(error.message).toMatch(new RegExp(`^${SOURCE}: line 8: partitioned: `));
  });
});
