/**
 * An S3 client that signs with temporary credentials of a role in another environment (STS
 * AssumeRole), for the download function's staging into that environment's bucket. The store over
 * it is the ordinary S3ObjectStore: core sees the same port whichever account the bucket is in.
 *
 * - The session is named after the staging (stagingSessionName), so the other account's CloudTrail
 *   says which execution wrote each object.
 * - The session lasts DEFAULT_SESSION_SECONDS (the download function's 900 s timeout plus margin,
 *   and within the one hour a role allows by default); the SDK's identity cache asks STS again
 *   5 minutes before the credentials expire, so a long staging never signs with expired ones.
 * - STS is reached through the standard endpoint settings (AWS_ENDPOINT_URL_STS, AWS_REGION), so
 *   the embedded stack's loopback STS and AWS differ only by endpoint. The function's own
 *   credentials (its role) sign the AssumeRole call.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { ClientSettings } from './aws-clients';

/** 900 s of function timeout and margin; STS allows 900..MaxSessionDuration (3600 by default). */
export const DEFAULT_SESSION_SECONDS = 1800;
export const MIN_SESSION_SECONDS = 900;
export const MAX_SESSION_SECONDS = 3600;

export interface AssumedRole {
  readonly roleArn: string;
  readonly externalId?: string;
  readonly sessionName: string;
  /** 900..3600; default DEFAULT_SESSION_SECONDS. */
  readonly durationSeconds?: number;
}

export function assumedRoleS3Client(settings: ClientSettings, role: AssumedRole): S3Client {
  const duration = role.durationSeconds ?? DEFAULT_SESSION_SECONDS;
  if (!Number.isInteger(duration) || duration < MIN_SESSION_SECONDS || duration > MAX_SESSION_SECONDS)
    throw new RangeError(
      `an assumed role's session lasts ${MIN_SESSION_SECONDS}..${MAX_SESSION_SECONDS} s, not ${duration}`,
    );
  return new S3Client({
    forcePathStyle: settings.s3ForcePathStyle,
    retryMode: 'adaptive',
    credentials: fromTemporaryCredentials({
      params: {
        RoleArn: role.roleArn,
        RoleSessionName: role.sessionName,
        DurationSeconds: duration,
        ...(role.externalId !== undefined ? { ExternalId: role.externalId } : {}),
      },
    }),
  });
}
