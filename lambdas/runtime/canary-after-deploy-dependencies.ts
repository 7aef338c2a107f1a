/**
 * The canary-after-deploy function's settings and client, built once at cold start: a missing or
 * malformed setting is a ConfigurationError naming the variable, before any execution is started.
 */
import {
  StepFunctionsCanaryExecutions,
  createStepFunctionsClient,
} from '../adapters/aws/step-functions-executions';
import type { CanaryExecutions } from '../core/canary';
import { ConfigurationError } from '../core/errors';
import { CANARY_AFTER_DEPLOY_ENV } from './function-environment';

export interface CanaryAfterDeployConfig {
  readonly stateMachineArn: string;
  readonly input: Readonly<Record<string, unknown>>;
}

export function readCanaryAfterDeployConfig(env: NodeJS.ProcessEnv): CanaryAfterDeployConfig {
  const arn = env[CANARY_AFTER_DEPLOY_ENV.stateMachineArn];
  if (arn === undefined || arn === '')
    throw new ConfigurationError(
      `environment variable ${CANARY_AFTER_DEPLOY_ENV.stateMachineArn} is required but not set`,
    );
  const text = env[CANARY_AFTER_DEPLOY_ENV.input] ?? '{}';
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    throw new ConfigurationError(
      `${CANARY_AFTER_DEPLOY_ENV.input} must be a JSON object: ${(error as Error).message}`,
    );
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new ConfigurationError(`${CANARY_AFTER_DEPLOY_ENV.input} must be a JSON object, not ${text}`);
  return { stateMachineArn: arn, input: input as Record<string, unknown> };
}

/** The settings, and the canary state machine's executions behind the core's port. */
export function canaryAfterDeployDependencies(env: NodeJS.ProcessEnv): {
  readonly input: Readonly<Record<string, unknown>>;
  readonly executions: CanaryExecutions;
} {
  const config = readCanaryAfterDeployConfig(env);
  return {
    input: config.input,
    executions: new StepFunctionsCanaryExecutions(createStepFunctionsClient(), config.stateMachineArn),
  };
}
