import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { prepareInputsArn, runRemotePrepare } from '../../../lib/cli/remote-prepare-inputs';

const sfn = mockClient(SFNClient);
const ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:prt-dev-prepare-inputs';
let dir: string;
let outputsFile: string;

describe('prt inputs prepare --remote', () => {
  beforeEach(() => {
    sfn.reset();
    dir = mkdtempSync(join(tmpdir(), 'prt-remote-'));
    outputsFile = join(dir, 'cdk-outputs.json');
    writeFileSync(outputsFile, JSON.stringify({ 'prt-dev': { PrepareInputsStateMachineArn: ARN } }));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("finds the environment's state machine in the stack outputs file, and names the fix when it cannot", () => {
    // Act
    const found = prepareInputsArn({ remote: 'dev', outputsFile, wait: true, timeoutSeconds: 1 });
    const missing = () => prepareInputsArn({ remote: 'prod', outputsFile, wait: true, timeoutSeconds: 1 });

    // Assess
    expect(found).toBe(ARN);
    expect(missing).toThrow(/no PrepareInputsStateMachineArn for stack prt-prod/);
  });

  it('starts the execution with the step input and waits for its output', async () => {
    // Arrange
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${ARN}:e1`, startDate: new Date() });
    sfn
      .on(DescribeExecutionCommand)
      .resolvesOnce({ status: 'RUNNING' } as never)
      .resolves({ status: 'SUCCEEDED', output: '{"step":"sales/features"}' } as never);
    const lines: string[] = [];

    // Act
    const code = await runRemotePrepare(
      { step: 'sales/features', runId: 'r1', mask: true },
      { remote: 'dev', outputsFile, wait: true, timeoutSeconds: 30 },
      (l) => lines.push(l),
    );

    // Assess
    expect(code).toBe(0);
    const started = sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input;
    expect(started.stateMachineArn).toBe(ARN);
    expect(JSON.parse(started.input!)).toEqual({ step: 'sales/features', runId: 'r1', mask: true });
    expect(lines.at(-1)).toContain('"step": "sales/features"');
  });

  it('exits 1 with the error of a failed execution, and prints how to follow one it does not wait for', async () => {
    // Arrange
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${ARN}:e2`, startDate: new Date() });
    sfn
      .on(DescribeExecutionCommand)
      .resolves({ status: 'FAILED', error: 'StagingError', cause: 'too many' } as never);
    const lines: string[] = [];

    // Act
    const failed = await runRemotePrepare(
      { step: 's/x' },
      { remote: 'dev', outputsFile, wait: true, timeoutSeconds: 30 },
      (l) => lines.push(l),
    );
    const detached = await runRemotePrepare(
      { step: 's/x' },
      { remote: 'dev', outputsFile, wait: false, timeoutSeconds: 30 },
      (l) => lines.push(l),
    );

    // Assess
    expect(failed).toBe(1);
    expect(lines).toContain('FAILED: StagingError too many');
    expect(detached).toBe(0);
    expect(lines.at(-1)).toBe(
      `follow it with: aws stepfunctions describe-execution --execution-arn ${ARN}:e2`,
    );
  });
});
