/**
 * The deployed-stack side of the integration harness, without a deployed stack: outputs-file
 * parsing and its errors, and how executions are read through the Step Functions API (listing
 * newest first down to the suite's start, matching by the object key in the input, the path from
 * the history's *StateEntered events), with a mocked SFN client. The suite itself cannot run
 * against LocalStack on our machines (no images can be pulled), so this is where its API use is
 * checked.
 */
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { STACK_OUTPUTS } from '../../../lib/config/stack-outputs';
import {
  DeployedExecutions,
  TargetConfigurationError,
  readStackOutputs,
} from '../../integration/deployed-stack-target';

const MACHINE = 'arn:aws:states:us-east-1:000000000000:stateMachine:prt-dev-OutputTesting';

function outputsFile(content: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'prt-outputs-')), 'outputs.json');
  writeFileSync(file, JSON.stringify(content));
  return file;
}

const FULL_OUTPUTS = {
  [STACK_OUTPUTS.outputsBucket]: 'prt-dev-outputs-abc',
  [STACK_OUTPUTS.artifactsBucket]: 'prt-dev-artifacts-abc',
  [STACK_OUTPUTS.registryTable]: 'prt-dev-RegistryTable-abc',
  [STACK_OUTPUTS.stateMachineArn]: MACHINE,
  [STACK_OUTPUTS.alertTopicArn]: 'arn:aws:sns:us-east-1:000000000000:prt-dev-alerts',
  [STACK_OUTPUTS.dashboardName]: 'prt-dev-us-east-1',
};

function errorOf(action: () => unknown): Error {
  try {
    action();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error, nothing was thrown');
}

describe('readStackOutputs', () => {
  it('reads the resource names of the only stack in a cdk outputs file', () => {
    // Prepare
    const file = outputsFile({ 'prt-dev': FULL_OUTPUTS });
    // Act
    const resources = readStackOutputs(file, undefined);
    // Assess
    expect(resources).toEqual({
      outputsBucket: 'prt-dev-outputs-abc',
      artifactsBucket: 'prt-dev-artifacts-abc',
      registryTable: 'prt-dev-RegistryTable-abc',
      stateMachineArn: MACHINE,
      alertTopicArn: 'arn:aws:sns:us-east-1:000000000000:prt-dev-alerts',
    });
  });

  it('picks the named stack when the file holds several, and asks for a name otherwise', () => {
    // Prepare
    const file = outputsFile({ 'prt-dev': FULL_OUTPUTS, 'prt-staging': FULL_OUTPUTS });
    // Act
    const named = readStackOutputs(file, 'prt-staging');
    const unnamed = errorOf(() => readStackOutputs(file, undefined));
    // Assess
    expect(named.outputsBucket).toBe('prt-dev-outputs-abc');
    expect(unnamed).toBeInstanceOf(TargetConfigurationError);
    expect(unnamed.message).toContain('PRT_STACK_NAME');
  });

  it('names the missing output', () => {
    // Prepare
    const { [STACK_OUTPUTS.registryTable]: _dropped, ...partial } = FULL_OUTPUTS;
    const file = outputsFile({ 'prt-dev': partial });
    // Act
    const error = errorOf(() => readStackOutputs(file, undefined));
    // Assess
    expect(error.message).toMatch(/stack "prt-dev" has no output RegistryTableName$/);
  });
});

describe('DeployedExecutions', () => {
  const sfn = mockClient(SFNClient);
  afterEach(() => sfn.reset());

  const event = (key: string) => ({ detail: { bucket: { name: 'b' }, object: { key } } });
  const since = new Date('2026-11-22T10:00:00Z');

  it("lists the suite's executions of a key with status, error and the path of states entered", async () => {
    // Prepare: newest first, as ListExecutions returns them; the last is older than the suite.
    sfn.on(ListExecutionsCommand).resolves({
      executions: [
        {
          executionArn: 'arn:e3',
          stateMachineArn: MACHINE,
          name: 'e3',
          status: 'FAILED',
          startDate: new Date('2026-11-22T10:02:00Z'),
        },
        {
          executionArn: 'arn:e2',
          stateMachineArn: MACHINE,
          name: 'e2',
          status: 'SUCCEEDED',
          startDate: new Date('2026-11-22T10:01:00Z'),
        },
        {
          executionArn: 'arn:old',
          stateMachineArn: MACHINE,
          name: 'old',
          status: 'SUCCEEDED',
          startDate: new Date('2026-11-21T10:00:00Z'),
        },
      ],
    });
    sfn.on(DescribeExecutionCommand, { executionArn: 'arn:e3' }).resolves({
      executionArn: 'arn:e3',
      status: 'FAILED',
      error: 'ValidationFailed',
      cause: 'broke its contract',
      input: JSON.stringify(event('k')),
      startDate: new Date('2026-11-22T10:02:00Z'),
    });
    sfn.on(DescribeExecutionCommand, { executionArn: 'arn:e2' }).resolves({
      executionArn: 'arn:e2',
      status: 'SUCCEEDED',
      input: JSON.stringify(event('other')),
      startDate: new Date('2026-11-22T10:01:00Z'),
    });
    sfn.on(GetExecutionHistoryCommand, { executionArn: 'arn:e3' }).resolves({
      events: [
        { id: 1, timestamp: since, type: 'ExecutionStarted' },
        {
          id: 2,
          timestamp: since,
          type: 'ChoiceStateEntered',
          stateEnteredEventDetails: { name: 'FilterNoise' },
        },
        {
          id: 3,
          timestamp: since,
          type: 'ChoiceStateExited',
          stateExitedEventDetails: { name: 'FilterNoise' },
        },
        { id: 4, timestamp: since, type: 'TaskStateEntered', stateEnteredEventDetails: { name: 'Register' } },
        {
          id: 5,
          timestamp: since,
          type: 'FailStateEntered',
          stateEnteredEventDetails: { name: 'ValidationFailed' },
        },
      ],
    });
    const executions = new DeployedExecutions(new SFNClient({ region: 'us-east-1' }), MACHINE, since);

    // Act
    const views = await executions.forKey('k');

    // Assess
    expect(views).toEqual([
      expect.objectContaining({
        executionArn: 'arn:e3',
        status: 'FAILED',
        error: 'ValidationFailed',
        path: ['FilterNoise', 'Register', 'ValidationFailed'],
      }),
    ]);
    expect(sfn.commandCalls(DescribeExecutionCommand, { executionArn: 'arn:old' })).toHaveLength(0);
  });

  it('redelivers an event as EventBridge does: StartExecution with the event as input', async () => {
    // Prepare
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:e4', startDate: since });
    const executions = new DeployedExecutions(new SFNClient({ region: 'us-east-1' }), MACHINE, since);
    // Act
    await executions.start(event('k') as never);
    // Assess
    expect(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input).toEqual({
      stateMachineArn: MACHINE,
      input: JSON.stringify(event('k')),
    });
  });
});
