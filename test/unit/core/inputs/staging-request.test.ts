import { describe, expect, it } from 'vitest';
import { parseContract } from '../../../../lambdas/core/contracts';
import { ContractError, InvalidInputError } from '../../../../lambdas/core/errors';
import { parseStagingRequest, planStaging } from '../../../../lambdas/core/inputs/staging-request';

const FEATURES = parseContract(
  [
    'pipeline: sales',
    'step: features',
    'output: order_features',
    'path: features/',
    'inputs: [preprocessing/training_data, ingestion/raw_orders]',
    'schema:',
    '  - { name: order_id, type: string }',
  ].join('\n'),
  'features.yaml',
);
const INGESTION = parseContract(
  [
    'pipeline: sales',
    'step: ingestion',
    'output: raw_orders',
    'path: raw/',
    'schema:',
    '  - { name: order_id, type: string }',
  ].join('\n'),
  'raw.yaml',
);

describe('parseStagingRequest and planStaging', () => {
  it('plans one item per declared input, with every option present and a pin on its input', () => {
    // Arrange
    const event = {
      mode: 'plan',
      stagingId: 'exec-1',
      request: {
        step: 'sales/features',
        runId: 'r7',
        sample: { rows: 100 },
        pins: { 'ingestion/raw_orders': 'v-3' },
      },
    };

    // Act
    const request = parseStagingRequest(event);
    const plan = planStaging([FEATURES, INGESTION], request as Extract<typeof request, { mode: 'plan' }>);

    // Assess
    expect(plan).toEqual({
      step: 'sales/features',
      stagingId: 'exec-1',
      runId: 'r7',
      sample: { rows: 100 },
      mask: true,
      format: null,
      target: null,
      inputs: [
        { output: 'sales/preprocessing/training_data', version: null },
        { output: 'sales/ingestion/raw_orders', version: 'v-3' },
      ],
    });
  });

  it('refuses a step that declares no inputs, and a pin on something that is not an input', () => {
    // Arrange
    const none = parseStagingRequest({ mode: 'plan', stagingId: 'x', request: { step: 'sales/ingestion' } });
    const badPin = parseStagingRequest({
      mode: 'plan',
      stagingId: 'x',
      request: { step: 'sales/features', pins: { 'export/orders_parts': 'v1' } },
    });

    // Act
    const planNone = () => planStaging([FEATURES, INGESTION], none as Extract<typeof none, { mode: 'plan' }>);
    const planBadPin = () =>
      planStaging([FEATURES, INGESTION], badPin as Extract<typeof badPin, { mode: 'plan' }>);

    // Assess
    expect(planNone).toThrow(ContractError);
    expect(planNone).toThrow(/declares no inputs/);
    expect(planBadPin).toThrow(/is pinned but is not an input/);
  });

  it('reads a stage request and rejects malformed ones with the field named', () => {
    // Arrange
    const good = {
      mode: 'stage',
      output: 'sales/ingestion/raw_orders',
      stagingId: 'x',
      mask: false,
      format: 'parquet',
      runId: null,
    };

    // Act
    const parsed = parseStagingRequest(good);

    // Assess
    expect(parsed).toMatchObject({
      mode: 'stage',
      version: null,
      options: { mask: false, format: 'parquet', runId: null, sample: null },
    });
    expect(() => parseStagingRequest({ ...good, format: 'xlsx' })).toThrow(/format must be one of/);
    expect(() => parseStagingRequest({ ...good, sample: { fraction: 2, seed: 1 } })).toThrow(
      InvalidInputError,
    );
    expect(() => parseStagingRequest({ ...good, mask: 'yes' })).toThrow(/mask must be a boolean/);
    expect(() => parseStagingRequest({ ...good, output: undefined })).toThrow(/output is required/);
    expect(() => parseStagingRequest({ mode: 'copy' })).toThrow(/mode must be plan or stage/);
  });

  it('carries a named staging target through the plan to every item, and refuses a malformed name', () => {
    // Arrange
    const plan = { mode: 'plan', stagingId: 'x', request: { step: 'sales/features', target: 'dev' } };
    const stage = { mode: 'stage', output: 'sales/ingestion/raw_orders', stagingId: 'x', target: 'dev' };

    // Act
    const planned = parseStagingRequest(plan);
    const staged = parseStagingRequest(stage);

    // Assess
    expect(
      planStaging([FEATURES, INGESTION], planned as Extract<typeof planned, { mode: 'plan' }>).target,
    ).toBe('dev');
    expect(staged.options.target).toBe('dev');
    expect(() => parseStagingRequest({ ...stage, target: 'Prod/../x' })).toThrow(InvalidInputError);
    expect(() => parseStagingRequest({ ...stage, target: 7 })).toThrow(/target must be a string/);
  });
});
