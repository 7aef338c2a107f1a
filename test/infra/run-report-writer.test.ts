/**
 * The run report function and its feed (lib/run-report-writer.ts): in every environment, a rule
 * sends Output Tested to an encrypted queue the function reads in batches (batch size, batching
 * window, batch item failures), the queue and the rule target both dead-lettering to one queue whose
 * depth alarms; a role that reads the registry (GetItem, Query) and reports/, puts under
 * reports/runs/ only, consumes its own queue, and nothing else; built like every other function
 * (FUNCTION_BUILD); cdk-nag clean.
 */
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import {
  RUN_REPORT_BATCH_SIZE,
  RUN_REPORT_BATCH_WINDOW_SECONDS,
  RUN_REPORT_MAX_RECEIVES,
} from '../../lib/config/run-reports';
import { FUNCTION_BUILD } from '../../lib/function-bundling';
import { OutputTestingStack } from '../../lib/output-testing-stack';
import { environmentConfig } from '../fixtures/cdk-environments';

interface Synth {
  readonly app: App;
  readonly stack: OutputTestingStack;
  readonly template: Template;
}

function synth(envName: string): Synth {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new OutputTestingStack(app, `prt-${envName}`, { config: environmentConfig(envName) });
  return { app, stack, template: Template.fromStack(stack) };
}

/** Every action the run report role's policies allow, with its resources as JSON text. */
function allowedByRole(s: Synth): Map<string, string[]> {
  const role = {
    Ref: s.stack.getLogicalId(s.stack.runReports.function.role!.node.defaultChild as CfnElement),
  };
  const policies = s.template.findResources('AWS::IAM::Policy') as Record<
    string,
    {
      Properties: {
        Roles: unknown[];
        PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] };
      };
    }
  >;
  const allowed = new Map<string, string[]>();
  for (const p of Object.values(policies)) {
    if (!p.Properties.Roles.some((r) => JSON.stringify(r) === JSON.stringify(role))) continue;
    for (const st of p.Properties.PolicyDocument.Statement)
      for (const action of [st.Action].flat())
        allowed.set(action, [...(allowed.get(action) ?? []), JSON.stringify(st.Resource)]);
  }
  return allowed;
}

describe('RunReportWriter', () => {
  const dev = synth('dev');

  it('sends Output Tested to a queue, with retries and a dead-letter queue that raises an alarm', () => {
    // Act
    const queue = dev.stack.getLogicalId(dev.stack.runReports.queue.node.defaultChild as CfnElement);
    const dlq = dev.stack.getLogicalId(dev.stack.runReports.deadLetterQueue.node.defaultChild as CfnElement);
    const alarms = Object.values(
      dev.template.findResources('AWS::CloudWatch::Alarm', {
        Properties: { AlarmName: 'prt-dev-run-reports-unwritten' },
      }),
    ) as {
      Properties: { AlarmActions: unknown[]; OKActions: unknown[]; Dimensions: { Value: unknown }[] };
    }[];

    // Assess
    dev.template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['pipeline-runtime-testing'], 'detail-type': ['Output Tested'] },
      Targets: [
        {
          Arn: { 'Fn::GetAtt': [queue, 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlq, 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 21600 },
        },
      ],
    });
    dev.template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] },
        maxReceiveCount: RUN_REPORT_MAX_RECEIVES,
      },
      VisibilityTimeout: 6 * 300,
    });
    expect(alarms).toHaveLength(1);
    expect(alarms[0]!.Properties.Dimensions.map((d) => d.Value)).toEqual([
      { 'Fn::GetAtt': [dlq, 'QueueName'] },
    ]);
    expect(alarms[0]!.Properties.AlarmActions).toHaveLength(1);
    expect(alarms[0]!.Properties.OKActions).toHaveLength(1);
  });

  it('lets only its own rule send to the queue, over TLS only, encrypted at rest', () => {
    // Act
    const queue = dev.stack.getLogicalId(dev.stack.runReports.queue.node.defaultChild as CfnElement);
    const rule = dev.stack.getLogicalId(dev.stack.runReports.rule.node.defaultChild as CfnElement);
    const policies = Object.values(dev.template.findResources('AWS::SQS::QueuePolicy')).filter((p) =>
      JSON.stringify((p as { Properties: { Queues: unknown } }).Properties.Queues).includes(`"${queue}"`),
    ) as { Properties: { PolicyDocument: { Statement: Record<string, unknown>[] } } }[];
    const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement);
    const queueProps = (
      dev.template.toJSON() as { Resources: Record<string, { Properties: Record<string, unknown> }> }
    ).Resources[queue]!.Properties;

    // Assess
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
    const sends = statements.filter((st) => st['Effect'] === 'Allow');
    expect(sends).toEqual([
      expect.objectContaining({
        Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
        Principal: { Service: 'events.amazonaws.com' },
        Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [rule, 'Arn'] } } },
      }),
    ]);
    expect(queueProps['SqsManagedSseEnabled'] ?? queueProps['KmsMasterKeyId']).toBeTruthy();
  });

  it('feeds the function batches of the queue, gathered for a window, reporting partial failures', () => {
    // Act
    const fn = dev.stack.getLogicalId(dev.stack.runReports.function.node.defaultChild as CfnElement);
    const queue = dev.stack.getLogicalId(dev.stack.runReports.queue.node.defaultChild as CfnElement);

    const mappings = Object.values(dev.template.findResources('AWS::Lambda::EventSourceMapping')) as {
      Properties: Record<string, unknown>;
    }[];

    // Assess
    expect(mappings).toHaveLength(1);
    expect(mappings[0]!.Properties).toMatchObject({
      FunctionName: { Ref: fn },
      EventSourceArn: { 'Fn::GetAtt': [queue, 'Arn'] },
      BatchSize: RUN_REPORT_BATCH_SIZE,
      MaximumBatchingWindowInSeconds: RUN_REPORT_BATCH_WINDOW_SECONDS,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 2 },
    });
  });

  it('is built like the other functions and told where the registry, artifacts and reports are', () => {
    // Act
    const resources = (dev.template.toJSON() as { Resources: Record<string, unknown> }).Resources;
    const fn = resources[
      dev.stack.getLogicalId(dev.stack.runReports.function.node.defaultChild as CfnElement)
    ] as { Properties: Record<string, unknown> };

    // Assess
    expect(fn.Properties).toMatchObject({
      Runtime: FUNCTION_BUILD.runtime.name,
      Architectures: [FUNCTION_BUILD.architecture.name],
      Handler: 'index.handler',
      Timeout: 300,
      Environment: {
        Variables: {
          PRT_REGISTRY_TABLE: {
            Ref: dev.stack.getLogicalId(dev.stack.registry.table.node.defaultChild as CfnElement),
          },
          PRT_ARTIFACTS_BUCKET: {
            Ref: dev.stack.getLogicalId(dev.stack.artifacts.bucket.node.defaultChild as CfnElement),
          },
          PRT_REPORTS_PREFIX: 'reports/',
        },
      },
    });
  });

  it('reads the registry and reports/, puts under reports/runs/ only, consumes its queue, and deletes no data', () => {
    // Act
    const allowed = allowedByRole(dev);
    const queue = dev.stack.getLogicalId(dev.stack.runReports.queue.node.defaultChild as CfnElement);

    // Assess
    expect([...allowed.keys()].filter((a) => a.startsWith('dynamodb:')).sort()).toEqual([
      'dynamodb:GetItem',
      'dynamodb:Query',
    ]);
    expect(allowed.get('s3:GetObject')).toHaveLength(1);
    expect(allowed.get('s3:GetObject')![0]).toContain('/reports/*');
    expect(allowed.get('s3:PutObject')).toHaveLength(1);
    expect(allowed.get('s3:PutObject')![0]).toContain('/reports/runs/*');
    const sqs = [...allowed.keys()].filter((a) => a.startsWith('sqs:')).sort();
    expect(sqs).toEqual([
      'sqs:ChangeMessageVisibility',
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:ReceiveMessage',
    ]);
    for (const action of sqs)
      expect(allowed.get(action)).toEqual([JSON.stringify({ 'Fn::GetAtt': [queue, 'Arn'] })]);
    expect(
      [...allowed.keys()].filter(
        (a) => a.includes('*') || (a.includes('Delete') && a !== 'sqs:DeleteMessage'),
      ),
    ).toEqual([]);
  });

  it.each(['dev', 'prod'])(
    'Compliance: cdk-nag finds nothing unacknowledged on the run reports of prt-%s',
    (envName) => {
      // Arrange
      const s = envName === 'dev' ? dev : synth(envName);
      s.app.synth();

      // Act
      const violations = new AwsSolutionsChecks()
        .validateScope(s.stack as Stack)
        .violations.flatMap((v) =>
          v.violatingResources.map((r) => `${v.severity} ${v.ruleName} ${r.constructPath}`),
        )
        .filter((v) => v.includes('/RunReports/'));

      // Assess
      expect(violations).toEqual([]);
    },
  );
});
