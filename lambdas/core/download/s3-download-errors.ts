/**
 * Maps what the S3 client throws (after its own adaptive retries) to the download's typed errors.
 * Names are matched rather than classes: credential providers, the service model and Node's socket
 * layer each throw their own types.
 */
import { ConfigurationError, TransientDependencyError } from '../errors';
import {
  AccessDeniedError,
  EndpointUnreachableError,
  NoCredentialsError,
  NoSuchObjectError,
  NoSuchVersionError,
  ObjectChangedError,
} from './download-errors';

export interface S3ErrorContext {
  /** What was being done, e.g. `HeadObject s3://bucket/key`. */
  readonly what: string;
  readonly uri: string;
  readonly versionId?: string;
  /** The endpoint, for messages (e.g. from AWS_ENDPOINT_URL_S3). */
  readonly endpoint: string;
}

interface SdkErrorShape {
  readonly name?: string;
  readonly message?: string;
  readonly code?: string;
  readonly Code?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly $retryable?: unknown;
  readonly cause?: unknown;
}

const NETWORK =
  /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EHOSTUNREACH|ENETUNREACH|socket hang up|EPIPE|getaddrinfo/;
const CREDENTIALS_MISSING =
  /Could not load credentials|CredentialsProviderError|Unable to find credentials|Token is expired|SSO session/i;
const THROTTLED = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'ServiceUnavailable',
  'InternalError',
  'RequestTimeout',
]);

function codeOf(error: SdkErrorShape): string {
  const cause = error.cause as SdkErrorShape | undefined;
  return `${error.code ?? ''} ${cause?.code ?? ''} ${error.message ?? ''} ${cause?.message ?? ''}`;
}

/** True when the error is worth retrying by hand (a broken body stream, a throttled part). */
export function isTransientS3Error(error: unknown): boolean {
  const e = (error ?? {}) as SdkErrorShape;
  const status = e.$metadata?.httpStatusCode ?? 0;
  return (
    error instanceof TransientDependencyError ||
    THROTTLED.has(e.name ?? '') ||
    status >= 500 ||
    status === 429 ||
    NETWORK.test(codeOf(e)) ||
    /premature close|aborted|terminated/i.test(e.message ?? '')
  );
}

export function mapS3DownloadError(error: unknown, ctx: S3ErrorContext): never {
  const e = (error ?? {}) as SdkErrorShape;
  const name = e.name ?? e.Code ?? '';
  const status = e.$metadata?.httpStatusCode ?? 0;
  const text = codeOf(e);
  const version = ctx.versionId ? ` version ${ctx.versionId}` : '';

  if (name === 'CredentialsProviderError' || CREDENTIALS_MISSING.test(`${name} ${e.message ?? ''}`)) {
    throw new NoCredentialsError(
      `${ctx.what}: no AWS credentials found (${e.message ?? name}). Set AWS_PROFILE (run \`aws sso login\` for an SSO profile) or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; for the embedded stack use the keys \`npm start -- --serve\` prints`,
    );
  }
  if (['ExpiredToken', 'ExpiredTokenException', 'TokenRefreshRequired'].includes(name)) {
    throw new NoCredentialsError(
      `${ctx.what}: the AWS credentials have expired; refresh them (e.g. \`aws sso login\`) and retry`,
    );
  }
  if (['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'InvalidToken'].includes(name)) {
    throw new NoCredentialsError(
      `${ctx.what}: ${ctx.endpoint} rejected the credentials (${name}); check that AWS_PROFILE / AWS_ACCESS_KEY_ID belong to this endpoint and account`,
    );
  }
  if (/Region is missing/i.test(e.message ?? '')) {
    throw new ConfigurationError(
      `${ctx.what}: no AWS region configured; set AWS_REGION (or a region in your AWS profile)`,
    );
  }
  if (name === 'AccessDenied' || name === 'Forbidden' || status === 403) {
    // A HEAD response has no body, so S3 cannot say whether the policy or the credentials failed.
    const unsure =
      name === 'AccessDenied'
        ? ''
        : ', or the credentials are not valid for this endpoint (check AWS_PROFILE / AWS_ACCESS_KEY_ID)';
    throw new AccessDeniedError(
      `${ctx.what}: access denied to ${ctx.uri}${version}. The credentials need s3:GetObject${ctx.versionId ? ' and s3:GetObjectVersion' : ''} on it (and s3:ListBucket on the bucket to tell a missing key from a forbidden one); KMS-encrypted objects also need kms:Decrypt${unsure}`,
    );
  }
  if (
    name === 'NoSuchVersion' ||
    (ctx.versionId && (status === 404 || (status === 400 && name === 'InvalidArgument')))
  ) {
    throw new NoSuchVersionError(
      `${ctx.what}: ${ctx.uri} has no version ${ctx.versionId ?? '(unknown)'}; list its versions with \`prt download ${ctx.uri} --list-versions\``,
    );
  }
  if (name === 'NoSuchBucket') {
    throw new NoSuchObjectError(
      `${ctx.what}: the bucket of ${ctx.uri} does not exist at ${ctx.endpoint}; check the bucket name and AWS_ENDPOINT_URL_S3 / AWS_REGION`,
    );
  }
  if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) {
    throw new NoSuchObjectError(
      `${ctx.what}: ${ctx.uri} does not exist (it may have been deleted or never written); check the key, or find registered outputs with \`prt outputs <pipeline>\``,
    );
  }
  if (name === 'PreconditionFailed' || status === 412) {
    throw new ObjectChangedError(
      `${ctx.what}: ${ctx.uri} was overwritten while it was being downloaded; run the download again to get the new version`,
    );
  }
  if (NETWORK.test(text) || name === 'TimeoutError') {
    throw new EndpointUnreachableError(
      `${ctx.what}: cannot reach the S3 endpoint ${ctx.endpoint} (${(e.code ?? e.message ?? name).toString().trim()}); check AWS_ENDPOINT_URL_S3, the network, proxy or VPN`,
    );
  }
  if (THROTTLED.has(name) || status >= 500 || status === 429) {
    throw new TransientDependencyError(
      `${ctx.what}: S3 answered ${name || 'an error'} (HTTP ${status}) after the SDK's retries; try again later, or lower --concurrency`,
    );
  }
  throw error;
}
