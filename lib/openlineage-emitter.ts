/**
 * The OpenLineage function and its rule: every `Output Tested` event of this stack's state
 * machine is delivered to a function that sends the version's RunEvents to the environment's
 * `openLineage` transport (lambdas/openlineage/handler.ts). Deployed only where the environment
 * sets `openLineage`; off by default.
 *
 * Its role holds what the handler touches and no more: read the registry table (entry and lineage
 * edges), read reports/ in the artifacts bucket, write its log group; and per transport, the API
 * key's secret (http), `datazone:PostLineageEvent` on the domain (datazone), or put under the
 * prefix of the artifacts bucket (s3). A delivery that fails (a receiver down, refusing, or not
 * answering within the transport's timeout) is retried by the rule's target policy and then kept
 * in a dead-letter queue of its own, whose depth raises an alarm on the alert topic.
 *
 * @example
 * new OpenLineageEmitter(this, 'OpenLineage', { config, settings: config.openLineage, artifacts, registry, alertTopic, entry, depsLockFilePath });
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Key } from 'aws-cdk-lib/aws-kms';
import { ParamsAndSecretsLayerVersion, ParamsAndSecretsVersions } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { FUNCTION_ENV } from '../lambdas/runtime/function-environment';
import type { ArtifactsBucket } from './artifacts-bucket';
import { ARTIFACT_PREFIXES } from './config/artifact-prefixes';
import type { EnvironmentConfig } from './config/environment-config';
import {
  OPENLINEAGE_FUNCTION_TIMEOUT_SECONDS,
  openLineageEnvironment,
  type OpenLineageSettings,
} from './config/openlineage-config';
import type { DataKey } from './data-key';
import { FUNCTION_BUILD } from './function-bundling';
import { acknowledgeGrants, acknowledgeOnResource, grantFindings } from './nag-acknowledgments';
import type { RegistryTable } from './registry-table';
import { removalPolicyOf } from './removal-policy';
import { retentionDaysOf } from './retention-days';

/** The Output Tested event's source and detail type (docs/output-tested-event.schema.json). */
export const OUTPUT_TESTED_SOURCE = 'pipeline-runtime-testing';
export const OUTPUT_TESTED_DETAIL_TYPE = 'Output Tested';

export interface OpenLineageEmitterProps {
  readonly config: EnvironmentConfig;
  readonly settings: OpenLineageSettings;
  readonly artifacts: ArtifactsBucket;
  readonly registry: RegistryTable;
  readonly alertTopic: ITopic;
  readonly encryptionKey?: Key | undefined;
  readonly dataKey?: DataKey | undefined;
  /** Absolute path of lambdas/openlineage/handler.ts. */
  readonly entry: string;
  readonly depsLockFilePath: string;
}

export class OpenLineageEmitter extends Construct {
  readonly function: NodejsFunction;
  readonly rule: Rule;
  readonly deadLetterQueue: Queue;
  readonly deadLettersAlarm: Alarm;

  constructor(scope: Construct, id: string, props: OpenLineageEmitterProps) {
    super(scope, id);
    const { config, settings, artifacts, registry } = props;
    const logs = new LogGroup(this, 'Logs', {
      retention: retentionDaysOf(config.logRetentionDays),
      removalPolicy: removalPolicyOf(config.removalPolicy),
      ...(props.encryptionKey ? { encryptionKey: props.encryptionKey } : {}),
    });
    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `prt ${config.name} OpenLineage function (${settings.transport})`,
    });
    logs.grantWrite(role);
    const needsSecret = settings.transport === 'http' && settings.apiKeySecret !== undefined;
    this.function = new NodejsFunction(this, 'Function', {
      ...FUNCTION_BUILD,
      entry: props.entry,
      depsLockFilePath: props.depsLockFilePath,
      memorySize: 256,
      timeout: Duration.seconds(OPENLINEAGE_FUNCTION_TIMEOUT_SECONDS),
      role,
      logGroup: logs,
      ...(needsSecret
        ? {
            paramsAndSecrets: ParamsAndSecretsLayerVersion.fromVersion(ParamsAndSecretsVersions.V1_0_103, {
              cacheSize: 10,
              secretsManagerTtl: Duration.minutes(5),
              parameterStoreTtl: Duration.minutes(5),
            }),
          }
        : {}),
      environment: {
        [FUNCTION_ENV.registryTable]: registry.table.tableName,
        [FUNCTION_ENV.artifactsBucket]: artifacts.bucket.bucketName,
        ...openLineageEnvironment(settings),
        POWERTOOLS_LOG_LEVEL: config.logLevel,
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
    registry.grantRead(this.function);
    artifacts.grantReadReports(this.function);
    const findings = [...grantFindings.objectsUnder(artifacts.bucket, ARTIFACT_PREFIXES.reports, 'reads')];
    if (settings.transport === 'http' && settings.apiKeySecret !== undefined)
      this.grantSecret(settings.apiKeySecret);
    else if (settings.transport === 'datazone')
      this.function.addToRolePolicy(
        new PolicyStatement({
          actions: ['datazone:PostLineageEvent'],
          resources: [
            Stack.of(this).formatArn({
              service: 'datazone',
              resource: 'domain',
              resourceName: settings.domainId,
            }),
          ],
        }),
      );
    else if (settings.transport === 's3') {
      artifacts.grantWriteLineageEvents(this.function, settings.prefix);
      findings.push(...grantFindings.objectsUnder(artifacts.bucket, settings.prefix, 'writes'));
    }
    acknowledgeGrants(role, findings);

    // With the environment's key, the key policy already lets this stack's rules send to queues it
    // encrypts (ArrivalTrigger calls DataKey.grantEventBridgeSend; its condition names every rule of the stack).
    this.deadLetterQueue = new Queue(this, 'DeadLetters', {
      ...(props.dataKey
        ? { encryption: QueueEncryption.KMS, encryptionMasterKey: props.dataKey.key }
        : { encryption: QueueEncryption.SQS_MANAGED }),
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: removalPolicyOf(config.removalPolicy),
    });
    acknowledgeOnResource(this.deadLetterQueue, [
      {
        id: 'AwsSolutions-SQS3',
        reason:
          'This queue is itself the dead-letter queue of the OpenLineage rule target; its depth raises an alarm, and a redrive re-sends the same run ids (the events are idempotent).',
      },
    ]);
    this.rule = new Rule(this, 'Rule', {
      description: `Sends OpenLineage RunEvents of every tested output (${settings.transport})`,
      eventPattern: { source: [OUTPUT_TESTED_SOURCE], detailType: [OUTPUT_TESTED_DETAIL_TYPE] },
      targets: [
        new LambdaFunction(this.function, {
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: 8,
          maxEventAge: Duration.hours(6),
        }),
      ],
    });
    this.deadLettersAlarm = new Alarm(this, 'DeadLettersAlarm', {
      alarmName: `prt-${config.name}-openlineage-undelivered`,
      alarmDescription:
        'Output Tested events whose OpenLineage RunEvents could not be sent after the retries: the lineage UI misses those versions. Fix the receiver, then redrive the dead-letter queue.',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.deadLettersAlarm.addAlarmAction(new SnsAction(props.alertTopic));
    this.deadLettersAlarm.addOkAction(new SnsAction(props.alertTopic));
  }

  private grantSecret(name: string): void {
    if (name.startsWith('ssm:')) {
      const parameter = name.slice(4).replace(/^\//, '');
      this.function.addToRolePolicy(
        new PolicyStatement({
          actions: ['ssm:GetParameter'],
          resources: [
            Stack.of(this).formatArn({ service: 'ssm', resource: 'parameter', resourceName: parameter }),
          ],
        }),
      );
      return;
    }
    const secret = name.startsWith('arn:')
      ? Secret.fromSecretCompleteArn(this, 'ApiKey', name)
      : Secret.fromSecretNameV2(this, 'ApiKey', name);
    secret.grantRead(this.function);
  }
}
