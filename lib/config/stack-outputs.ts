/**
 * Names of the stack outputs (CfnOutput ids of OutputTestingStack), as `cdk deploy --outputs-file`
 * writes them: `{ "prt-dev": { "OutputsBucketName": "...", ... } }`. Tools that work against a
 * deployed stack (the integration suite with PRT_TEST_TARGET=stack, scripts) read resource names
 * from there; the infra tests check that the stack still emits every one of them.
 */
export const STACK_OUTPUTS = {
  outputsBucket: 'OutputsBucketName',
  artifactsBucket: 'ArtifactsBucketName',
  registryTable: 'RegistryTableName',
  stateMachineArn: 'StateMachineArn',
  alertTopicArn: 'AlertTopicArn',
  dashboardName: 'DashboardName',
  dashboardUrl: 'DashboardUrl',
  deadLetterQueueUrl: 'DeadLetterQueueUrl',
} as const;

export type StackOutputKey = keyof typeof STACK_OUTPUTS;
