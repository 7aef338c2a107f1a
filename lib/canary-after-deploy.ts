/**
 * The synthetic canary right after `cdk deploy`, where the environment asks for it
 * (`canary.afterDeploy: true` in cdk.json): a CDK trigger (aws-cdk-lib/triggers) runs a small
 * function once the canary and everything it exercises are deployed; the function starts the
 * canary state machine and waits for its end (lambdas/canary-after-deploy/handler.ts). A canary
 * that fails, ends any other way or does not finish within the function's 15 minutes (Lambda's
 * limit, and so the trigger's) fails the deployment, which CloudFormation then rolls back. CDK
 * runs a trigger when it is first deployed and whenever its function changes, not on a deployment
 * that changes neither: the schedule covers the time between.
 *
 * Least privilege: the function may start executions of that one state machine and describe its
 * executions, nothing else (no list, no stop, no other machine).
 *
 * @example
 * new CanaryAfterDeploy(this, 'CanaryAfterDeploy', { config, canary, entry, depsLockFilePath, executeAfter: [stack resources] });
 */
import { type CfnElement, Duration } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Key } from 'aws-cdk-lib/aws-kms';
import { Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Trigger } from 'aws-cdk-lib/triggers';
import { Construct } from 'constructs';
import { CANARY_AFTER_DEPLOY_ENV } from '../lambdas/runtime/function-environment';
import type { CanarySettings, EnvironmentConfig } from './config/environment-config';
import { acknowledgeGrants, grantFindings, wildcardFinding } from './nag-acknowledgments';
import { removalPolicyOf } from './removal-policy';
import { retentionDaysOf } from './retention-days';
import { FUNCTION_BUILD } from './function-bundling';

export interface CanaryAfterDeployProps {
  readonly config: EnvironmentConfig;
  readonly settings: CanarySettings;
  /** The synthetic canary's state machine (SyntheticCanary). */
  readonly stateMachine: StateMachine;
  readonly encryptionKey?: Key | undefined;
  /** Absolute path of lambdas/canary-after-deploy/handler.ts. */
  readonly entry: string;
  readonly depsLockFilePath: string;
  /** What must be deployed before the canary runs: the workflows and functions it exercises. */
  readonly executeAfter: readonly Construct[];
}

/** Lambda's limit, and so the longest a trigger's function can wait for the canary. */
const TRIGGER_TIMEOUT = Duration.minutes(15);

export class CanaryAfterDeploy extends Construct {
  readonly function: NodejsFunction;
  readonly trigger: Trigger;

  constructor(scope: Construct, id: string, props: CanaryAfterDeployProps) {
    super(scope, id);
    const { config, settings, stateMachine } = props;
    const logs = new LogGroup(this, 'FunctionLogs', {
      retention: retentionDaysOf(config.logRetentionDays),
      removalPolicy: removalPolicyOf(config.removalPolicy),
      ...(props.encryptionKey ? { encryptionKey: props.encryptionKey } : {}),
    });
    const role = new Role(this, 'FunctionRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `prt ${config.name} canary after deploy`,
    });
    logs.grantWrite(role);
    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      depsLockFilePath: props.depsLockFilePath,
      runtime: FUNCTION_BUILD.runtime,
      architecture: FUNCTION_BUILD.architecture,
      memorySize: 256,
      timeout: TRIGGER_TIMEOUT,
      role,
      logGroup: logs,
      tracing: Tracing.ACTIVE,
      environment: {
        [CANARY_AFTER_DEPLOY_ENV.stateMachineArn]: stateMachine.stateMachineArn,
        // The same input the schedule gives (SyntheticCanary): the environment's settings.
        [CANARY_AFTER_DEPLOY_ENV.input]: JSON.stringify({
          ...(settings.contracts ? { contracts: settings.contracts } : {}),
          ...(settings.rows !== undefined ? { rows: settings.rows } : {}),
        }),
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: FUNCTION_BUILD.bundling,
    });
    stateMachine.grantStartExecution(this.function);
    // DescribeExecution on this machine's executions only (arn:...:execution:<name>:*).
    stateMachine.grantExecution(this.function, 'states:DescribeExecution');
    const machineId = stateMachine.stack.resolve(
      (stateMachine.node.defaultChild as CfnElement).logicalId,
    ) as string;
    acknowledgeGrants(role, [
      ...grantFindings.xray(),
      wildcardFinding(
        `Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${machineId}"}]}]}:*`,
        "DescribeExecution on the canary state machine's own executions, whose names are only known when they start",
      ),
    ]);

    this.trigger = new Trigger(this, 'Trigger', {
      handler: this.function,
      timeout: TRIGGER_TIMEOUT,
      // A trigger runs when it is created and again whenever its function changes (CDK re-invokes
      // on a new function version); a deployment that changes neither does not re-run the canary.
      executeOnHandlerChange: true,
      executeAfter: [...props.executeAfter],
    });
  }
}
