/**
 * TestingWorkflow on its own, with definitions other than the repository's: the partitioned
 * branch's settings (`${PartitionMaxConcurrency}`, `${PartitionToleratedFailurePercentage}`) are
 * substituted exactly when the definition contains their placeholders, so the settings and the
 * branch can land in either order.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { ArtifactsBucket } from '../../lib/artifacts-bucket';
import { RegistryTable } from '../../lib/registry-table';
import { projectPath } from '../../lib/config/project-paths';
import { describe, expect, it } from 'vitest';
import {
  PARTITION_MAX_CONCURRENCY_SUBSTITUTION,
  PARTITION_TOLERATED_FAILURE_SUBSTITUTION,
  WORKFLOW_FUNCTIONS,
  type WorkflowFunction,
} from '../../lib/config/workflow-definition';
import { TestingWorkflow } from '../../lib/testing-workflow';
import { environmentConfig } from '../fixtures/cdk-environments';

/** A one-state definition whose Comment holds the given placeholders. */
function definitionFile(placeholders: readonly string[]): string {
  const file = join(mkdtempSync(join(tmpdir(), 'prt-asl-')), 'machine.asl.json');
  const definition = {
    Comment: placeholders.map((p) => `\${${p}}`).join(' '),
    StartAt: 'Done',
    States: { Done: { Type: 'Succeed' } },
  };
  writeFileSync(file, JSON.stringify(definition));
  return file;
}

function substitutionsFor(placeholders: readonly string[]): Record<string, unknown> {
  const config = environmentConfig('prod');
  const stack = new Stack(new App(), 'WorkflowOnly');
  const functions = Object.fromEntries(
    WORKFLOW_FUNCTIONS.map((fn) => [
      fn,
      new LambdaFunction(stack, fn, {
        runtime: Runtime.NODEJS_24_X,
        handler: 'index.handler',
        code: Code.fromInline('exports.handler = async () => ({});'),
      }),
    ]),
  ) as Record<WorkflowFunction, LambdaFunction>;
  new TestingWorkflow(stack, 'Workflow', {
    config,
    definitionFile: definitionFile(placeholders),
    functions,
    registry: new RegistryTable(stack, 'Registry', { removalMode: 'destroy' }),
    alertTopic: new Topic(stack, 'Topic'),
    artifacts: new ArtifactsBucket(stack, 'Artifacts', {
      removalMode: 'destroy',
      contractsDirectory: projectPath('contracts'),
      logRetentionDays: 14,
    }),
  });
  const [machine] = Object.values(
    Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine') as Record<
      string,
      { Properties: { DefinitionSubstitutions: Record<string, unknown> } }
    >,
  );
  return machine!.Properties.DefinitionSubstitutions;
}

describe('TestingWorkflow partition substitutions', () => {
  it('fills both from config.partitions when the definition uses them', () => {
    // Prepare
    const { partitions } = environmentConfig('prod');
    // Act
    const substitutions = substitutionsFor([
      PARTITION_MAX_CONCURRENCY_SUBSTITUTION,
      PARTITION_TOLERATED_FAILURE_SUBSTITUTION,
    ]);
    // Assess
    expect(substitutions).toMatchObject({
      [PARTITION_MAX_CONCURRENCY_SUBSTITUTION]: String(partitions.maxConcurrency),
      [PARTITION_TOLERATED_FAILURE_SUBSTITUTION]: String(partitions.toleratedFailurePercentage),
    });
  });

  it('adds neither when the definition has no partitioned branch yet', () => {
    // Act
    const substitutions = substitutionsFor([]);
    // Assess
    expect(Object.keys(substitutions)).not.toContain(PARTITION_MAX_CONCURRENCY_SUBSTITUTION);
    expect(Object.keys(substitutions)).not.toContain(PARTITION_TOLERATED_FAILURE_SUBSTITUTION);
  });

  it('adds only the one the definition uses', () => {
    // Act
    const substitutions = substitutionsFor([PARTITION_MAX_CONCURRENCY_SUBSTITUTION]);
    // Assess
    expect(Object.keys(substitutions)).toContain(PARTITION_MAX_CONCURRENCY_SUBSTITUTION);
    expect(Object.keys(substitutions)).not.toContain(PARTITION_TOLERATED_FAILURE_SUBSTITUTION);
  });
});
