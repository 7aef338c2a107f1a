/**
 * The "output-testing" state machine, defined by the ASL file in `statemachines/` (the same file the
 * embedded stack runs locally), with its `${...}` placeholders filled by CloudFormation's
 * DefinitionSubstitutions from the resources of this stack.
 *
 * The definition is inlined with `DefinitionBody.fromString` instead of `fromFile`: `fromFile`
 * uploads the file as an S3 asset and leaves no definition in the template, so neither reviewers of
 * a `cdk diff` nor the infra tests could see which ARNs the states use.
 *
 * STANDARD type: a test run can take minutes (validate/convert), needs exactly-once state
 * transitions for the registry writes, and its history is the audit trail of a failure.
 *
 * @example
 * const workflow = new TestingWorkflow(this, 'Workflow', { definitionFile, functions, registry, alerts, ... });
 * workflow.stateMachine.stateMachineArn;
 */
import { readFileSync } from 'node:fs';
import type { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Arn, ArnFormat, Aws, CfnElement, Stack } from 'aws-cdk-lib';
import type { ArtifactsBucket } from './artifacts-bucket';
import type { RegistryTable } from './registry-table';
import { ARTIFACT_PREFIXES } from './config/artifact-prefixes';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import {
  acknowledgeGrants,
  acknowledgeOnResource,
  grantFindings,
  nagArn,
  wildcardFinding,
} from './nag-acknowledgments';
import { removalPolicyOf } from './removal-policy';
import { retentionDaysOf } from './retention-days';
import type { EnvironmentConfig } from './config/environment-config';
import { WORKFLOW_METRICS_NAMESPACE } from './config/workflow-metrics';
import {
  ALERT_TOPIC_SUBSTITUTION,
  ARTIFACTS_BUCKET_SUBSTITUTION,
  MAP_RUNS_PREFIX_SUBSTITUTION,
  ENVIRONMENT_NAME_SUBSTITUTION,
  S3_OBJECT_ARN_PREFIX_SUBSTITUTION,
  REGISTRY_TABLE_SUBSTITUTION,
  WORKFLOW_FUNCTIONS,
  functionArnSubstitution,
  partitionSubstitutions,
  type WorkflowFunction,
} from './config/workflow-definition';

export interface TestingWorkflowProps {
  readonly config: EnvironmentConfig;
  /** Absolute path of the ASL definition (OUTPUT_TESTING_ASL). */
  readonly definitionFile: string;
  readonly functions: Readonly<Record<WorkflowFunction, IFunction>>;
  readonly registry: RegistryTable;
  readonly alertTopic: ITopic;
  /**
   * The partitioned branch's ItemReader reads the plan's manifest under manifests/, and its map
   * results go under map-runs/.
   */
  readonly artifacts: ArtifactsBucket;
  /** The environment's customer-managed key (log group), where the environment sets `kms`. */
  readonly encryptionKey?: Key | undefined;
}

export class TestingWorkflow extends Construct {
  readonly stateMachine: StateMachine;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: TestingWorkflowProps) {
    super(scope, id);
    // Parsed and re-serialized: a syntax error in the ASL fails the synth here, naming the file,
    // and the template carries the compact form.
    const definition = parseDefinition(props.definitionFile);

    const substitutions: Record<string, string> = {
      [REGISTRY_TABLE_SUBSTITUTION]: props.registry.table.tableName,
      [ALERT_TOPIC_SUBSTITUTION]: props.alertTopic.topicArn,
      [ARTIFACTS_BUCKET_SUBSTITUTION]: props.artifacts.bucket.bucketName,
      [MAP_RUNS_PREFIX_SUBSTITUTION]: ARTIFACT_PREFIXES.mapRuns,
      [ENVIRONMENT_NAME_SUBSTITUTION]: props.config.name,
      [S3_OBJECT_ARN_PREFIX_SUBSTITUTION]: `arn:${Aws.PARTITION}:s3:::`,
    };
    for (const name of WORKFLOW_FUNCTIONS) {
      substitutions[functionArnSubstitution(name)] = props.functions[name].functionArn;
    }
    // Only the partition settings the definition uses: the partitioned branch may land after them.
    Object.assign(substitutions, partitionSubstitutions(props.config.partitions, definition));

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: retentionDaysOf(props.config.logRetentionDays),
      removalPolicy: removalPolicyOf(props.config.removalPolicy),
      ...(props.encryptionKey ? { encryptionKey: props.encryptionKey } : {}),
    });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      definitionBody: DefinitionBody.fromString(definition),
      definitionSubstitutions: substitutions,
      stateMachineType: StateMachineType.STANDARD,
      // ERROR without execution data: failures are visible, payloads (which carry output metadata
      // and error causes already recorded in the registry) are not copied into logs.
      logs: { destination: this.logGroup, level: LogLevel.ERROR, includeExecutionData: false },
      tracingEnabled: true,
    });

    for (const name of WORKFLOW_FUNCTIONS) props.functions[name].grantInvoke(this.stateMachine);
    // The state machine only records statuses (RecordResult, RecordValidationFailure, RecordError);
    // registering and lineage go through the functions.
    props.registry.grantRecordStatus(this.stateMachine);
    props.alertTopic.grantPublish(this.stateMachine);
    // The "Output Tested" event goes to the account's default bus, for other systems to react to.
    EventBus.fromEventBusName(this, 'DefaultBus', 'default').grantPutEventsTo(this.stateMachine);
    // The error path counts untested and unreadable outputs (CountUntested). PutMetricData has no
    // resource-level permissions; the condition holds it to the project's namespace.
    this.stateMachine.addToRolePolicy(
      new PolicyStatement({
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': WORKFLOW_METRICS_NAMESPACE } },
      }),
    );
    // Partitioned branch: the ItemReader reads the manifest the validate function planned (GetObject
    // under manifests/; the folder is listed and its parts read by the function, not by the state
    // machine) and the ResultWriter writes the map run's results under map-runs/.
    props.artifacts.grantReadManifests(this.stateMachine);
    props.artifacts.grantWriteMapRuns(this.stateMachine);
    // The map's items run as child executions of this same state machine. The statement names the
    // machine's own ARN, so it lives in a policy of its own: in the role's default policy, which the
    // state machine depends on, it would be a circular reference.
    const name = Arn.split(this.stateMachine.stateMachineArn, ArnFormat.COLON_RESOURCE_NAME).resourceName;
    const childExecutions = new Policy(this, 'MapRunPolicy', {
      roles: [this.stateMachine.role],
      statements: [
        new PolicyStatement({
          actions: ['states:StartExecution'],
          resources: [this.stateMachine.stateMachineArn],
        }),
        new PolicyStatement({
          actions: ['states:DescribeExecution', 'states:StopExecution'],
          resources: [
            Stack.of(this).formatArn({
              service: 'states',
              resource: 'execution',
              resourceName: `${name}/*`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          ],
        }),
      ],
    });
    // cdk-nag's spelling of the resource: the machine's name is split out of its ARN at deploy time.
    const machineId = Stack.of(this).resolve(
      (this.stateMachine.node.defaultChild as CfnElement).logicalId,
    ) as string;
    acknowledgeOnResource(childExecutions, [
      {
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${machineId}"}]}]}/*]`,
        reason:
          "Describe/StopExecution on this state machine's own map-run child executions (execution:<name>/<map run>:<id>), whose ids exist only at run time; no other state machine",
      },
    ]);

    acknowledgeOnResource(this.stateMachine, [
      {
        id: 'AwsSolutions-SF1',
        reason:
          'Logs ERROR events without execution data on purpose: a STANDARD execution keeps every transition, with its data, in its execution history (90 days) and the registry keeps each outcome; ALL would copy every transition of every execution (and of every part of a partitioned output) into CloudWatch Logs.',
      },
    ]);
    acknowledgeGrants(this.stateMachine.role, [
      ...grantFindings.xray(),
      wildcardFinding(
        'Resource::*',
        `CloudWatch PutMetricData has no resource-level permissions; the statement is held to the ${WORKFLOW_METRICS_NAMESPACE} namespace by its condition`,
      ),
      ...WORKFLOW_FUNCTIONS.map((name) =>
        wildcardFinding(
          `Resource::${nagArn(props.functions[name])}:*`,
          "grantInvoke covers the function's versions and aliases (<arn>:*) besides the unqualified ARN the definition invokes",
        ),
      ),
      ...grantFindings.objectsUnder(props.artifacts.bucket, ARTIFACT_PREFIXES.mapRuns, 'writes'),
      ...grantFindings.objectsUnder(props.artifacts.bucket, ARTIFACT_PREFIXES.manifests, 'reads'),
      wildcardFinding(
        'Action::kms:GenerateDataKey*',
        "topic.grantPublish: publishing to the KMS-encrypted alert topic needs a data key from the topic's own key (on that key only)",
      ),
    ]);
  }
}

function parseDefinition(file: string): string {
  const text = readFileSync(file, 'utf8');
  try {
    return JSON.stringify(JSON.parse(text));
  } catch (error) {
    throw new Error(`${file} is not valid JSON: ${(error as Error).message}`);
  }
}
