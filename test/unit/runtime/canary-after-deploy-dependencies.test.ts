/**
 * The canary-after-deploy function's settings, read at cold start: the state machine is required,
 * the input is a JSON object (the canary settings) or absent.
 */
import { describe, expect, it } from 'vitest';
import { readCanaryAfterDeployConfig } from '../../../lambdas/runtime/canary-after-deploy-dependencies';
import { CANARY_AFTER_DEPLOY_ENV } from '../../../lambdas/runtime/function-environment';

const ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:prt-dev-canary';

describe('readCanaryAfterDeployConfig', () => {
  it('reads the state machine and the settings', () => {
    // Act
    const config = readCanaryAfterDeployConfig({
      [CANARY_AFTER_DEPLOY_ENV.stateMachineArn]: ARN,
      [CANARY_AFTER_DEPLOY_ENV.input]: '{"rows":1000,"contracts":["sales/ingestion/raw_orders"]}',
    });

    // Assess
    expect(config).toEqual({
      stateMachineArn: ARN,
      input: { rows: 1000, contracts: ['sales/ingestion/raw_orders'] },
    });
  });

  it('fails naming the state machine variable when it is not set', () => {
    // Act
    const read = () => readCanaryAfterDeployConfig({});

    // Assess
    expect(read).toThrow(
      expect.objectContaining({
        name: 'ConfigurationError',
        message: `environment variable ${CANARY_AFTER_DEPLOY_ENV.stateMachineArn} is required but not set`,
      }) as Error,
    );
  });

  it.each(['[1]', 'rows=3', 'null'])('fails naming the input variable when it is %s', (text) => {
    // Act
    const read = () =>
      readCanaryAfterDeployConfig({
        [CANARY_AFTER_DEPLOY_ENV.stateMachineArn]: ARN,
        [CANARY_AFTER_DEPLOY_ENV.input]: text,
      });

    // Assess
    expect(read).toThrow(`${CANARY_AFTER_DEPLOY_ENV.input} must be a JSON object`);
  });
});
