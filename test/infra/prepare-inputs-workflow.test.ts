/**
 * The prepare-inputs workflow: its ASL file on its own (valid, bounded in time, every Task retried
 * and every path caught), and, per environment, the download function and state machine CDK
 * deploys, with grants pinned: reads of output objects only under the tested prefixes and the
 * staging prefix, puts only under the staging prefix, no deletes, one secret, one function invoked.
 */
import { readFileSync } from 'node:fs';
import aslValidator from 'asl-validator';
import { beforeAll, describe, expect, it } from 'vitest';
import { DOWNLOAD_ENV } from '../../lambdas/runtime/function-environment';
import { parseEnvironmentConfig } from '../../lib/config/environment-config';
import {
  DOWNLOAD_FUNCTION_SUBSTITUTION,
  PREPARE_INPUTS_ASL,
  PREPARE_INPUTS_OUTPUT,
} from '../../lib/config/prepare-inputs-definition';
import { projectPath } from '../../lib/config/project-paths';
import type { PrepareInputsWorkflow } from '../../lib/prepare-inputs-workflow';
import { ENVIRONMENT_NAMES, environmentConfig } from '../fixtures/cdk-environments';
import { actionsOf, statementsOfRole, targetsOf } from './identity-policies';
import { synthesizeStack, type SynthesizedStack } from './synthesized-stack';

const ASL_TEXT = readFileSync(projectPath(PREPARE_INPUTS_ASL), 'utf8');
interface State {
  Type: string;
  Retry?: unknown[];
  Catch?: unknown[];
  TimeoutSeconds?: number;
  ItemProcessor?: { States: Record<string, State> };
}
const load = () => JSON.parse(ASL_TEXT) as { TimeoutSeconds?: number; States: Record<string, State> };

describe('prepare-inputs ASL', () => {
  it('Compliance: is valid Amazon States Language', () => {
    // Act
    const result = aslValidator(load(), { checkPaths: true, checkArn: true });
    // Assess
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('Noncompliance 1: a transition to a missing state is reported', () => {
    // Arrange
    const definition = load() as unknown as { States: Record<string, Record<string, unknown>> };
    definition.States['PlanInputs']!['Next'] = 'NoSuchState';
    // Act
    const result = aslValidator(definition, { checkPaths: true, checkArn: true });
    // Assess
    expect(result.isValid).toBe(false);
    expect(result.errorsText('\n')).toContain('NoSuchState');
  });

  it('has a TimeoutSeconds, every Task a timeout and retries, and every top-level Task or Map a catch', () => {
    // Act
    const definition = load();
    const top = Object.entries(definition.States);
    const inner = top.flatMap(([, s]) => Object.entries(s.ItemProcessor?.States ?? {}));
    const tasks = [...top, ...inner].filter(([, s]) => s.Type === 'Task');
    // Assess
    expect(definition.TimeoutSeconds).toBeGreaterThan(0);
    expect(tasks.map(([name]) => name)).toEqual(['PlanInputs', 'StageInput']);
    for (const [, task] of tasks) {
      expect(task.TimeoutSeconds).toBeGreaterThan(0);
      expect(task.Retry?.length).toBeGreaterThan(0);
    }
    for (const [, state] of top.filter(([, s]) => s.Type === 'Task' || s.Type === 'Map'))
      expect(state.Catch?.length).toBeGreaterThan(0);
  });

  it('uses exactly one placeholder, the download function ARN', () => {
    // Act
    const placeholders = [...new Set([...ASL_TEXT.matchAll(/\$\{([A-Za-z]+)\}/g)].map((m) => m[1]))];
    // Assess
    expect(placeholders).toEqual([DOWNLOAD_FUNCTION_SUBSTITUTION]);
  });
});

describe('staging settings', () => {
  it('Noncompliance 1: a staging prefix inside a tested prefix is refused', () => {
    // Arrange
    const raw = {
      ...JSON.parse(JSON.stringify(environmentConfig('dev'))),
      staging: { prefix: 'pipelines/staging/' },
    } as Record<string, unknown>;
    for (const key of ['name', 'reservedConcurrency'] as const) delete raw[key];
    // Act
    const parse = () => parseEnvironmentConfig('dev', raw);
    // Assess
    expect(parse).toThrow(/staging\.prefix: 'pipelines\/staging\/' overlaps tested prefix 'pipelines\/'/);
  });
});

describe.each(ENVIRONMENT_NAMES)('prepare-inputs workflow in prt-%s', (envName) => {
  let synth: SynthesizedStack;
  let workflow: PrepareInputsWorkflow;
  let ids: { fn: string; role: string; machine: string; outputs: string; artifacts: string; secret: string };

  beforeAll(() => {
    // Arrange: one synth (with bundling) per environment.
    synth = synthesizeStack(envName);
    workflow = synth.stack.node.findChild('PrepareInputs') as PrepareInputsWorkflow;
    ids = {
      fn: synth.logicalId(workflow.function),
      role: synth.logicalId(workflow.function.role!),
      machine: synth.logicalId(workflow.stateMachine.role),
      outputs: synth.logicalId(synth.stack.outputs.bucket),
      artifacts: synth.logicalId(synth.stack.artifacts.bucket),
      secret: synth.logicalId(workflow.maskingKey!),
    };
  });

  it('runs the download handler with the staging settings, the masking key and the secrets extension', () => {
    // Act
    const fn = synth.resource(ids.fn).Properties ?? {};
    const variables = (fn['Environment'] as { Variables: Record<string, unknown> }).Variables;
    // Assess
    expect(fn['Timeout']).toBe(900);
    expect(fn['EphemeralStorage']).toEqual({ Size: 4096 });
    expect(JSON.stringify(fn['Layers'])).toContain('"Fn::FindInMap":["Paramsandsecrets');
    expect(variables[DOWNLOAD_ENV.stagingBucket]).toEqual({ Ref: ids.outputs });
    expect(variables[DOWNLOAD_ENV.stagingPrefix]).toBe('staging/');
    expect(variables[DOWNLOAD_ENV.maskingKeySecret]).toEqual({ Ref: ids.secret });
  });

  it('reads outputs only under the tested and staging prefixes, writes only under staging, deletes nothing', () => {
    // Arrange
    const config = environmentConfig(envName);
    // Act
    const statements = statementsOfRole(synth, ids.role);
    const targets = statements.flatMap((s) => targetsOf(s).map((t) => ({ ...t, actions: actionsOf(s) })));
    const onOutputs = targets.filter((t) => t.logicalId === ids.outputs);
    const reads = onOutputs.filter((t) => t.actions.includes('s3:GetObject')).map((t) => t.suffix);
    const writes = onOutputs
      .filter((t) => t.actions.some((a) => a.startsWith('s3:Put')))
      .map((t) => t.suffix);
    const lists = onOutputs.filter((t) => t.actions.includes('s3:ListBucket'));
    const onSecrets = targets.filter((t) => t.actions.some((a) => a.startsWith('secretsmanager:')));
    // Assess
    expect(targets.filter((t) => t.wildcard)).toEqual([]);
    expect(reads.sort()).toEqual(
      [...config.watchedPrefixes, ...config.partitions.prefixes, 'staging/'].map((p) => `/${p}*`).sort(),
    );
    expect(writes).toEqual(['/staging/*']);
    expect(lists.every((t) => t.suffix === '')).toBe(true);
    expect(statements.flatMap(actionsOf).filter((a) => /Delete/.test(a))).toEqual([]);
    expect(onSecrets.map((t) => t.logicalId)).toEqual([ids.secret]);
    expect(
      targets
        .filter((t) => t.logicalId === ids.artifacts && t.suffix !== '')
        .every((t) => t.suffix === '/contracts/*'),
    ).toBe(true);
  });

  it('lets the state machine invoke the download function and nothing else', () => {
    // Act
    const statements = statementsOfRole(synth, ids.machine);
    const invokes = statements.filter((s) => actionsOf(s).includes('lambda:InvokeFunction'));
    const other = statements
      .flatMap(actionsOf)
      .filter((a) => !a.startsWith('lambda:Invoke') && !a.startsWith('xray:') && !a.startsWith('logs:'));
    // Assess
    expect(invokes.flatMap(targetsOf).every((t) => t.logicalId === ids.fn)).toBe(true);
    expect(other).toEqual([]);
  });

  it('exports the state machine ARN', () => {
    // Act
    const outputs = (synth.template.toJSON() as { Outputs: Record<string, { Value: unknown }> }).Outputs;
    // Assess
    expect(outputs[PREPARE_INPUTS_OUTPUT]).toEqual(
      expect.objectContaining({ Value: { Ref: synth.logicalId(workflow.stateMachine) } }),
    );
  });
});
