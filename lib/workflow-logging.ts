/**
 * The logging set-up of a state machine and its function, as the constructs that pair one
 * function with one state machine write it (expected outputs, synthetic canary, prepare inputs):
 * log groups held to the environment's retention, removal policy and key; a function role that
 * Lambda assumes and that may write its function's log group; and a STANDARD, traced state machine
 * that logs ERROR events without execution data, with cdk-nag's AwsSolutions-SF1 finding
 * acknowledged for the reason the caller gives.
 *
 * Functions, not a construct: they create their resources directly in the caller's scope, under
 * the ids the constructs used before (`FunctionLogs`, `FunctionRole`, `StateMachineLogs`,
 * `StateMachine`), so the resources keep their logical ids; a construct would add a level to their
 * paths, and CloudFormation would replace the log groups, roles and state machines of every
 * deployed environment (decision 0029).
 *
 * @example
 * const { role, logGroup } = functionRoleWithLogs(this, { config, encryptionKey, description: 'prt dev canary function' });
 * const machine = loggedStateMachine(this, { config, encryptionKey, definitionFile, definitionSubstitutions, whyErrorOnly: '...' });
 */
import { readFileSync } from 'node:fs';
import { type PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Key } from 'aws-cdk-lib/aws-kms';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from './config/environment-config';
import { acknowledgeOnResource } from './nag-acknowledgments';
import { removalPolicyOf } from './removal-policy';
import { retentionDaysOf } from './retention-days';

export interface WorkflowLoggingProps {
  readonly config: EnvironmentConfig;
  /** The environment's customer-managed key, where the environment sets `kms`. */
  readonly encryptionKey?: Key | undefined;
}

export interface FunctionRoleProps extends WorkflowLoggingProps {
  /** The role's description, e.g. `prt dev canary function`. */
  readonly description: string;
  /** A fixed name, only where another account trusts the role by ARN; otherwise CloudFormation names it. */
  readonly roleName?: string;
  /** Statements the role holds before any grant (they come first in its default policy). */
  readonly statements?: readonly PolicyStatement[];
}

export interface LoggedStateMachineProps extends WorkflowLoggingProps {
  /** Absolute path of the ASL file (statemachines/*.asl.json). */
  readonly definitionFile: string;
  readonly definitionSubstitutions: Readonly<Record<string, string>>;
  /** Why ERROR without execution data is enough for this machine: the SF1 acknowledgment's reason. */
  readonly whyErrorOnly: string;
}

/** A log group of the environment: its retention, its removal policy and, where it has one, its key. */
export function environmentLogGroup(scope: Construct, id: string, props: WorkflowLoggingProps): LogGroup {
  return new LogGroup(scope, id, {
    retention: retentionDaysOf(props.config.logRetentionDays),
    removalPolicy: removalPolicyOf(props.config.removalPolicy),
    ...(props.encryptionKey ? { encryptionKey: props.encryptionKey } : {}),
  });
}

/** `FunctionLogs` and `FunctionRole`: the role Lambda assumes, which may write those logs and, so far, nothing else. */
export function functionRoleWithLogs(
  scope: Construct,
  props: FunctionRoleProps,
): { readonly role: Role; readonly logGroup: LogGroup } {
  const logGroup = environmentLogGroup(scope, 'FunctionLogs', props);
  const role = new Role(scope, 'FunctionRole', {
    assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
    description: props.description,
    ...(props.roleName !== undefined ? { roleName: props.roleName } : {}),
  });
  for (const statement of props.statements ?? []) role.addToPolicy(statement);
  logGroup.grantWrite(role);
  return { role, logGroup };
}

/**
 * `StateMachineLogs` and `StateMachine`: STANDARD (an execution keeps its whole history for 90
 * days), traced, logging ERROR events without execution data so payloads are not copied into logs.
 */
export function loggedStateMachine(scope: Construct, props: LoggedStateMachineProps): StateMachine {
  const logs = environmentLogGroup(scope, 'StateMachineLogs', props);
  const machine = new StateMachine(scope, 'StateMachine', {
    definitionBody: DefinitionBody.fromString(parseDefinition(props.definitionFile)),
    definitionSubstitutions: { ...props.definitionSubstitutions },
    stateMachineType: StateMachineType.STANDARD,
    logs: { destination: logs, level: LogLevel.ERROR, includeExecutionData: false },
    tracingEnabled: true,
  });
  acknowledgeOnResource(machine, [{ id: 'AwsSolutions-SF1', reason: props.whyErrorOnly }]);
  return machine;
}

/** Parsed and re-serialized: a syntax error fails the synth here, naming the file. */
export function parseDefinition(file: string): string {
  const text = readFileSync(file, 'utf8');
  try {
    return JSON.stringify(JSON.parse(text));
  } catch (error) {
    throw new Error(`${file} is not valid JSON: ${(error as Error).message}`);
  }
}
