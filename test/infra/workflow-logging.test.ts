/**
 * The logging set-up shared by the constructs that pair one function with one state machine
 * (lib/workflow-logging.ts): log groups held to the environment's retention, removal policy and key;
 * a function role Lambda assumes, whose own statements come before the log write; a STANDARD, traced
 * state machine logging ERROR without execution data, SF1 acknowledged with the caller's reason; and
 * a definition that is not JSON failing the synth with the file's name.
 */
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  environmentLogGroup,
  functionRoleWithLogs,
  loggedStateMachine,
  parseDefinition,
} from '../../lib/workflow-logging';
import { environmentConfig } from '../fixtures/cdk-environments';

const PASS_DEFINITION =
  '{\n  "StartAt": "Done",\n  "States": { "Done": { "Type": "Pass", "End": true } }\n}\n';

function definitionFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'workflow-logging-')), 'machine.asl.json');
  writeFileSync(file, text);
  return file;
}

function stack(): Stack {
  return new Stack(new App(), 'WorkflowLoggingTest');
}

describe('workflow logging', () => {
  it("gives a log group the environment's retention, removal policy and key", () => {
    // Arrange
    const s = stack();
    const config = environmentConfig('prod');
    const key = new Key(s, 'DataKey');

    // Act
    environmentLogGroup(s, 'Logs', { config, encryptionKey: key });

    // Assess
    const [logGroup] = Object.values(Template.fromStack(s).findResources('AWS::Logs::LogGroup'));
    expect(logGroup).toMatchObject({
      Properties: {
        RetentionInDays: config.logRetentionDays,
        KmsKeyId: { 'Fn::GetAtt': [expect.any(String), 'Arn'] },
      },
      DeletionPolicy: config.removalPolicy === 'retain' ? 'Retain' : 'Delete',
    });
  });

  it('names a function role when asked, and puts its own statements before the log write', () => {
    // Arrange
    const s = stack();
    const assume = new PolicyStatement({
      actions: ['sts:AssumeRole'],
      resources: ['arn:aws:iam::111111111111:role/r'],
    });

    // Act
    const { role, logGroup } = functionRoleWithLogs(s, {
      config: environmentConfig('dev'),
      description: 'prt dev test function',
      roleName: 'prt-dev-test',
      statements: [assume],
    });

    // Assess
    const template = Template.fromStack(s);
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'prt-dev-test',
      Description: 'prt dev test function',
      AssumeRolePolicyDocument: { Statement: [{ Principal: { Service: 'lambda.amazonaws.com' } }] },
    });
    const [policy] = Object.values(template.findResources('AWS::IAM::Policy')) as {
      Properties: { PolicyDocument: { Statement: { Action: string | string[] }[] } };
    }[];
    const actions = policy!.Properties.PolicyDocument.Statement.map((st) => st.Action);
    expect(actions[0]).toBe('sts:AssumeRole');
    expect(actions.slice(1).flat()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
    expect([role.node.id, logGroup.node.id]).toEqual(['FunctionRole', 'FunctionLogs']);
  });

  it('builds a STANDARD, traced state machine that logs ERROR without execution data, SF1 acknowledged', () => {
    // Arrange
    const s = stack();
    const why = 'the outcome is in the registry';

    // Act
    const machine = loggedStateMachine(s, {
      config: environmentConfig('dev'),
      definitionFile: definitionFile(PASS_DEFINITION),
      definitionSubstitutions: { Name: 'value' },
      whyErrorOnly: why,
    });

    // Assess
    const template = Template.fromStack(s);
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: { Level: 'ERROR', IncludeExecutionData: false },
      DefinitionSubstitutions: { Name: 'value' },
      DefinitionString: JSON.stringify(JSON.parse(PASS_DEFINITION)),
    });
    template.resourceCountIs('AWS::Logs::LogGroup', 1);
    const acknowledged = (machine.node.defaultChild as CfnResource).node.metadata
      .filter((m) => m.type === 'aws:cdk:acknowledged-rules')
      .map((m) => m.data as Record<string, string>);
    expect(acknowledged).toEqual([{ 'Annotation::AwsSolutions-SF1': why }]);
  });

  it('fails a definition that is not JSON, naming the file', () => {
    // Arrange
    const file = definitionFile('{ "StartAt": ');

    // Act
    const parse = () => parseDefinition(file);

    // Assess
    expect(parse).toThrow(`${file} is not valid JSON`);
  });
});
