/**
 * cdk-nag's AwsSolutions pack on the stack of every environment in cdk.json: no unacknowledged
 * finding, error or warning, both as bin/app.ts runs it (a validation plugin that stops the synth)
 * and as a list of violations a failing test can print. Acknowledgments must each sit on one
 * CloudFormation resource (or on one of CDK's own custom resources) and carry a reason.
 *
 * Bundling is skipped (`aws:cdk:bundling-stacks: []`): no rule looks at function code.
 */
import { App, CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { OutputTestingStack } from '../../lib/output-testing-stack';
import { ENVIRONMENT_NAMES, environmentConfig } from '../fixtures/cdk-environments';

/** Lambda-backed custom resources CDK adds by itself; only these may be acknowledged as a whole. */
const CDK_CUSTOM_RESOURCES = ['BucketNotificationsHandler', 'Custom::CDKBucketDeployment'];

function buildStack(
  envName: string,
  extend?: (stack: Stack) => void,
): { app: App; stack: OutputTestingStack } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new OutputTestingStack(app, `prt-${envName}`, { config: environmentConfig(envName) });
  extend?.(stack);
  return { app, stack };
}

/** Violations as `severity rule path` lines, after the app's own synthesis preparation. */
function violationsOf(app: App, stack: Stack): string[] {
  app.synth();
  return new AwsSolutionsChecks()
    .validateScope(stack)
    .violations.flatMap((v) =>
      v.violatingResources.map((r) => `${v.severity} ${v.ruleName} ${r.constructPath}`),
    );
}

function allConstructs(root: IConstruct): IConstruct[] {
  return [root, ...root.node.children.flatMap(allConstructs)];
}

describe.each(ENVIRONMENT_NAMES)('cdk-nag AwsSolutions on prt-%s', (envName) => {
  it('Compliance: no unacknowledged error or warning', () => {
    // Prepare
    const { app, stack } = buildStack(envName);
    // Act
    const violations = violationsOf(app, stack);
    // Assess
    expect(violations).toEqual([]);
  });

  it('Compliance: the synth bin/app.ts runs, with the pack as a validation plugin, completes', () => {
    // Prepare
    const { app } = buildStack(envName);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    // Act
    const synth = () => app.synth();
    // Assess
    expect(synth).not.toThrow();
  });

  it('Compliance: every acknowledgment is on one resource (or one CDK custom resource) and gives a reason', () => {
    // Prepare
    const { stack } = buildStack(envName);
    // Act
    const acknowledgments = allConstructs(stack.node.root).flatMap((construct) =>
      construct.node.metadata
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) =>
          Object.entries(entry.data as Record<string, string>).map(([rule, reason]) => ({
            construct,
            rule,
            reason,
          })),
        ),
    );
    const misplaced = acknowledgments
      .filter(
        ({ construct }) =>
          !CfnResource.isCfnResource(construct) &&
          !(
            construct.node.scope === stack &&
            CDK_CUSTOM_RESOURCES.some((prefix) => construct.node.id.startsWith(prefix))
          ),
      )
      .map(({ construct, rule }) => `${rule} on ${construct.node.path}`);
    const unexplained = acknowledgments
      .filter(({ reason }) => reason.trim().length < 20)
      .map(({ construct, rule }) => `${rule} on ${construct.node.path}`);
    // Assess
    expect(acknowledgments.length).toBeGreaterThan(0);
    expect(misplaced).toEqual([]);
    expect(unexplained).toEqual([]);
  });
});

describe('cdk-nag checks can fail', () => {
  it('Noncompliance 1: a new queue without TLS enforcement or a dead-letter queue is reported', () => {
    // Prepare
    const { app, stack } = buildStack('dev', (s) => new Queue(s, 'Careless'));
    // Act
    const violations = violationsOf(app, stack);
    // Assess
    expect(violations).toEqual(
      expect.arrayContaining([
        'error AwsSolutions-SQS3 prt-dev/Careless/Resource',
        'error AwsSolutions-SQS4 prt-dev/Careless/Resource',
      ]),
    );
  });

  it('Noncompliance 2: the synth with the pack as a validation plugin stops on such a queue', () => {
    // Prepare
    const { app } = buildStack('dev', (s) => new Queue(s, 'Careless'));
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    // Act
    const synth = () => app.synth();
    // Assess
    expect(synth).toThrow(/AwsSolutions-SQS4/);
  });

  it("Noncompliance 3: an acknowledgment covers its own resource only (the DLQ's SQS3 does not cover another queue)", () => {
    // Prepare: a queue that breaks only the rule acknowledged on the trigger's dead-letter queue.
    const { app, stack } = buildStack('dev', (s) => new Queue(s, 'AnotherQueue', { enforceSSL: true }));
    // Act
    const violations = violationsOf(app, stack);
    // Assess
    expect(violations).toEqual(['error AwsSolutions-SQS3 prt-dev/AnotherQueue/Resource']);
  });
});
