import { describe, expect, it } from 'vitest';
import { parseContract } from '../../../../lambdas/core/contracts';
import { ContractError } from '../../../../lambdas/core/errors';
import { MaskingError, maskedColumns } from '../../../../lambdas/core/masking';

function contract(columns: readonly string[]): string {
  return [
    'pipeline: sales',
    'step: ingestion',
    'output: customers',
    'path: raw/customers/',
    'schema:',
    ...columns.map((c) => `  - ${c}`),
  ].join('\n');
}

describe('maskedColumns', () => {
  it('masks pii columns and confidential or restricted ones, and nothing else', () => {
    // Arrange
    const text = contract([
      '{ name: customer_id, type: int64, classification: restricted }',
      '{ name: email, type: string, pii: true }',
      '{ name: phone, type: string, classification: confidential }',
      '{ name: segment, type: string, classification: internal }',
      '{ name: country, type: string, classification: public }',
      '{ name: amount, type: float64, pii: false }',
    ]);

    // Act
    const masked = maskedColumns(parseContract(text, 'customers.yaml'));

    // Assess
    expect(masked.map((c) => c.name)).toEqual(['customer_id', 'email', 'phone']);
  });

  it('fails a personal column of a type masking cannot keep, naming it', () => {
    // Arrange
    const parsed = parseContract(
      contract(['{ name: email, type: string, pii: true }', '{ name: birth_date, type: date, pii: true }']),
      'customers.yaml',
    );

    // Act
    const act = () => maskedColumns(parsed);

    // Assess
    expect(act).toThrow(MaskingError);
    expect(act).toThrow(/birth_date \(date\)/);
  });

  it('rejects an unknown classification and a pii column classified public at load', () => {
    // Arrange
    const unknown = contract(['{ name: email, type: string, classification: secret }']);
    const contradictory = contract(['{ name: email, type: string, pii: true, classification: public }']);

    // Act
    const loadUnknown = () => parseContract(unknown, 'customers.yaml');
    const loadContradictory = () => parseContract(contradictory, 'customers.yaml');

    // Assess
    expect(loadUnknown).toThrow(ContractError);
    expect(loadUnknown).toThrow(/classification/);
    expect(loadContradictory).toThrow(/personal data is not public/);
  });
});
