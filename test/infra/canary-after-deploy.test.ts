/**
 * The canary after deploy (lib/canary-after-deploy.ts): off unless an environment sets
 * `canary.afterDeploy`; where set, a CDK trigger runs after the canary and the workflow it
 * exercises, and its function may start the canary state machine and describe that machine's
 * executions, nothing more; cdk-nag stays clean.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { CANARY_AFTER_DEPLOY_ENV } from '../../lambdas/runtime/function-environment';
import { OutputTestingStack } from '../../lib/output-testing-stack';
import type { EnvironmentConfig } from '../../lib/config/environment-config';
import { ENVIRONMENT_NAMES, environmentConfig } from '../fixtures/cdk-environments';

interface Resource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
  readonly DependsOn?: readonly string[];
}

interface Statement {
  readonly Action: string | readonly string[];
  readonly Resource: unknown;
}

function withAfterDeploy(config: EnvironmentConfig): EnvironmentConfig {
  return { ...config, canary: { ...config.canary!, afterDeploy: true } };
}

function build(config: EnvironmentConfig): { app: App; stack: OutputTestingStack } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  return { app, stack: new OutputTestingStack(app, `prt-${config.name}`, { config }) };
}

describe.each(ENVIRONMENT_NAMES)('canary after deploy, prt-%s', (envName) => {
  it('is off as cdk.json configures it: no trigger, no function', () => {
    // Arrange
    const config = environmentConfig(envName);
    // Act
    const { stack } = build(config);
    // Assess
    expect(config.canary?.afterDeploy ?? false).toBe(false);
    expect(stack.canaryAfterDeploy).toBeUndefined();
    expect(Object.keys(Template.fromStack(stack).findResources('Custom::Trigger'))).toEqual([]);
  });
});

describe('canary after deploy, where an environment turns it on', () => {
  let app: App;
  let stack: OutputTestingStack;
  let resources: Record<string, Resource>;
  let logicalId: (construct: { node: { defaultChild?: unknown } }) => string;

  beforeAll(() => {
    ({ app, stack } = build(withAfterDeploy(environmentConfig('dev'))));
    resources = (Template.fromStack(stack).toJSON() as { Resources: Record<string, Resource> }).Resources;
    logicalId = (construct) =>
      stack.resolve((construct.node.defaultChild as { logicalId: string }).logicalId) as string;
  });

  it('runs a trigger on the function after the canary, the workflow and the arrival rule are deployed', () => {
    // Act
    const triggers = Object.values(resources).filter((r) => r.Type === 'Custom::Trigger');
    // Assess
    expect(triggers).toHaveLength(1);
    const fn = logicalId(stack.canaryAfterDeploy!.function);
    // The trigger invokes the function's current version (a new one whenever the function changes).
    const version = (triggers[0]!.Properties['HandlerArn'] as { Ref: string }).Ref;
    expect(resources[version]).toMatchObject({
      Type: 'AWS::Lambda::Version',
      Properties: { FunctionName: { Ref: fn } },
    });
    const dependsOn = triggers[0]!.DependsOn ?? [];
    expect(dependsOn).toContain(logicalId(stack.canary!.stateMachine));
    expect(dependsOn).toContain(logicalId(stack.workflow.stateMachine));
    expect(dependsOn).toContain(logicalId(stack.trigger.rule));
  });

  it("gives the function the canary machine's ARN and the environment's canary settings", () => {
    // Act
    const fn = resources[logicalId(stack.canaryAfterDeploy!.function)]!;
    const variables = (fn.Properties['Environment'] as { Variables: Record<string, unknown> }).Variables;
    // Assess
    expect(variables[CANARY_AFTER_DEPLOY_ENV.stateMachineArn]).toEqual({
      Ref: logicalId(stack.canary!.stateMachine),
    });
    expect(JSON.parse(variables[CANARY_AFTER_DEPLOY_ENV.input] as string)).toEqual({});
    expect(fn.Properties['Timeout']).toBe(900);
  });

  it('grants start on the canary state machine and describe on its executions, nothing else', () => {
    // Prepare
    const role = logicalId(stack.canaryAfterDeploy!.function.role as never);
    const machine = logicalId(stack.canary!.stateMachine);
    // Act
    const statements = Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .filter((r) => JSON.stringify(r.Properties['Roles']).includes(`"${role}"`))
      .flatMap((r) => (r.Properties['PolicyDocument'] as { Statement: Statement[] }).Statement);
    const states = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('states:')));
    // Assess
    expect(states.map((s) => [s.Action].flat())).toEqual([
      ['states:StartExecution'],
      ['states:DescribeExecution'],
    ]);
    expect(states[0]!.Resource).toEqual({ Ref: machine });
    const describeOn = JSON.stringify(states[1]!.Resource);
    expect(describeOn).toContain(':execution:');
    expect(describeOn).toContain(machine);
    expect(describeOn).toMatch(/:\*"\]\]\}$/);
    const others = statements.flatMap((s) => [s.Action].flat()).filter((a) => !a.startsWith('states:'));
    expect(others.every((a) => a.startsWith('logs:') || a.startsWith('xray:'))).toBe(true);
  });

  it('Compliance: cdk-nag AwsSolutions reports nothing unacknowledged', () => {
    // Act
    app.synth();
    const violations = new AwsSolutionsChecks()
      .validateScope(stack as Stack)
      .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.constructPath}`));
    // Assess
    expect(violations).toEqual([]);
  });
});
