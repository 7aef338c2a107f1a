/**
 * Expected outputs of one environment: the expected-outputs state machine
 * (statemachines/expected-outputs.asl.json), its check-expected function, one EventBridge Scheduler
 * schedule per scheduled expectation of the contracts (read at synth, lambdas/runtime/
 * contract-expectations.ts), the sweep of relative waits (where a contract has one) and the rule
 * that hands every Output Tested event to the same machine (late arrivals, and the waits an input
 * starts). Decision 0025 says why a state machine stands between the schedules and the function.
 *
 * Least privilege: the function reads contracts and the registry, writes registry items (missing
 * entries, late transitions, pending waits) and deletes only pending waits (`EXPECT#` partitions);
 * the state machine invokes that function, publishes to the alert topic and puts events on the
 * default bus; the schedules may start that state machine only.
 *
 * @example
 * new ExpectedOutputs(this, 'Expected', { config, registry, artifacts, alertTopic, contractsDirectory, entry, depsLockFilePath, definitionFile });
 */
import { Duration } from 'aws-cdk-lib';
import { EventBus, EventField, Rule, RuleTargetInput } from 'aws-cdk-lib/aws-events';
import { SfnStateMachine } from 'aws-cdk-lib/aws-events-targets';
import { Grant } from 'aws-cdk-lib/aws-iam';
import type { Key } from 'aws-cdk-lib/aws-kms';
import { Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import {
  ContextAttribute,
  Schedule,
  ScheduleExpression,
  ScheduleTargetInput,
} from 'aws-cdk-lib/aws-scheduler';
import { StepFunctionsStartExecution } from 'aws-cdk-lib/aws-scheduler-targets';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { expectationsInFolder, type FolderExpectations } from '../lambdas/runtime/contract-expectations';
import { FUNCTION_ENV } from '../lambdas/runtime/function-environment';
import type { ArtifactsBucket } from './artifacts-bucket';
import { ARTIFACT_PREFIXES } from './config/artifact-prefixes';
import {
  CHECK_EXPECTED_FUNCTION_SUBSTITUTION,
  CHECK_EXPECTED_TIMEOUT_SECONDS,
  SWEEP_MINUTES,
} from './config/expected-outputs-definition';
import type { EnvironmentConfig } from './config/environment-config';
import { ALERT_TOPIC_SUBSTITUTION, ENVIRONMENT_NAME_SUBSTITUTION } from './config/workflow-definition';
import { FUNCTION_BUILD } from './function-bundling';
import { acknowledgeGrants, grantFindings, nagArn, wildcardFinding } from './nag-acknowledgments';
import { functionRoleWithLogs, loggedStateMachine } from './workflow-logging';
import { OUTPUT_TESTED_DETAIL_TYPE, OUTPUT_TESTED_SOURCE } from './openlineage-emitter';
import type { RegistryTable } from './registry-table';

/** Partitions of pending waits (lambdas/adapters/aws/dynamo-expectation-ledger.ts): the only deletes. */
export const PENDING_WAIT_PARTITIONS = 'EXPECT#*';

export interface ExpectedOutputsProps {
  readonly config: EnvironmentConfig;
  readonly registry: RegistryTable;
  readonly artifacts: ArtifactsBucket;
  readonly alertTopic: ITopic;
  readonly encryptionKey?: Key | undefined;
  /** The contracts folder the app deploys; its expectations become schedules. */
  readonly contractsDirectory: string;
  /** Absolute path of lambdas/check-expected/handler.ts. */
  readonly entry: string;
  readonly depsLockFilePath: string;
  /** Absolute path of statemachines/expected-outputs.asl.json. */
  readonly definitionFile: string;
}

export class ExpectedOutputs extends Construct {
  readonly function: NodejsFunction;
  readonly stateMachine: StateMachine;
  /** One per scheduled expectation, in contract order. */
  readonly schedules: readonly Schedule[];
  /** The sweep of relative waits, where a contract declares one. */
  readonly sweep?: Schedule;
  readonly arrivals: Rule;
  readonly expectations: FolderExpectations;

  constructor(scope: Construct, id: string, props: ExpectedOutputsProps) {
    super(scope, id);
    const { config, registry, artifacts } = props;
    this.expectations = expectationsInFolder(props.contractsDirectory);
    const logging = { config, encryptionKey: props.encryptionKey };

    const { role, logGroup: functionLogs } = functionRoleWithLogs(this, {
      ...logging,
      description: `prt ${config.name} check-expected function`,
    });
    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      depsLockFilePath: props.depsLockFilePath,
      runtime: FUNCTION_BUILD.runtime,
      architecture: FUNCTION_BUILD.architecture,
      memorySize: 512,
      timeout: Duration.seconds(CHECK_EXPECTED_TIMEOUT_SECONDS),
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
    registry.grantReadWrite(this.function);
    Grant.addToPrincipal({
      grantee: this.function,
      actions: ['dynamodb:DeleteItem'],
      resourceArns: [registry.table.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [PENDING_WAIT_PARTITIONS] } },
    });
    acknowledgeGrants(role, [
      ...grantFindings.xray(),
      ...grantFindings.objectsUnder(artifacts.bucket, ARTIFACT_PREFIXES.contracts, 'reads'),
    ]);

    this.stateMachine = loggedStateMachine(this, {
      ...logging,
      definitionFile: props.definitionFile,
      definitionSubstitutions: {
        [CHECK_EXPECTED_FUNCTION_SUBSTITUTION]: this.function.functionArn,
        [ALERT_TOPIC_SUBSTITUTION]: props.alertTopic.topicArn,
        [ENVIRONMENT_NAME_SUBSTITUTION]: config.name,
      },
      whyErrorOnly:
        'Logs ERROR events without execution data: the outcome is in the registry, the alert and the Output Missing/Late event; payloads are not copied into logs.',
    });
    this.function.grantInvoke(this.stateMachine);
    props.alertTopic.grantPublish(this.stateMachine);
    EventBus.fromEventBusName(this, 'DefaultBus', 'default').grantPutEventsTo(this.stateMachine);
    acknowledgeGrants(this.stateMachine.role, [
      ...grantFindings.xray(),
      wildcardFinding(
        `Resource::${nagArn(this.function)}:*`,
        "grantInvoke covers the function's versions and aliases (<arn>:*) besides the unqualified ARN the definition invokes",
      ),
      wildcardFinding(
        'Action::kms:GenerateDataKey*',
        "topic.grantPublish: publishing to the KMS-encrypted alert topic needs a data key from the topic's own key (on that key only)",
      ),
    ]);

    // One schedule per scheduled expectation: it fires at the deadline (UTC), the machine waits
    // the grace and checks the window the deadline closes.
    this.schedules = this.expectations.schedules.map(
      (s, i) =>
        new Schedule(this, `Deadline${i}`, {
          description: `prt ${config.name}: ${s.output} expected by ${s.cron} UTC (${s.file}, expected[${s.index}])`,
          schedule: ScheduleExpression.expression(s.cron),
          target: new StepFunctionsStartExecution(this.stateMachine, {
            input: ScheduleTargetInput.fromObject({
              kind: 'deadline',
              output: s.output,
              index: s.index,
              deadline: ContextAttribute.scheduledTime,
              waitSeconds: s.graceSeconds,
            }),
          }),
        }),
    );
    if (this.expectations.relative > 0)
      this.sweep = new Schedule(this, 'Sweep', {
        description: `prt ${config.name}: checks the relative expectations that are due`,
        schedule: ScheduleExpression.rate(Duration.minutes(SWEEP_MINUTES)),
        target: new StepFunctionsStartExecution(this.stateMachine, {
          input: ScheduleTargetInput.fromObject({ kind: 'sweep', now: ContextAttribute.scheduledTime }),
        }),
      });

    this.arrivals = new Rule(this, 'Arrivals', {
      description: 'Hands every Output Tested event to the expected-outputs checks (late arrivals, waits)',
      eventPattern: { source: [OUTPUT_TESTED_SOURCE], detailType: [OUTPUT_TESTED_DETAIL_TYPE] },
      targets: [
        new SfnStateMachine(this.stateMachine, {
          input: RuleTargetInput.fromObject({ kind: 'arrival', detail: EventField.fromPath('$.detail') }),
          retryAttempts: 8,
          maxEventAge: Duration.hours(6),
        }),
      ],
    });
  }
}
