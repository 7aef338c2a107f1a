/**
 * CDK assertions on the generate function of every environment: runtime, settings, and a role
 * that reaches only contracts, the synthetic prefix of the outputs bucket (put only), the
 * registry table and its own log group.
 */
import { App, Stack } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { GenerateFunction } from '../../lib/generate-function';
import { ArtifactsBucket } from '../../lib/artifacts-bucket';
import { RegistryTable } from '../../lib/registry-table';
import { OutputsBucket } from '../../lib/outputs-bucket';
import { projectPath } from '../../lib/config/project-paths';
import { ARTIFACT_PREFIXES } from '../../lib/config/artifact-prefixes';
import { FUNCTION_ENV, GENERATE_ENV } from '../../lambdas/runtime/function-environment';
import { ENVIRONMENT_NAMES, environmentConfig } from '../fixtures/cdk-environments';
import { actionsOf, statementsOfRole, targetsOf } from './identity-policies';
import { synthesizeStack, type SynthesizedStack } from './synthesized-stack';

const ref = (id: string) => ({ Ref: id });

describe.each(ENVIRONMENT_NAMES)('generate function in prt-%s', (envName) => {
  let synth: SynthesizedStack;
  let generate: GenerateFunction;
  let ids: {
    fn: string;
    role: string;
    logs: string;
    outputs: string;
    artifacts: string;
    table: string;
    /** The environment's data key, where it has one. */
    key: string | undefined;
  };

  beforeAll(() => {
    // Prepare: one synth (with bundling) per environment.
    synth = synthesizeStack(envName);
    generate = synth.stack.node.findChild('Generate') as GenerateFunction;
    ids = {
      fn: synth.logicalId(generate.function),
      role: synth.logicalId(generate.function.role!),
      logs: synth.logicalId(generate.logGroup),
      outputs: synth.logicalId(synth.stack.outputs.bucket),
      artifacts: synth.logicalId(synth.stack.artifacts.bucket),
      table: synth.logicalId(synth.stack.registry.table),
      key: synth.stack.dataKey ? synth.logicalId(synth.stack.dataKey.key) : undefined,
    };
  });

  it('runs the generate handler on Node.js 22 or newer, arm64, with a 15-minute timeout', () => {
    // Act
    const fn = synth.resource(ids.fn).Properties ?? {};
    // Assess
    expect(Number(/^nodejs(\d+)\.x$/.exec(String(fn['Runtime']))?.[1])).toBeGreaterThanOrEqual(22);
    expect(fn['Architectures']).toEqual(['arm64']);
    expect(fn['Timeout']).toBe(900);
    expect(fn['LoggingConfig']).toEqual({ LogGroup: ref(ids.logs) });
    expect(synth.resource(ids.logs).Properties?.['RetentionInDays']).toBe(
      environmentConfig(envName).logRetentionDays,
    );
  });

  it('receives the registry table, contracts location, outputs bucket and synthetic prefix as variables', () => {
    // Act
    const variables = (synth.resource(ids.fn).Properties?.['Environment'] as { Variables: unknown })
      .Variables;
    // Assess
    expect(variables).toEqual({
      [FUNCTION_ENV.registryTable]: ref(ids.table),
      [FUNCTION_ENV.artifactsBucket]: ref(ids.artifacts),
      [FUNCTION_ENV.contractsPrefix]: ARTIFACT_PREFIXES.contracts,
      [GENERATE_ENV.outputsBucket]: ref(ids.outputs),
      [GENERATE_ENV.syntheticPrefix]: 'synthetic/',
      [GENERATE_ENV.maxRows]: '50000000',
      NODE_OPTIONS: '--enable-source-maps',
    });
  });

  it('reaches only contracts, the synthetic and canary prefixes (put only), the registry and its log group', () => {
    // Act
    const statements = statementsOfRole(synth, ids.role);
    const targets = statements.flatMap((s) => targetsOf(s).map((t) => ({ ...t, actions: actionsOf(s) })));
    const onOutputs = targets.filter((t) => t.logicalId === ids.outputs);
    const onArtifacts = targets.filter((t) => t.logicalId === ids.artifacts && t.suffix !== '');
    const allActions = statements.flatMap(actionsOf);
    // Assess
    expect(statements.every((s) => s.Effect === 'Allow')).toBe(true);
    expect(targets.filter((t) => t.wildcard)).toEqual([]);
    expect(
      targets.filter(
        (t) => ![ids.logs, ids.table, ids.outputs, ids.artifacts, ids.key].includes(t.logicalId ?? ''),
      ),
    ).toEqual([]);
    // The synthetic prefix, and the canary prefix where the environment runs the canary.
    expect(onOutputs.map((t) => t.suffix)).toEqual(
      environmentConfig(envName).canary ? ['/synthetic/*', '/canary/*'] : ['/synthetic/*'],
    );
    expect(onOutputs.flatMap((t) => t.actions).filter((a) => !/^s3:(PutObject|Abort)/.test(a))).toEqual([]);
    expect(onOutputs.flatMap((t) => t.actions)).toContain('s3:PutObject');
    expect(onOutputs.flatMap((t) => t.actions)).toContain('s3:AbortMultipartUpload');
    expect(onArtifacts.every((t) => t.suffix === '/contracts/*')).toBe(true);
    expect(onArtifacts.flatMap((t) => t.actions).filter((a) => a.startsWith('s3:Put'))).toEqual([]);
    expect(targets.some((t) => t.logicalId === ids.table)).toBe(true);
    expect(allActions.filter((a) => a.startsWith('s3:Delete'))).toEqual([]);
  });

  it('exports the function name', () => {
    // Act
    const outputs = (synth.template.toJSON() as { Outputs: Record<string, { Value: unknown }> }).Outputs;
    // Assess
    expect(outputs['GenerateFunctionName']).toEqual(expect.objectContaining({ Value: ref(ids.fn) }));
  });
});

describe('GenerateFunction props', () => {
  it('Noncompliance 1: refuses a synthetic prefix that is not a key prefix ending in /', () => {
    // Prepare
    const stack = new Stack(new App(), 'props');
    const config = environmentConfig('dev');
    const outputs = new OutputsBucket(stack, 'Outputs', { removalMode: 'destroy' });
    const artifacts = new ArtifactsBucket(stack, 'Artifacts', {
      removalMode: 'destroy',
      contractsDirectory: projectPath('contracts'),
      logRetentionDays: 14,
    });
    const registry = new RegistryTable(stack, 'Registry', { removalMode: 'destroy' });
    const make = (syntheticPrefix: string) => () =>
      new GenerateFunction(stack, `G${syntheticPrefix.length}`, {
        config,
        outputs,
        artifacts,
        registry,
        entry: projectPath('lambdas/generate/handler.ts'),
        depsLockFilePath: projectPath('package-lock.json'),
        syntheticPrefix,
      });
    // Act / Assess
    expect(make('synthetic')).toThrow(/must be a key prefix ending in \//);
    expect(make('*/')).toThrow(/must be a key prefix/);
  });
});
