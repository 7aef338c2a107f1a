import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../lambdas/core/errors';
import { parseStagingTargets, stagingTargetsEnvValue } from '../../../lambdas/runtime/staging-targets-env';

const TARGET = {
  environment: 'dev',
  bucket: 'prt-dev-outputs',
  prefix: 'staging/from-prod/',
  roleArn: 'arn:aws:iam::123456789012:role/prt-stage-prod-to-dev',
  externalId: 'prt-prod',
};

describe('PRT_STAGING_TARGETS', () => {
  it('reads back what the CDK construct writes', () => {
    // Act
    const targets = parseStagingTargets(stagingTargetsEnvValue([TARGET]));

    // Assess
    expect([...targets.entries()]).toEqual([['dev', TARGET]]);
  });

  it('is empty when unset, and fails the cold start on a malformed value naming the variable', () => {
    // Act
    const unset = parseStagingTargets(undefined);
    const notJson = () => parseStagingTargets('{dev');
    const badArn = () => parseStagingTargets(JSON.stringify({ dev: { ...TARGET, roleArn: 'x' } }));
    const list = () => parseStagingTargets('[]');

    // Assess
    expect(unset.size).toBe(0);
    expect(notJson).toThrow(ConfigurationError);
    expect(notJson).toThrow(/PRT_STAGING_TARGETS must be a JSON object/);
    expect(badArn).toThrow(/PRT_STAGING_TARGETS: staging target dev: roleArn 'x' is not an IAM role ARN/);
    expect(list).toThrow(/must be a JSON object/);
  });
});
