/** Consistency across steps: keys drawn from the upstream outputs the contracts declare as inputs. */
import { describe, expect, it } from 'vitest';
import { parseContract } from '../../../../lambdas/core/contracts/parse-contract';
import { planPipeline } from '../../../../lambdas/core/generation/plan-pipeline';
import { rowsOf } from '../../../fixtures/generation-fixtures';

/**
 * A contract of `<pipeline>/<step>/<output>`, its output under `<pipeline>/{run_id}/<step>/<output>/`:
 * the tests' contracts differ only in their inputs and columns.
 */
function contractOf(file: string, name: string, inputs: string | undefined, columns: readonly string[]) {
  const [pipeline, step, output] = name.split('/');
  return parseContract(
    [
      `pipeline: ${pipeline}`,
      `step: ${step}`,
      `output: ${output}`,
      `path: ${pipeline}/{run_id}/${step}/${output}/`,
      ...(inputs !== undefined ? [`inputs: [${inputs}]`] : []),
      'schema:',
      ...columns.map((column) => `  - ${column}`),
      '',
    ].join('\n'),
    file,
  );
}

const customers = contractOf('customers.yaml', 'shop/crm/customers', undefined, [
  '{ name: customer_id, type: int64, nullable: false, unique: true, range: [100000, 999999] }',
  '{ name: email, type: string, nullable: false, unique: true, generate: { kind: email } }',
  '{ name: segment_code, type: string, nullable: false, allowed: [A, B, C] }',
]);
const orders = contractOf('orders.yaml', 'shop/sales/orders', 'crm/customers', [
  "{ name: order_id, type: string, nullable: false, pattern: 'o-[0-9]{8}', unique: true }",
  '{ name: customer_id, type: int64, nullable: false }',
  '{ name: buyer, type: string, nullable: false, generate: { ref: crm/customers.email } }',
  '{ name: amount, type: float64, range: [1, 500] }',
]);
const lines = contractOf('lines.yaml', 'shop/sales/order_lines', 'sales/orders', [
  '{ name: order_id, type: string, nullable: false }',
  '{ name: line, type: int32, nullable: false, range: [1, 20] }',
]);

describe('planPipeline', () => {
  it('plans upstream first and draws keys from the declared inputs', () => {
    // Act
    const plans = planPipeline([lines, orders, customers], 'shop', { rows: 2000, seed: 4 });
    const [c, o, l] = plans.map(rowsOf);
    // Assess
    expect(plans.map((p) => p.contract.output)).toEqual(['customers', 'orders', 'order_lines']);
    const customerIds = new Set(c!.map((r) => r[0]));
    const emails = new Set(c!.map((r) => r[1]));
    const orderIds = new Set(o!.map((r) => r[0]));
    expect(o!.every((r) => customerIds.has(r[1]))).toBe(true);
    expect(o!.every((r) => emails.has(r[2]))).toBe(true);
    expect(l!.every((r) => orderIds.has(r[0]))).toBe(true);
    // Keys are drawn across the whole upstream, not a few values.
    expect(new Set(o!.map((r) => r[1])).size).toBeGreaterThan(1000);
  });

  it('Noncompliance 1: refuses an input no contract describes, and an unknown pipeline', () => {
    // Act / Assess
    expect(() => planPipeline([orders], 'shop', { rows: 10, seed: 1 })).toThrow(
      /^shop\/sales\/orders: input 'crm\/customers' is not described by any contract$/,
    );
    expect(() => planPipeline([orders], 'nope', { rows: 10, seed: 1 })).toThrow(
      /--pipeline: no contract belongs to pipeline 'nope' \(pipelines: shop\)/,
    );
  });

  // The repository's own pattern: raw orders repeat nothing by contract, yet the outputs built from
  // them declare order_id unique, two steps down.
  const raw = contractOf('raw.yaml', 'sales/ingestion/raw_orders', undefined, [
    '{ name: order_id, type: string, nullable: false }',
    '{ name: amount, type: float64 }',
  ]);
  const training = contractOf('training.yaml', 'sales/preprocessing/training_data', 'ingestion/raw_orders', [
    '{ name: order_id, type: string, nullable: false }',
  ]);
  const features = contractOf(
    'features.yaml',
    'sales/features/order_features',
    'preprocessing/training_data',
    ['{ name: order_id, type: string, nullable: false, unique: true }'],
  );

  it('draws a unique key without repeats, making the upstream keys it comes from distinct, two steps up', () => {
    // Act
    const plans = planPipeline([features, training, raw], 'sales', { rows: 3000, seed: 7 });
    const [r, t, f] = plans.map(rowsOf);

    // Assess: every output's order ids are distinct (1,000 draws with replacement from 1,000 rows
    // repeat about a third), and each step's ids come from the step before.
    expect(plans.map((p) => p.contract.output)).toEqual(['raw_orders', 'training_data', 'order_features']);
    for (const rows of [r!, t!, f!]) expect(new Set(rows.map((row) => row[0])).size).toBe(3000);
    const rawIds = new Set(r!.map((row) => row[0]));
    const trainingIds = new Set(t!.map((row) => row[0]));
    expect(t!.every((row) => rawIds.has(row[0]))).toBe(true);
    expect(f!.every((row) => trainingIds.has(row[0]))).toBe(true);
  });

  it('Noncompliance 2: refuses more unique keys than the upstream has rows', () => {
    // Prepare: features asks for more rows than the training data holds (an explicit row count
    // applies to every output, so the upstream is a series of fixed length here instead).
    const few = contractOf('training.yaml', 'sales/preprocessing/training_data', 'ingestion/raw_orders', [
      "{ name: at, type: timestamp, nullable: false, generate: { series: { start: '2026-01-01T00:00:00Z', end: '2026-01-01T00:09:00Z', frequency: minute } } }",
      '{ name: order_id, type: string, nullable: false }',
    ]);

    // Act / Assess
    expect(() => planPipeline([features, few, raw], 'sales', { rows: 100, seed: 7 })).toThrow(
      /order_id: is unique and drawn from sales\/preprocessing\/training_data\.order_id, which has 10 rows; 100 rows would repeat keys/,
    );
  });
});
