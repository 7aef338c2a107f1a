/**
 * Expected outputs (lib/expected-outputs.ts): one EventBridge Scheduler schedule per scheduled
 * expectation of the contracts folder, starting the expected-outputs state machine at the deadline
 * with the grace to wait; a sweep only where a relative expectation exists; Output Tested events
 * routed to the same machine; a function role that deletes only pending waits; cdk-nag clean.
 */
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXPECTED_OUTPUTS_ASL } from '../../lib/config/expected-outputs-definition';
import { projectPath } from '../../lib/config/project-paths';
import { ExpectedOutputs } from '../../lib/expected-outputs';
import { OutputTestingStack } from '../../lib/output-testing-stack';
import { environmentConfig } from '../fixtures/cdk-environments';

function contract(output: string, expected: readonly string[], inputs = ''): string {
  return [
    'pipeline: sales',
    `step: ${output}`,
    `output: ${output}`,
    `path: pipelines/sales/{run_id}/${output}.csv`,
    ...(inputs ? [`inputs: [${inputs}]`] : []),
    'schema:',
    '  - { name: id, type: int64, nullable: false }',
    'expected:',
    ...expected,
  ].join('\n');
}

function synth(files: Record<string, string>) {
  const folder = mkdtempSync(join(tmpdir(), 'expected-contracts-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(folder, name), text);
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const config = environmentConfig('dev');
  const stack = new OutputTestingStack(app, 'prt-dev', { config });
  const expected = new ExpectedOutputs(stack, 'ExpectedUnderTest', {
    config,
    registry: stack.registry,
    artifacts: stack.artifacts,
    alertTopic: stack.alerts.topic,
    contractsDirectory: folder,
    entry: projectPath('lambdas/check-expected/handler.ts'),
    depsLockFilePath: projectPath('package-lock.json'),
    definitionFile: projectPath(EXPECTED_OUTPUTS_ASL),
  });
  return { app, stack, expected, template: Template.fromStack(stack) };
}

const DAILY_AND_HOURLY = {
  'orders.yaml': contract('orders', [
    '  - { schedule: cron(0 6 * * ? *), grace: 30m }',
    '  - { schedule: rate(6 hours) }',
  ]),
  'features.yaml': contract('features', ['  - after: { input: orders/orders, within: 2h }'], 'orders/orders'),
};

/** One synth of the folder most tests read: a stack synthesizes in seconds on this machine. */
let shared: ReturnType<typeof synth> | undefined;
function synthShared(): ReturnType<typeof synth> {
  shared ??= synth(DAILY_AND_HOURLY);
  return shared;
}

describe('ExpectedOutputs', () => {
  it('creates one schedule per scheduled expectation, starting the state machine at the deadline with its grace to wait', () => {
    // Act
    const { template, stack, expected } = synthShared();

    // Assess
    const machine = { Ref: stack.getLogicalId(expected.stateMachine.node.defaultChild as CfnElement) };
    const schedules = Object.values(template.findResources('AWS::Scheduler::Schedule')) as {
      Properties: { ScheduleExpression: string; Target: { Arn: unknown; Input: string } };
    }[];
    const deadlines = schedules.filter((s) => s.Properties.Target.Input.includes('"deadline"'));
    expect(deadlines.map((s) => s.Properties.ScheduleExpression)).toEqual([
      'cron(0 6 * * ? *)',
      'cron(0 0/6 * * ? *)',
    ]);
    expect(deadlines.map((s) => JSON.parse(s.Properties.Target.Input) as unknown)).toEqual([
      {
        kind: 'deadline',
        output: 'sales/orders/orders',
        index: 0,
        deadline: '<aws.scheduler.scheduled-time>',
        waitSeconds: 1800,
      },
      {
        kind: 'deadline',
        output: 'sales/orders/orders',
        index: 1,
        deadline: '<aws.scheduler.scheduled-time>',
        waitSeconds: 0,
      },
    ]);
    for (const s of schedules) expect(JSON.stringify(s.Properties.Target.Arn)).toContain(machine.Ref);
    const sweeps = schedules.filter((s) => s.Properties.Target.Input.includes('"sweep"'));
    expect(sweeps.map((s) => s.Properties.ScheduleExpression)).toEqual(['rate(10 minutes)']);
  });

  it('has no sweep when no contract declares a relative expectation', () => {
    // Act
    const { template } = synth({
      'orders.yaml': contract('orders', ['  - { schedule: cron(0 6 * * ? *) }']),
    });

    // Assess
    const inputs = Object.values(template.findResources('AWS::Scheduler::Schedule')).map(
      (s) => (s as { Properties: { Target: { Input: string } } }).Properties.Target.Input,
    );
    expect(inputs).toHaveLength(1);
    expect(inputs.some((i) => i.includes('sweep'))).toBe(false);
  });

  it('hands Output Tested events to the state machine as arrivals', () => {
    // Act
    const { template } = synthShared();

    // Assess
    expect(() =>
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: { source: ['pipeline-runtime-testing'], 'detail-type': ['Output Tested'] },
        Targets: Match.arrayWith([
          Match.objectLike({
            InputTransformer: Match.objectLike({ InputTemplate: Match.stringLikeRegexp('"arrival"') }),
          }),
        ]),
      }),
    ).not.toThrow();
  });

  it('lets the function delete pending waits only, and the machine invoke it, publish alerts and put events', () => {
    // Act
    const { template, stack, expected } = synthShared();

    // Assess
    const fnRole = { Ref: stack.getLogicalId(expected.function.role!.node.defaultChild as CfnElement) };
    const machineRole = {
      Ref: stack.getLogicalId(expected.stateMachine.role.node.defaultChild as CfnElement),
    };
    const statementsOf = (role: unknown) =>
      Object.values(template.findResources('AWS::IAM::Policy'))
        .map(
          (p) =>
            (
              p as {
                Properties: { Roles: unknown[]; PolicyDocument: { Statement: Record<string, unknown>[] } };
              }
            ).Properties,
        )
        .filter((p) => p.Roles.some((r) => JSON.stringify(r) === JSON.stringify(role)))
        .flatMap((p) => p.PolicyDocument.Statement);
    const fnStatements = statementsOf(fnRole);
    const deletes = fnStatements.filter((s) => [s.Action].flat().includes('dynamodb:DeleteItem'));
    expect(deletes).toHaveLength(1);
    expect(deletes[0]!.Condition).toEqual({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['EXPECT#*'] },
    });
    const machineActions = statementsOf(machineRole).flatMap((s) => [s.Action].flat());
    expect(machineActions).toEqual(
      expect.arrayContaining(['lambda:InvokeFunction', 'sns:Publish', 'events:PutEvents']),
    );
    expect(
      machineActions.filter((a) => String(a).startsWith('dynamodb:') || String(a).startsWith('s3:')),
    ).toEqual([]);
  });

  it('passes cdk-nag', () => {
    // Arrange
    const { app, stack } = synthShared();
    app.synth();

    // Act
    const violations = new AwsSolutionsChecks()
      .validateScope(stack as Stack)
      .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.constructPath}`))
      .filter((v) => v.includes('ExpectedUnderTest'));

    // Assess
    expect(violations).toEqual([]);
  });

  it('stops the synth with the contract error when a contract in the folder does not load', () => {
    // Act / Assess
    expect(() =>
      synth({ 'broken.yaml': contract('orders', ['  - { schedule: cron(0 6 * * * *) }']) }),
    ).toThrow(/broken\.yaml.*exactly one of day-of-month and day-of-week/);
  });
});
