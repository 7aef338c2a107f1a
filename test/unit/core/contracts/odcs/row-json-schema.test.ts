/**
 * `prt contract export --to jsonschema`: the JSON Schema of one record is a valid draft 2020-12
 * schema that accepts the rows the contract accepts and refuses a row that breaks a column.
 */
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';

import { parseContract, rowJsonSchema } from '../../../../../lambdas/core/contracts';

const CONTRACT = `
pipeline: sales
step: export
output: orders
path: orders/{run_id}/
format: jsonl
allow_extra_columns: false
schema:
  - { name: order_id, type: string, nullable: false, pattern: 'O-[0-9]+', length: [3, 12] }
  - { name: items, type: int32, nullable: false, range: [1, 500] }
  - { name: amount, type: 'decimal(10,2)' }
  - { name: channel, type: string, allowed: [web, store] }
  - { name: day, type: date }
  - { name: at, type: timestamp }
  - { name: paid, type: boolean }
  - { name: score, type: float64, range: [0, 1] }
`;

function validator(): (row: unknown) => boolean {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  return ajv.compile(rowJsonSchema(parseContract(CONTRACT, 'orders.yaml')));
}

const GOOD = {
  order_id: 'O-17',
  items: 3,
  amount: '12.50',
  channel: 'web',
  day: '2024-05-01',
  at: '2024-05-01T10:00:00Z',
  paid: true,
  score: 0.5,
};

describe('row JSON Schema', () => {
  it('accepts a row the contract accepts, with nulls where columns are nullable', () => {
    // Arrange
    const valid = validator();

    // Act
    const results = [
      valid(GOOD),
      valid({ order_id: 'O-1', items: 1, amount: 3.5, channel: null, day: null }),
    ];

    // Assess
    expect(results).toEqual([true, true]);
  });

  it.each([
    ['a missing required column', { ...GOOD, order_id: undefined }],
    ['a null in a required column', { ...GOOD, items: null }],
    ['a value outside the range', { ...GOOD, items: 501 }],
    ['a fraction in an integer column', { ...GOOD, items: 1.5 }],
    ['a value the pattern refuses as a whole', { ...GOOD, order_id: 'xO-17x' }],
    ['a value not allowed', { ...GOOD, channel: 'fax' }],
    ['a decimal that is not a number', { ...GOOD, amount: 'twelve' }],
    ['a date that is not a date', { ...GOOD, day: '2024-13-45' }],
    ['an extra column', { ...GOOD, note: 'x' }],
  ])('refuses %s', (_what, row) => {
    // Arrange
    const valid = validator();

    // Act
    const result = valid(JSON.parse(JSON.stringify(row)));

    // Assess
    expect(result).toBe(false);
  });
});
