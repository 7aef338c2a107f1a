/**
 * Cross-environment staging as CDK deploys it, on an environment that both stages into another
 * (`staging.targets`) and accepts stagings from a third (`staging.acceptFrom`), with its KMS key on:
 * - the download function's role is named for the other side's trust policy and may assume the
 *   configured role ARN and nothing else;
 * - the accepting role trusts only the source account's download function role (by ARN, with the
 *   external id), lasts at most an hour, and may put and read back only under the staging prefix
 *   (plus the environment's key for those objects);
 * - the stack stays cdk-nag clean.
 *
 * Bundling is skipped (`aws:cdk:bundling-stacks: []`): no assertion here looks at function code.
 */
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DOWNLOAD_ENV } from '../../lambdas/runtime/function-environment';
import { parseStagingTargets } from '../../lambdas/runtime/staging-targets-env';
import { parseEnvironmentConfig, type EnvironmentConfig } from '../../lib/config/environment-config';
import { OutputTestingStack } from '../../lib/output-testing-stack';
import { cdkEnvironments } from '../fixtures/cdk-environments';
import { actionsOf, statementsOfRole, targetsOf, type PolicyStatement } from './identity-policies';
import type { CfnResource, SynthesizedStack } from './synthesized-stack';

const TARGET_ROLE = 'arn:aws:iam::222222222222:role/prt-stage-prod-to-staging';
const SOURCE_ACCOUNT = '111111111111';

function config(): EnvironmentConfig {
  const prod = cdkEnvironments()['prod'] as Record<string, unknown>;
  return parseEnvironmentConfig('prod', {
    ...prod,
    staging: {
      targets: {
        staging: {
          bucket: 'prt-staging-outputs-222222222222',
          prefix: 'staging/from-prod/',
          roleArn: TARGET_ROLE,
          externalId: 'prt-prod-stages',
        },
      },
      acceptFrom: [{ account: SOURCE_ACCOUNT, environment: 'dev', externalId: 'prt-dev-stages' }],
    },
  });
}

function synthesize(cfg: EnvironmentConfig): SynthesizedStack & { app: App } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new OutputTestingStack(app, `prt-${cfg.name}`, { config: cfg });
  const template = Template.fromStack(stack);
  const all = (template.toJSON() as { Resources: Record<string, CfnResource> }).Resources;
  return {
    app,
    stack,
    template,
    resources: (type) => Object.fromEntries(Object.entries(all).filter(([, r]) => r.Type === type)),
    resource: (logicalId) => all[logicalId]!,
    logicalId: (construct: IConstruct) => {
      const child = construct.node.defaultChild as CfnElement;
      return Stack.of(child).resolve(child.logicalId) as string;
    },
  };
}

let synth: ReturnType<typeof synthesize>;

beforeAll(() => {
  synth = synthesize(config());
}, 120_000);

describe('the source side: the download function of prt-prod', () => {
  it('runs as prt-prod-download and may assume the configured role ARN and no other', () => {
    // Arrange
    const role = synth.logicalId(synth.stack.prepareInputs.function.role!);
    // Act
    const statements = statementsOfRole(synth, role);
    const sts = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('sts:')));
    // Assess
    expect(synth.resource(role).Properties?.['RoleName']).toBe('prt-prod-download');
    expect(sts).toEqual([{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: TARGET_ROLE }]);
  });

  it('is given the targets as the function reads them at cold start', () => {
    // Arrange
    const fn = synth.resource(synth.logicalId(synth.stack.prepareInputs.function));
    // Act
    const variables = (fn.Properties?.['Environment'] as { Variables: Record<string, string> }).Variables;
    const targets = parseStagingTargets(variables[DOWNLOAD_ENV.targets]);
    // Assess
    expect([...targets.values()]).toEqual([
      {
        environment: 'staging',
        bucket: 'prt-staging-outputs-222222222222',
        prefix: 'staging/from-prod/',
        roleArn: TARGET_ROLE,
        externalId: 'prt-prod-stages',
      },
    ]);
  });
});

describe('the target side: the role prt-prod creates for dev', () => {
  let roleId: string;
  let role: CfnResource;

  beforeAll(() => {
    const accepted = synth.stack.stagingAcceptance!.roles.get('dev')!;
    roleId = synth.logicalId(accepted);
    role = synth.resource(roleId);
  });

  it("trusts only dev's download function role, with the external id, for at most an hour", () => {
    // Act
    const trust = role.Properties?.['AssumeRolePolicyDocument'] as { Statement: PolicyStatement[] };
    // Assess
    expect(role.Properties?.['RoleName']).toBe('prt-stage-dev-to-prod');
    expect(role.Properties?.['MaxSessionDuration']).toBe(3600);
    expect(trust.Statement).toHaveLength(1);
    expect(trust.Statement[0]!.Action).toBe('sts:AssumeRole');
    const condition = trust.Statement[0]!.Condition as Record<string, Record<string, unknown>>;
    expect(Object.keys(condition).sort()).toEqual(['ArnEquals', 'StringEquals']);
    expect(condition['StringEquals']).toEqual({ 'sts:ExternalId': 'prt-dev-stages' });
    expect(JSON.stringify(condition['ArnEquals'])).toContain(
      `:iam::${SOURCE_ACCOUNT}:role/prt-dev-download"`,
    );
    expect(JSON.stringify(trust.Statement[0]!.Principal)).toContain(`:iam::${SOURCE_ACCOUNT}:root"`);
  });

  it('writes and reads back only under the staging prefix of the outputs bucket, with the data key, and deletes or lists nothing', () => {
    // Arrange
    const outputs = synth.logicalId(synth.stack.outputs.bucket);
    // Act
    const statements = statementsOfRole(synth, roleId);
    const targets = statements.flatMap((s) => targetsOf(s).map((t) => ({ ...t, actions: actionsOf(s) })));
    const s3 = targets.filter((t) => t.actions.some((a) => a.startsWith('s3:')));
    const kms = targets.filter((t) => t.actions.some((a) => a.startsWith('kms:')));
    const actions = [...new Set(statements.flatMap(actionsOf))].sort();
    // Assess
    expect(s3.map((t) => `${t.logicalId}${t.suffix}`)).toEqual([
      `${outputs}/staging/*`,
      `${outputs}/staging/*`,
    ]);
    expect(kms.map((t) => t.logicalId)).toEqual(kms.map(() => synth.logicalId(synth.stack.dataKey!.key)));
    expect(kms.length).toBeGreaterThan(0);
    expect(targets.filter((t) => t.wildcard)).toEqual([]);
    expect(actions).toEqual([
      'kms:Decrypt',
      'kms:GenerateDataKey',
      's3:AbortMultipartUpload',
      's3:GetObject',
      's3:GetObjectVersion',
      's3:PutObject',
    ]);
  });
});

describe('cdk-nag on a stack that stages across environments', () => {
  it('Compliance: no unacknowledged error or warning', () => {
    // Arrange
    const { app, stack } = synth;
    // Act
    app.synth();
    const violations = new AwsSolutionsChecks()
      .validateScope(stack)
      .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.constructPath}`));
    // Assess
    expect(violations).toEqual([]);
  });
});
