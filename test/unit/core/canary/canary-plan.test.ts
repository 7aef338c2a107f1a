import { describe, expect, it } from 'vitest';

import { planCanary, violationRate } from '../../../../lambdas/core/canary/canary-plan';
import { parseContract } from '../../../../lambdas/core/contracts/parse-contract';
import { InvalidInputError } from '../../../../lambdas/core/errors';
import { sampleContractText } from '../../../fixtures/sample-contracts';

const RAW = parseContract(sampleContractText('sales-ingestion-raw_orders.yaml'), 'raw');
const TRAINING = parseContract(sampleContractText('sales-preprocessing-training_data.yaml'), 'training');
const PARTS = parseContract(sampleContractText('sales-export-orders_parts.yaml'), 'parts');

const WITH_DATASET_RULE = parseContract(
  `pipeline: p
step: s
output: o
path: p/{run_id}/o/
format: csv
schema:
  - { name: id, type: int64, nullable: false, range: [1, 100] }
quality:
  - { name: id_positive, field: id, condition: greater_than, value: 0, threshold: 1, severity: warn }
  - { name: enough_rows, field: id, condition: mean_between, value: [1, 100] }
  - { name: lenient, field: id, condition: greater_than, value: 0, threshold: 0 }
`,
  'p.yaml',
);

describe('planCanary', () => {
  it('plans one passing output and one output per rule that fails exactly that rule', () => {
    // Arrange
    const contracts = [RAW, TRAINING];

    // Act
    const plan = planCanary(contracts, { runId: 'canary-r1', rows: 50 });

    // Assess
    expect(plan.cases.map((c) => [c.id, c.output, c.violate, c.expected])).toEqual([
      ['canary-r1-0', 'sales/ingestion/raw_orders', [], { status: 'passed', failedRules: [] }],
      [
        'canary-r1-1',
        'sales/ingestion/raw_orders',
        ['order_id_present=0.5'],
        // order_id is non-nullable: its nulls break the schema too, which the case expects.
        { status: 'failed', failedRules: ['order_id_present', 'schema_compatibility'] },
      ],
      ['canary-r1-2', 'sales/preprocessing/training_data', [], { status: 'passed', failedRules: [] }],
      ...TRAINING.quality.map((r, i) => [
        `canary-r1-${3 + i}`,
        'sales/preprocessing/training_data',
        [`${r.name}=${violationRate(r)}`],
        {
          status: r.severity === 'warn' ? 'warned' : 'failed',
          failedRules: r.name === 'customer_id_present' ? [r.name, 'schema_compatibility'] : [r.name],
        },
      ]),
    ]);
    expect(plan.cases.every((c) => c.rows === 50)).toBe(true);
    expect(plan.uncovered).toEqual([]);
  });

  it('lists what it cannot generate as uncovered, with the reason, instead of skipping it silently', () => {
    // Arrange
    const contracts = [WITH_DATASET_RULE, PARTS];

    // Act
    const plan = planCanary(contracts, { runId: 'r' });

    // Assess
    expect(plan.cases.map((c) => [c.violate, c.expected.status])).toEqual([
      [[], 'passed'],
      [['id_positive=0.5'], 'warned'],
    ]);
    expect(plan.uncovered.map((u) => [u.output, u.rule])).toEqual([
      ['p/s/o', 'enough_rows'],
      ['p/s/o', 'lenient'],
      ['sales/export/orders_parts', '*'],
    ]);
    expect(plan.uncovered[0]!.reason).toMatch(/cannot be broken row by row/);
  });

  it('covers only the outputs the config names, and refuses a name no contract has', () => {
    // Arrange
    const contracts = [RAW, TRAINING];

    // Act
    const plan = planCanary(contracts, { runId: 'r', contracts: ['sales/ingestion/raw_orders'] });
    const unknown = () => planCanary(contracts, { runId: 'r', contracts: ['sales/x/y'] });

    // Assess
    expect(new Set(plan.cases.map((c) => c.output))).toEqual(new Set(['sales/ingestion/raw_orders']));
    expect(unknown).toThrow(InvalidInputError);
    expect(unknown).toThrow(/sales\/x\/y/);
  });

  it('refuses a run with nothing to generate, a bad run id and unbounded rows', () => {
    // Act / Assess
    expect(() => planCanary([PARTS], { runId: 'r' })).toThrow(/nothing to generate/);
    expect(() => planCanary([RAW], { runId: '../x' })).toThrow(InvalidInputError);
    expect(() => planCanary([RAW], { runId: 'r', rows: 10_000_000 })).toThrow(/rows/);
  });

  it('violates enough rows to miss any threshold above 0', () => {
    // Act / Assess: the share that still passes (1 - rate) is below the threshold.
    for (const threshold of [0.01, 0.3, 0.5, 0.51, 0.95, 1]) {
      const rate = violationRate({ threshold })!;
      expect(1 - rate).toBeLessThan(threshold);
    }
    expect(violationRate({ threshold: 0 })).toBeUndefined();
  });
});
