/**
 * The synthetic canary of one environment: the synthetic-canary state machine
 * (statemachines/synthetic-canary.asl.json), its small canary function (plan and check steps), the
 * schedule that starts it with the environment's settings, and an alarm on its failure.
 *
 * Least privilege: the canary function reads contracts and the registry, nothing else; the generate
 * function gains put under the canary prefix only; the state machine invokes exactly those two
 * functions, deletes objects under the canary prefix only (its cleanup) and puts events on the
 * default bus (Canary Passed / Canary Failed).
 *
 * @example
 * new SyntheticCanary(this, 'Canary', { config, settings: config.canary, generate, outputs, artifacts, registry, alertTopic, entry, depsLockFilePath, definitionFile });
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, MathExpression, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { EventBus, Rule, RuleTargetInput, Schedule } from 'aws-cdk-lib/aws-events';
import { SfnStateMachine } from 'aws-cdk-lib/aws-events-targets';
import { Grant } from 'aws-cdk-lib/aws-iam';
import type { Key } from 'aws-cdk-lib/aws-kms';
import { Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { CANARY_PREFIX, FUNCTION_ENV } from '../lambdas/runtime/function-environment';
import type { ArtifactsBucket } from './artifacts-bucket';
import { ARTIFACT_PREFIXES } from './config/artifact-prefixes';
import type { CanarySettings, EnvironmentConfig } from './config/environment-config';
import { CANARY_SUBSTITUTIONS } from './config/workflow-definition';
import type { GenerateFunction } from './generate-function';
import { acknowledgeGrants, grantFindings, nagArn, wildcardFinding } from './nag-acknowledgments';
import { functionRoleWithLogs, loggedStateMachine } from './workflow-logging';
import type { OutputsBucket } from './outputs-bucket';
import type { RegistryTable } from './registry-table';
import { FUNCTION_BUILD } from './function-bundling';

export interface SyntheticCanaryProps {
  readonly config: EnvironmentConfig;
  readonly settings: CanarySettings;
  readonly generate: GenerateFunction;
  readonly outputs: OutputsBucket;
  readonly artifacts: ArtifactsBucket;
  readonly registry: RegistryTable;
  /** Where the failure alarm notifies. */
  readonly alertTopic: ITopic;
  readonly encryptionKey?: Key | undefined;
  /** Absolute path of lambdas/canary/handler.ts. */
  readonly entry: string;
  readonly depsLockFilePath: string;
  /** Absolute path of statemachines/synthetic-canary.asl.json. */
  readonly definitionFile: string;
}

export class SyntheticCanary extends Construct {
  readonly function: NodejsFunction;
  readonly stateMachine: StateMachine;
  readonly schedule: Rule;
  readonly failureAlarm: Alarm;

  constructor(scope: Construct, id: string, props: SyntheticCanaryProps) {
    super(scope, id);
    const { config, settings, generate, outputs, artifacts, registry } = props;
    const logging = { config, encryptionKey: props.encryptionKey };

    const { role, logGroup: functionLogs } = functionRoleWithLogs(this, {
      ...logging,
      description: `prt ${config.name} canary function`,
    });
    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      depsLockFilePath: props.depsLockFilePath,
      runtime: FUNCTION_BUILD.runtime,
      architecture: FUNCTION_BUILD.architecture,
      memorySize: 512,
      // A plan reads the contracts; a check reads one registry item per case (at most 200).
      timeout: Duration.minutes(2),
      role,
      logGroup: functionLogs,
      tracing: Tracing.ACTIVE,
      environment: {
        [FUNCTION_ENV.registryTable]: registry.table.tableName,
        [FUNCTION_ENV.artifactsBucket]: artifacts.bucket.bucketName,
        [FUNCTION_ENV.contractsPrefix]: ARTIFACT_PREFIXES.contracts,
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: FUNCTION_BUILD.bundling,
    });
    artifacts.grantReadContracts(this.function);
    registry.grantRead(this.function);
    acknowledgeGrants(role, [
      ...grantFindings.xray(),
      ...grantFindings.objectsUnder(artifacts.bucket, ARTIFACT_PREFIXES.contracts, 'reads'),
    ]);

    // The generate function writes the canary's cases under the canary prefix, and nowhere new else.
    outputs.grantPutUnder(generate.function, CANARY_PREFIX);
    acknowledgeGrants(generate.function.role!, [
      ...grantFindings.objectsUnder(outputs.bucket, CANARY_PREFIX, 'writes'),
    ]);

    this.stateMachine = loggedStateMachine(this, {
      ...logging,
      definitionFile: props.definitionFile,
      definitionSubstitutions: {
        [CANARY_SUBSTITUTIONS.canaryFunctionArn]: this.function.functionArn,
        [CANARY_SUBSTITUTIONS.generateFunctionArn]: generate.function.functionArn,
        [CANARY_SUBSTITUTIONS.pollSeconds]: String(settings.pollSeconds),
        [CANARY_SUBSTITUTIONS.maxPolls]: String(settings.maxPolls),
      },
      whyErrorOnly:
        'Logs ERROR events without execution data: the verdict is in the Canary Passed/Failed event and the execution history; payloads are not copied into logs.',
    });
    this.function.grantInvoke(this.stateMachine);
    generate.function.grantInvoke(this.stateMachine);
    // Cleanup: DeleteObject under the canary prefix only (a delete marker; the versions expire).
    Grant.addToPrincipal({
      grantee: this.stateMachine,
      actions: ['s3:DeleteObject'],
      resourceArns: [outputs.bucket.arnForObjects(`${CANARY_PREFIX}*`)],
    });
    EventBus.fromEventBusName(this, 'DefaultBus', 'default').grantPutEventsTo(this.stateMachine);
    acknowledgeGrants(this.stateMachine.role, [
      ...grantFindings.xray(),
      ...grantFindings.objectsUnder(outputs.bucket, CANARY_PREFIX, 'deletes from'),
      ...[this.function, generate.function].map((fn) =>
        wildcardFinding(
          `Resource::${nagArn(fn)}:*`,
          "grantInvoke covers the function's versions and aliases (<arn>:*) besides the unqualified ARN the definition invokes",
        ),
      ),
    ]);

    // The environment's settings are the execution input: which outputs, how many rows.
    this.schedule = new Rule(this, 'Schedule', {
      schedule: Schedule.expression(settings.schedule),
      description: `Runs the prt ${config.name} synthetic canary`,
      targets: [
        new SfnStateMachine(this.stateMachine, {
          input: RuleTargetInput.fromObject({
            ...(settings.contracts ? { contracts: settings.contracts } : {}),
            ...(settings.rows !== undefined ? { rows: settings.rows } : {}),
          }),
        }),
      ],
    });

    // Canary Failed ends the execution in a Fail state (failed); a canary that ran out of time
    // timed out. Either means the environment's workflow is not proven to work.
    const period = Duration.minutes(5);
    this.failureAlarm = new Alarm(this, 'FailureAlarm', {
      alarmName: `${Stack.of(this).stackName}-canary-failed`,
      alarmDescription: `The prt ${config.name} synthetic canary failed or timed out: see its Canary Failed event`,
      metric: new MathExpression({
        expression: 'failed + timedOut',
        usingMetrics: {
          failed: this.stateMachine.metricFailed({ period, statistic: 'Sum' }),
          timedOut: this.stateMachine.metricTimedOut({ period, statistic: 'Sum' }),
        },
        period,
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.failureAlarm.addAlarmAction(new SnsAction(props.alertTopic));
    // As every alarm of the stack: the on-call hears when the canary passes again.
    this.failureAlarm.addOkAction(new SnsAction(props.alertTopic));
  }
}
