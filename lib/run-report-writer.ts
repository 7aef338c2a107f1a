/**
 * The run report function and its feed: every `Output Tested` event of this stack's state machine
 * goes by a rule to a queue, and the queue hands the function batches of them; the function writes
 * the report of each pipeline run a batch names once, as JSON and one HTML page under
 * `reports/runs/<pipeline>/<run>/` of the artifacts bucket (lambdas/run-report/handler.ts; the
 * aggregation `prt report --run` prints). One write per run per batch, not one per output: a run
 * of n outputs written once per output read the whole run n times (docs/decisions/0027).
 *
 * Staleness is bounded: the event source mapping invokes the function when RUN_REPORT_BATCH_SIZE
 * events are waiting or RUN_REPORT_BATCH_WINDOW_SECONDS after the first one, so a run's report
 * holds each recorded output at most that window plus one write (the function's timeout at worst)
 * after it was recorded.
 *
 * Its role holds what the handler touches and no more: read the registry table (GetItem, Query:
 * the run's entries and lineage edges), read reports/ (the stored validation reports the run
 * report sums up), put under reports/runs/ only, consume its own queue, write its log group. A
 * run that fails (the table or bucket unavailable past the SDK's retries) returns its messages as
 * batch item failures; the queue delivers them again and, after RUN_REPORT_MAX_RECEIVES receives,
 * keeps them in a dead-letter queue whose depth raises an alarm on the alert topic. Events the rule
 * could not send to the queue land in the same dead-letter queue: both are the event as JSON, so
 * one redrive to the queue writes their runs again.
 *
 * @example
 * new RunReportWriter(this, 'RunReports', { config, artifacts, registry, alertTopic, entry, depsLockFilePath });
 */
import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Rule, type IRuleTarget } from 'aws-cdk-lib/aws-events';
import { addToDeadLetterQueueResourcePolicy } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Key } from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { FUNCTION_ENV } from '../lambdas/runtime/function-environment';
import type { ArtifactsBucket } from './artifacts-bucket';
import { ARTIFACT_PREFIXES } from './config/artifact-prefixes';
import type { EnvironmentConfig } from './config/environment-config';
import {
  RUN_REPORT_BATCH_SIZE,
  RUN_REPORT_BATCH_WINDOW_SECONDS,
  RUN_REPORT_FUNCTION_TIMEOUT_SECONDS,
  RUN_REPORT_MAX_CONCURRENCY,
  RUN_REPORT_MAX_RECEIVES,
} from './config/run-reports';
import type { DataKey } from './data-key';
import { FUNCTION_BUILD } from './function-bundling';
import { acknowledgeGrants, acknowledgeOnResource, grantFindings } from './nag-acknowledgments';
import { OUTPUT_TESTED_DETAIL_TYPE, OUTPUT_TESTED_SOURCE } from './openlineage-emitter';
import type { RegistryTable } from './registry-table';
import { removalPolicyOf } from './removal-policy';
import { retentionDaysOf } from './retention-days';

export interface RunReportWriterProps {
  readonly config: EnvironmentConfig;
  readonly artifacts: ArtifactsBucket;
  readonly registry: RegistryTable;
  readonly alertTopic: ITopic;
  readonly encryptionKey?: Key | undefined;
  readonly dataKey?: DataKey | undefined;
  /** Absolute path of lambdas/run-report/handler.ts. */
  readonly entry: string;
  readonly depsLockFilePath: string;
}

export class RunReportWriter extends Construct {
  readonly function: NodejsFunction;
  readonly rule: Rule;
  /** The Output Tested events waiting to be written, in batches, by the function. */
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly deadLettersAlarm: Alarm;

  constructor(scope: Construct, id: string, props: RunReportWriterProps) {
    super(scope, id);
    const { config, artifacts, registry } = props;
    const logs = new LogGroup(this, 'Logs', {
      retention: retentionDaysOf(config.logRetentionDays),
      removalPolicy: removalPolicyOf(config.removalPolicy),
      ...(props.encryptionKey ? { encryptionKey: props.encryptionKey } : {}),
    });
    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `prt ${config.name} run report function`,
    });
    logs.grantWrite(role);
    this.function = new NodejsFunction(this, 'Function', {
      ...FUNCTION_BUILD,
      entry: props.entry,
      depsLockFilePath: props.depsLockFilePath,
      // A run's report holds up to 10,000 entries and reports: more than the default 128 MB.
      memorySize: 512,
      timeout: Duration.seconds(RUN_REPORT_FUNCTION_TIMEOUT_SECONDS),
      role,
      logGroup: logs,
      environment: {
        [FUNCTION_ENV.registryTable]: registry.table.tableName,
        [FUNCTION_ENV.artifactsBucket]: artifacts.bucket.bucketName,
        [FUNCTION_ENV.reportsPrefix]: ARTIFACT_PREFIXES.reports,
        POWERTOOLS_LOG_LEVEL: config.logLevel,
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
    registry.grantRead(this.function);
    artifacts.grantReadReports(this.function);
    artifacts.grantWriteRunReports(this.function);
    acknowledgeGrants(role, [
      ...grantFindings.objectsUnder(artifacts.bucket, ARTIFACT_PREFIXES.reports, 'reads'),
      ...grantFindings.objectsUnder(artifacts.bucket, ARTIFACT_PREFIXES.runReports, 'writes'),
    ]);

    // With the environment's key, the key policy already lets this stack's rules send to queues it
    // encrypts (ArrivalTrigger calls DataKey.grantEventBridgeSend; its condition names every rule of the stack).
    const encryption = props.dataKey
      ? { encryption: QueueEncryption.KMS, encryptionMasterKey: props.dataKey.key }
      : { encryption: QueueEncryption.SQS_MANAGED };
    this.deadLetterQueue = new Queue(this, 'DeadLetters', {
      ...encryption,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: removalPolicyOf(config.removalPolicy),
    });
    acknowledgeOnResource(this.deadLetterQueue, [
      {
        id: 'AwsSolutions-SQS3',
        reason:
          'This queue is itself the dead-letter queue of the run report queue and of the rule target sending to it; its depth raises an alarm, and a redrive writes the same reports again (each write re-collects the whole run).',
      },
    ]);
    this.queue = new Queue(this, 'Events', {
      ...encryption,
      enforceSSL: true,
      // AWS's advice for a queue feeding a function: at least six times the function's timeout,
      // so a batch still being written is not handed to a second invocation.
      visibilityTimeout: Duration.seconds(6 * RUN_REPORT_FUNCTION_TIMEOUT_SECONDS),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: RUN_REPORT_MAX_RECEIVES },
      removalPolicy: removalPolicyOf(config.removalPolicy),
    });
    // The queue as the rule's target, bound here rather than by SqsQueue: with a KMS key, SqsQueue
    // grants EventBridge the key for every source (a key policy statement on `*` the security
    // review refuses) and drops the rule's ARN from the queue policy. The key policy already lets
    // this stack's rules use the key; the queue policy names this rule only.
    const queue = this.queue;
    const deadLetterQueue = this.deadLetterQueue;
    const rule = new Rule(this, 'Rule', {
      description: 'Queues every tested output for the run report written under reports/runs/',
      eventPattern: { source: [OUTPUT_TESTED_SOURCE], detailType: [OUTPUT_TESTED_DETAIL_TYPE] },
    });
    const target: IRuleTarget = {
      bind: () => {
        queue.addToResourcePolicy(
          new PolicyStatement({
            actions: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
            principals: [new ServicePrincipal('events.amazonaws.com')],
            resources: [queue.queueArn],
            conditions: { ArnEquals: { 'aws:SourceArn': rule.ruleArn } },
          }),
        );
        addToDeadLetterQueueResourcePolicy(rule, deadLetterQueue);
        return {
          deadLetterConfig: { arn: deadLetterQueue.queueArn },
          retryPolicy: { maximumRetryAttempts: 8, maximumEventAgeInSeconds: Duration.hours(6).toSeconds() },
          arn: queue.queueArn,
          targetResource: queue,
        };
      },
    };
    rule.addTarget(target);
    this.rule = rule;
    this.function.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: RUN_REPORT_BATCH_SIZE,
        maxBatchingWindow: Duration.seconds(RUN_REPORT_BATCH_WINDOW_SECONDS),
        reportBatchItemFailures: true,
        maxConcurrency: RUN_REPORT_MAX_CONCURRENCY,
      }),
    );
    this.deadLettersAlarm = new Alarm(this, 'DeadLettersAlarm', {
      alarmName: `prt-${config.name}-run-reports-unwritten`,
      alarmDescription:
        'Output Tested events whose run report could not be written after the retries: reports/runs/ may miss the latest outputs of those runs. Fix the cause, then redrive the dead-letter queue to the run report queue (or run prt report --run).',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.deadLettersAlarm.addAlarmAction(new SnsAction(props.alertTopic));
    this.deadLettersAlarm.addOkAction(new SnsAction(props.alertTopic));
  }
}
