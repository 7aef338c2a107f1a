import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../../lambdas/core/errors';
import {
  checkStagingTarget,
  resolveStagingTarget,
  stagingSessionName,
  type StagingTarget,
} from '../../../../lambdas/core/inputs/staging-target';

const DEV: StagingTarget = {
  environment: 'dev',
  bucket: 'prt-dev-outputs',
  prefix: 'staging/',
  roleArn: 'arn:aws:iam::123456789012:role/prt-stage-prod-to-dev',
};
const TARGETS = new Map([['dev', DEV]]);

describe('resolveStagingTarget', () => {
  it('gives the named target, and nothing when the request names none', () => {
    // Act
    const named = resolveStagingTarget(TARGETS, 'dev');
    const none = resolveStagingTarget(TARGETS, null);

    // Assess
    expect(named).toBe(DEV);
    expect(none).toBeUndefined();
  });

  it('refuses an unknown target by name, listing the known ones', () => {
    // Act
    const unknown = () => resolveStagingTarget(TARGETS, 'prod');
    const noneDeclared = () => resolveStagingTarget(new Map(), 'dev');

    // Assess
    expect(unknown).toThrow(InvalidInputError);
    expect(unknown).toThrow("unknown staging target 'prod': this environment stages into dev");
    expect(noneDeclared).toThrow(/declares no staging targets/);
  });
});

describe('checkStagingTarget', () => {
  it('accepts a well-formed target, with an external id and in another partition', () => {
    // Act
    const checked = () =>
      checkStagingTarget({
        ...DEV,
        roleArn: 'arn:aws-us-gov:iam::123456789012:role/teams/prt-stage',
        externalId: 'prt:prod-stages',
      });

    // Assess
    expect(checked).not.toThrow();
  });

  it.each([
    ['a role ARN of another service', { roleArn: 'arn:aws:s3:::bucket' }, /is not an IAM role ARN/],
    ['a user ARN', { roleArn: 'arn:aws:iam::123456789012:user/ada' }, /is not an IAM role ARN/],
    ['an account id of 11 digits', { roleArn: 'arn:aws:iam::12345678901:role/x' }, /is not an IAM role ARN/],
    ['a prefix without its /', { prefix: 'staging' }, /must be a key prefix ending in \//],
    ['a prefix starting with /', { prefix: '/staging/' }, /must be a key prefix ending in \//],
    ['a bucket name with capitals', { bucket: 'Prt-Dev' }, /is not a bucket name/],
    ['an external id with spaces', { externalId: 'a b' }, /externalId/],
    ['an upper-case name', { environment: 'Dev' }, /name must be lower-case/],
  ])('refuses %s', (_what, change, message) => {
    // Act
    const checked = () => checkStagingTarget({ ...DEV, ...change });

    // Assess
    expect(checked).toThrow(message);
  });
});

describe('stagingSessionName', () => {
  it('names the execution within the 64 characters STS allows', () => {
    // Act
    const short = stagingSessionName('3f1c-exec');
    const long = stagingSessionName('x'.repeat(80));

    // Assess
    expect(short).toBe('prt-3f1c-exec');
    expect(long).toHaveLength(64);
    expect(long).toMatch(/^[\w+=,.@-]{2,64}$/);
  });
});
