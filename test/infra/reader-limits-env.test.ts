/**
 * An environment's `readerLimits` (cdk.json) reach the functions that read records, validate and
 * convert, as PRT_READER_LIMITS, the variable their handlers parse at cold start; an environment
 * without them deploys no such variable, so every reader keeps its default.
 *
 * Bundling is skipped (`aws:cdk:bundling-stacks: []`): only the functions' environment is read.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { OutputTestingStack } from '../../lib/output-testing-stack';
import { parseEnvironmentConfig } from '../../lib/config/environment-config';
import { WORKFLOW_FUNCTIONS, type WorkflowFunction } from '../../lib/config/workflow-definition';
import { cdkEnvironments } from '../fixtures/cdk-environments';

interface FunctionResource {
  readonly Properties: { readonly Environment?: { readonly Variables?: Record<string, unknown> } };
}

/** The environment variables of each workflow function of dev's stack, with `change` applied to dev. */
function functionVariables(
  change: (raw: Record<string, unknown>) => void,
): Record<WorkflowFunction, Record<string, unknown>> {
  const raw = structuredClone(cdkEnvironments()['dev']) as Record<string, unknown>;
  change(raw);
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new OutputTestingStack(app, 'prt-dev', { config: parseEnvironmentConfig('dev', raw) });
  const functions = Template.fromStack(stack).findResources('AWS::Lambda::Function') as Record<
    string,
    FunctionResource
  >;
  const byService = new Map<unknown, Record<string, unknown>>();
  for (const fn of Object.values(functions)) {
    const variables = fn.Properties.Environment?.Variables ?? {};
    byService.set(variables['POWERTOOLS_SERVICE_NAME'], variables);
  }
  return Object.fromEntries(WORKFLOW_FUNCTIONS.map((name) => [name, byService.get(name) ?? {}])) as Record<
    WorkflowFunction,
    Record<string, unknown>
  >;
}

describe('readerLimits on the workflow functions', () => {
  it('Compliance: an environment that sets readerLimits pins PRT_READER_LIMITS on validate and convert only', () => {
    // Act
    const variables = functionVariables(
      (raw) => (raw['readerLimits'] = { maxRowGroupRows: 500_000, maxFieldsPerRow: 20_000 }),
    );

    // Assess
    const expected = '{"maxFieldsPerRow":20000,"maxRowGroupRows":500000}';
    expect(variables.validate['PRT_READER_LIMITS']).toBe(expected);
    expect(variables.convert['PRT_READER_LIMITS']).toBe(expected);
    const others = WORKFLOW_FUNCTIONS.filter((n) => n !== 'validate' && n !== 'convert');
    expect(others.filter((name) => 'PRT_READER_LIMITS' in variables[name])).toEqual([]);
  });

  it('Compliance: an environment without readerLimits sets no PRT_READER_LIMITS anywhere', () => {
    // Act
    const variables = functionVariables((raw) => delete raw['readerLimits']);

    // Assess
    expect(Object.keys(variables.validate)).toContain('PRT_ARTIFACTS_BUCKET');
    expect(WORKFLOW_FUNCTIONS.filter((name) => 'PRT_READER_LIMITS' in variables[name])).toEqual([]);
  });
});
