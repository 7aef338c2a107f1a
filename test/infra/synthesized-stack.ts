/**
 * Synthesizes one environment's stack (with Lambda bundling, as `cdk synth` does) and offers typed
 * views of its template. A synth takes seconds, so each test file builds each environment once.
 */
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { OutputTestingStack } from '../../lib/output-testing-stack';
import { environmentConfig } from '../fixtures/cdk-environments';

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}

export interface SynthesizedStack {
  readonly stack: OutputTestingStack;
  readonly template: Template;
  /** All resources of a CloudFormation type, by logical id. */
  resources(type: string): Record<string, CfnResource>;
  /** The one resource with this logical id. */
  resource(logicalId: string): CfnResource;
  /** Logical id of the CloudFormation resource behind an L2 construct. */
  logicalId(construct: IConstruct): string;
}

export function synthesizeStack(envName: string): SynthesizedStack {
  const config = environmentConfig(envName);
  const app = new App();
  const stack = new OutputTestingStack(app, `prt-${config.name}`, { config });
  const template = Template.fromStack(stack);
  const all = (template.toJSON() as { Resources: Record<string, CfnResource> }).Resources;
  return {
    stack,
    template,
    resources: (type) => Object.fromEntries(Object.entries(all).filter(([, r]) => r.Type === type)),
    resource: (logicalId) => {
      const found = all[logicalId];
      if (!found) throw new Error(`no resource ${logicalId} in ${stack.stackName}`);
      return found;
    },
    logicalId: (construct) => {
      const child = construct.node.defaultChild;
      if (!(child instanceof CfnElement))
        throw new Error(`${construct.node.path} has no CloudFormation resource`);
      return Stack.of(child).resolve(child.logicalId) as string;
    },
  };
}
