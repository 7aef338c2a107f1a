/**
 * The canary right after a deployment (a CDK trigger, lib/canary-after-deploy.ts): start one
 * execution of the environment's synthetic-canary state machine and follow it to its end, within
 * the time the trigger's function has left. The deployment fails unless the canary passed: a
 * failed canary, an execution that ended any other way, and one still running when the time is up
 * are all CanaryAfterDeployError, each naming the execution so the operator can look it up.
 */
import { PrtError } from '../errors';
import type { CanaryVerdict } from './canary-verdict';

/** The two Step Functions calls the trigger needs, on the canary state machine only (a port). */
export interface CanaryExecutions {
  /** Starts an execution with `input`; returns its ARN. */
  start(input: Readonly<Record<string, unknown>>): Promise<string>;
  describe(executionArn: string): Promise<CanaryExecutionState>;
}

export interface CanaryExecutionState {
  /** RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE. */
  readonly status: string;
  /** The succeeded execution's output: the canary's verdict. */
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
}

/** The deployment is not proven to work: the canary failed, ended otherwise, or did not finish. */
export class CanaryAfterDeployError extends PrtError {
  override readonly name = 'CanaryAfterDeployError';
}

export interface CanaryAfterDeployOptions {
  /** The execution input: the environment's canary settings (contracts, rows). */
  readonly input: Readonly<Record<string, unknown>>;
  /** Milliseconds the function has left (the Lambda context's getRemainingTimeInMillis). */
  readonly remainingMs: () => number;
  /** Between two DescribeExecution calls. */
  readonly pollMs: number;
  /** Kept back from the remaining time to report the timeout before Lambda ends the function. */
  readonly marginMs: number;
  readonly sleep: (ms: number) => Promise<void>;
}

export interface CanaryAfterDeployResult {
  readonly executionArn: string;
  readonly verdict: CanaryVerdict;
}

const RUNNING = new Set(['RUNNING', 'PENDING_REDRIVE']);

export async function runCanaryAfterDeploy(
  executions: CanaryExecutions,
  options: CanaryAfterDeployOptions,
): Promise<CanaryAfterDeployResult> {
  const executionArn = await executions.start(options.input);
  for (;;) {
    const state = await executions.describe(executionArn);
    if (state.status === 'SUCCEEDED') {
      const verdict = state.output as CanaryVerdict | null | undefined;
      // The definition succeeds only with a passing verdict; anything else is not a pass.
      if (verdict?.passed !== true)
        throw new CanaryAfterDeployError(
          `canary ${executionArn} succeeded without a passing verdict: ${JSON.stringify(state.output)}`,
        );
      return { executionArn, verdict };
    }
    if (!RUNNING.has(state.status))
      throw new CanaryAfterDeployError(
        `canary ${executionArn} ended ${state.status}: ${state.error ?? 'no error name'}: ${state.cause ?? 'no cause'} (the differences are in its Canary Failed event)`,
      );
    if (options.remainingMs() - options.marginMs <= options.pollMs)
      throw new CanaryAfterDeployError(
        `canary ${executionArn} was still running when the deployment trigger ran out of time; it goes on: follow it with aws stepfunctions describe-execution --execution-arn ${executionArn}`,
      );
    await options.sleep(options.pollMs);
  }
}
