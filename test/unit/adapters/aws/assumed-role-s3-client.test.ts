import { describe, expect, it } from 'vitest';
import {
  assumedRoleS3Client,
  DEFAULT_SESSION_SECONDS,
} from '../../../../lambdas/adapters/aws/assumed-role-s3-client';

const ROLE = {
  roleArn: 'arn:aws:iam::123456789012:role/prt-stage-prod-to-dev',
  sessionName: 'prt-exec-1',
};

describe('assumedRoleS3Client', () => {
  it('asks for a session within what STS allows, longer than the function can run', () => {
    // Act
    const client = assumedRoleS3Client({ s3ForcePathStyle: false }, ROLE);
    const tooShort = () =>
      assumedRoleS3Client({ s3ForcePathStyle: false }, { ...ROLE, durationSeconds: 600 });
    const tooLong = () =>
      assumedRoleS3Client({ s3ForcePathStyle: false }, { ...ROLE, durationSeconds: 7200 });

    // Assess
    expect(DEFAULT_SESSION_SECONDS).toBeGreaterThan(900);
    expect(typeof client.config.credentials).toBe('function');
    expect(tooShort).toThrow(/900\.\.3600 s, not 600/);
    expect(tooLong).toThrow(/not 7200/);
    client.destroy();
  });
});
