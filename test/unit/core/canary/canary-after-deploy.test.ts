/**
 * The canary after a deployment, over an in-memory port: passes only on a passing verdict; a
 * failed canary, any other end and a canary still running when time is up fail the deployment,
 * naming the execution.
 */
import { describe, expect, it } from 'vitest';
import {
  CanaryAfterDeployError,
  runCanaryAfterDeploy,
  type CanaryExecutionState,
  type CanaryExecutions,
} from '../../../../lambdas/core/canary';

const ARN = 'arn:aws:states:eu-west-1:123456789012:execution:prt-dev-canary:run-1';
const VERDICT = { runId: 'canary-run-1', passed: true, cases: 7, differences: [], uncovered: [] };

/** Answers DescribeExecution from a script, one state per call (the last repeats). */
class ScriptedExecutions implements CanaryExecutions {
  readonly inputs: unknown[] = [];
  describes = 0;
  constructor(private readonly states: readonly CanaryExecutionState[]) {}
  start(input: Readonly<Record<string, unknown>>): Promise<string> {
    this.inputs.push(input);
    return Promise.resolve(ARN);
  }
  describe(executionArn: string): Promise<CanaryExecutionState> {
    if (executionArn !== ARN) return Promise.reject(new Error(`described ${executionArn}, not ${ARN}`));
    const state = this.states[Math.min(this.describes, this.states.length - 1)]!;
    this.describes++;
    return Promise.resolve(state);
  }
}

/** A clock the sleeps advance, starting with `budgetMs` left. */
function clock(budgetMs: number) {
  let left = budgetMs;
  return {
    remainingMs: () => left,
    sleep: (ms: number) => {
      left -= ms;
      return Promise.resolve();
    },
  };
}

const OPTIONS = { input: { rows: 50 }, pollMs: 10_000, marginMs: 15_000 };

describe('runCanaryAfterDeploy', () => {
  it('starts the canary with the settings and returns its passing verdict once it succeeds', async () => {
    // Arrange
    const executions = new ScriptedExecutions([
      { status: 'RUNNING' },
      { status: 'RUNNING' },
      { status: 'SUCCEEDED', output: VERDICT },
    ]);

    // Act
    const result = await runCanaryAfterDeploy(executions, { ...OPTIONS, ...clock(900_000) });

    // Assess
    expect(result).toEqual({ executionArn: ARN, verdict: VERDICT });
    expect(executions.inputs).toEqual([{ rows: 50 }]);
    expect(executions.describes).toBe(3);
  });

  it('fails the deployment when the canary fails, with its error and cause', async () => {
    // Arrange
    const executions = new ScriptedExecutions([
      { status: 'FAILED', error: 'CanaryFailed', cause: 'The workflow did not judge the generated outputs' },
    ]);

    // Act
    const run = runCanaryAfterDeploy(executions, { ...OPTIONS, ...clock(900_000) });

    // Assess
    await expect(run).rejects.toThrow(CanaryAfterDeployError);
    await expect(run).rejects.toThrow(`canary ${ARN} ended FAILED: CanaryFailed: The workflow did not judge`);
  });

  it.each(['TIMED_OUT', 'ABORTED'])('fails the deployment when the canary ends %s', async (status) => {
    // Arrange
    const executions = new ScriptedExecutions([{ status }]);

    // Act
    const run = runCanaryAfterDeploy(executions, { ...OPTIONS, ...clock(900_000) });

    // Assess
    await expect(run).rejects.toThrow(`ended ${status}`);
  });

  it('fails the deployment when a success carries no passing verdict', async () => {
    // Arrange
    const executions = new ScriptedExecutions([
      { status: 'SUCCEEDED', output: { ...VERDICT, passed: false } },
    ]);

    // Act
    const run = runCanaryAfterDeploy(executions, { ...OPTIONS, ...clock(900_000) });

    // Assess
    await expect(run).rejects.toThrow('succeeded without a passing verdict');
  });

  it('fails the deployment when the canary is still running as the time runs out, keeping the margin', async () => {
    // Arrange
    const executions = new ScriptedExecutions([{ status: 'RUNNING' }]);
    const time = clock(60_000);

    // Act
    const run = runCanaryAfterDeploy(executions, { ...OPTIONS, ...time });

    // Assess
    await expect(run).rejects.toThrow(`canary ${ARN} was still running`);
    // 60 s with a 15 s margin and 10 s polls: four waits, and the fifth look reports with 20 s left.
    expect(executions.describes).toBe(5);
    expect(time.remainingMs()).toBe(20_000);
  });
});
