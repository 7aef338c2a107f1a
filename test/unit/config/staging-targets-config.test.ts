import { describe, expect, it } from 'vitest';
import { parseEnvironmentConfig } from '../../../lib/config/environment-config';
import { cdkEnvironments } from '../../fixtures/cdk-environments';

const ROLE = 'arn:aws:iam::222222222222:role/prt-stage-dev-to-staging';

function dev(staging: unknown) {
  return () =>
    parseEnvironmentConfig('dev', { ...(cdkEnvironments()['dev'] as Record<string, unknown>), staging });
}

describe('staging.targets and staging.acceptFrom', () => {
  it('are empty unless set', () => {
    // Act
    const config = dev(undefined)();

    // Assess
    expect(config.staging.targets).toEqual([]);
    expect(config.staging.acceptFrom).toEqual([]);
  });

  it('are typed when set: each target by name, each source with its account', () => {
    // Act
    const config = dev({
      targets: {
        staging: { bucket: 'prt-staging-out', prefix: 'staging/', roleArn: ROLE, externalId: 'e-1' },
      },
      acceptFrom: [{ account: '333333333333', environment: 'prod' }],
    })();

    // Assess
    expect(config.staging.targets).toEqual([
      {
        environment: 'staging',
        bucket: 'prt-staging-out',
        prefix: 'staging/',
        roleArn: ROLE,
        externalId: 'e-1',
      },
    ]);
    expect(config.staging.acceptFrom).toEqual([{ account: '333333333333', environment: 'prod' }]);
  });

  it.each([
    [
      'a role ARN that is not one',
      { targets: { staging: { bucket: 'prt-s', prefix: 'staging/', roleArn: 'arn:aws:iam::1:role/x' } } },
      /environments\.dev\.staging\.targets\.staging: .*is not an IAM role ARN/,
    ],
    [
      'a prefix without its /',
      { targets: { staging: { bucket: 'prt-s', prefix: 'staging', roleArn: ROLE } } },
      /staging\.targets\.staging: .*must be a key prefix ending in \//,
    ],
    [
      'a target missing its role',
      { targets: { staging: { bucket: 'prt-s', prefix: 'staging/' } } },
      /staging\.targets\.staging\.roleArn: is required/,
    ],
    [
      'an unknown key in a target',
      { targets: { staging: { bucket: 'prt-s', prefix: 'staging/', roleArn: ROLE, role: ROLE } } },
      /staging\.targets\.staging\.role: unknown setting/,
    ],
    [
      'the environment itself as a target',
      { targets: { dev: { bucket: 'prt-s', prefix: 'staging/', roleArn: ROLE } } },
      /staging\.targets\.dev: an environment stages into its own bucket/,
    ],
    [
      'a source account that is not 12 digits',
      { acceptFrom: [{ account: '42', environment: 'prod' }] },
      /staging\.acceptFrom\[0\]\.account: "42" is not a 12-digit AWS account id/,
    ],
    [
      'a source listed twice',
      {
        acceptFrom: [
          { account: '333333333333', environment: 'prod' },
          { account: '333333333333', environment: 'prod' },
        ],
      },
      /staging\.acceptFrom\[1\]: prod is listed twice/,
    ],
    [
      'the environment accepting from itself',
      { acceptFrom: [{ account: '333333333333', environment: 'dev' }] },
      /staging\.acceptFrom\[0\]: an environment does not accept stagings from itself/,
    ],
  ])('refuses %s, naming the field', (_what, staging, message) => {
    // Act
    const parse = dev(staging);

    // Assess
    expect(parse).toThrow(message);
  });

  it('refuses a source whose role name would pass the 64 characters IAM allows', () => {
    // Arrange
    const name = `data-platform-${'x'.repeat(30)}`;
    const raw = {
      ...(cdkEnvironments()['dev'] as Record<string, unknown>),
      staging: { acceptFrom: [{ account: '333333333333', environment: 'y'.repeat(20) }] },
    };

    // Act
    const parse = () => parseEnvironmentConfig(name, raw);

    // Assess
    expect(parse).toThrow(
      /staging\.acceptFrom\[0\]: the role name prt-stage-y+-to-data-platform-x+ is longer than 64/,
    );
  });
});
