/**
 * What the S3 client throws (after its own adaptive retries), read in one place. Names are matched
 * rather than classes: credential providers, the service model and Node's socket layer each throw
 * their own types, and the SDK may be loaded twice.
 *
 * `classifyS3Error` sorts a failure into what a caller can do about it; the two mappings below
 * turn that into the typed errors of their audience:
 * - `mapS3Error`, for the object store the Lambda steps use: a missing object is
 *   ObjectNotFoundError, throttling, server faults and an unreachable endpoint are
 *   TransientDependencyError (the state machine retries the step), anything else is rethrown as it
 *   is, so a bug or a missing permission is not retried into an alert storm;
 * - `mapS3DownloadError`, for the downloader the CLI uses: every class gets its own error whose
 *   message says which setting or permission to fix.
 */
import { ConfigurationError, TransientDependencyError } from '../../core/errors';
import {
  AccessDeniedError,
  EndpointUnreachableError,
  NoCredentialsError,
  NoSuchObjectError,
  NoSuchVersionError,
  ObjectChangedError,
} from '../../core/download';
import { ObjectNotFoundError } from '../../core/storage';

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

export type S3Failure =
  | 'no-credentials'
  | 'expired-credentials'
  | 'rejected-credentials'
  | 'no-region'
  | 'access-denied'
  | 'no-such-version'
  | 'no-such-bucket'
  | 'no-such-key'
  | 'changed'
  | 'unreachable'
  | 'throttled';

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

function shapeOf(error: unknown): SdkErrorShape {
  return typeof error === 'object' && error !== null ? error : {};
}

function nameOf(e: SdkErrorShape): string {
  return e.name ?? e.Code ?? '';
}

function statusOf(e: SdkErrorShape): number {
  return e.$metadata?.httpStatusCode ?? 0;
}

function codeOf(e: SdkErrorShape): string {
  const cause = e.cause as SdkErrorShape | undefined;
  return `${e.code ?? ''} ${cause?.code ?? ''} ${e.message ?? ''} ${cause?.message ?? ''}`;
}

function isThrottled(e: SdkErrorShape): boolean {
  const status = statusOf(e);
  return THROTTLED.has(nameOf(e)) || status >= 500 || status === 429 || Boolean(e.$retryable);
}

function isNetwork(e: SdkErrorShape): boolean {
  return NETWORK.test(codeOf(e)) || nameOf(e) === 'TimeoutError';
}

/**
 * The class of an S3 failure, or undefined for one that is not S3's (a bug, an unknown answer).
 * `versionRequested`: a 404 (or a 400 InvalidArgument) for a request naming a version id means the
 * version, not the key, is missing.
 */
export function classifyS3Error(error: unknown, versionRequested = false): S3Failure | undefined {
  const e = shapeOf(error);
  const name = nameOf(e);
  const status = statusOf(e);
  if (name === 'CredentialsProviderError' || CREDENTIALS_MISSING.test(`${name} ${e.message ?? ''}`))
    return 'no-credentials';
  if (['ExpiredToken', 'ExpiredTokenException', 'TokenRefreshRequired'].includes(name))
    return 'expired-credentials';
  if (['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'InvalidToken'].includes(name))
    return 'rejected-credentials';
  if (/Region is missing/i.test(e.message ?? '')) return 'no-region';
  if (name === 'AccessDenied' || name === 'Forbidden' || status === 403) return 'access-denied';
  if (
    name === 'NoSuchVersion' ||
    (versionRequested && (status === 404 || (status === 400 && name === 'InvalidArgument')))
  )
    return 'no-such-version';
  if (name === 'NoSuchBucket') return 'no-such-bucket';
  if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) return 'no-such-key';
  if (name === 'PreconditionFailed' || status === 412) return 'changed';
  if (isNetwork(e)) return 'unreachable';
  if (isThrottled(e)) return 'throttled';
  return undefined;
}

/** True when the error is worth retrying by hand (a broken body stream, a throttled part). */
export function isTransientS3Error(error: unknown): boolean {
  const e = shapeOf(error);
  return (
    error instanceof TransientDependencyError ||
    isThrottled(e) ||
    isNetwork(e) ||
    /premature close|aborted|terminated/i.test(e.message ?? '')
  );
}

/** The object store's mapping: missing object, retry later, or the error as it is. */
export function mapS3Error(error: unknown, what: string): never {
  const e = shapeOf(error);
  switch (classifyS3Error(error)) {
    case 'no-such-key':
    case 'no-such-version':
    case 'no-such-bucket':
      throw new ObjectNotFoundError(
        `${what}: no such object (it may have been deleted or overwritten since it arrived)`,
      );
    case 'unreachable':
      throw new TransientDependencyError(`${what}: S3 endpoint unreachable (${e.message ?? nameOf(e)})`);
    case 'throttled':
      throw new TransientDependencyError(
        `${what}: S3 answered ${nameOf(e)} (HTTP ${statusOf(e)}); retry later`,
      );
    default:
      throw error;
  }
}

/** The downloader's mapping: one typed error per failure class, saying what to fix. */
export function mapS3DownloadError(error: unknown, ctx: S3ErrorContext): never {
  const e = shapeOf(error);
  const name = nameOf(e);
  const status = statusOf(e);
  const version = ctx.versionId ? ` version ${ctx.versionId}` : '';

  switch (classifyS3Error(error, ctx.versionId !== undefined)) {
    case 'no-credentials':
      throw new NoCredentialsError(
        `${ctx.what}: no AWS credentials found (${e.message ?? name}). Set AWS_PROFILE (run \`aws sso login\` for an SSO profile) or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; for the embedded stack use the keys \`npm start -- --serve\` prints`,
      );
    case 'expired-credentials':
      throw new NoCredentialsError(
        `${ctx.what}: the AWS credentials have expired; refresh them (e.g. \`aws sso login\`) and retry`,
      );
    case 'rejected-credentials':
      throw new NoCredentialsError(
        `${ctx.what}: ${ctx.endpoint} rejected the credentials (${name}); check that AWS_PROFILE / AWS_ACCESS_KEY_ID belong to this endpoint and account`,
      );
    case 'no-region':
      throw new ConfigurationError(
        `${ctx.what}: no AWS region configured; set AWS_REGION (or a region in your AWS profile)`,
      );
    case 'access-denied': {
      // A HEAD response has no body, so S3 cannot say whether the policy or the credentials failed.
      const unsure =
        name === 'AccessDenied'
          ? ''
          : ', or the credentials are not valid for this endpoint (check AWS_PROFILE / AWS_ACCESS_KEY_ID)';
      throw new AccessDeniedError(
        `${ctx.what}: access denied to ${ctx.uri}${version}. The credentials need s3:GetObject${ctx.versionId ? ' and s3:GetObjectVersion' : ''} on it (and s3:ListBucket on the bucket to tell a missing key from a forbidden one); KMS-encrypted objects also need kms:Decrypt${unsure}`,
      );
    }
    case 'no-such-version':
      throw new NoSuchVersionError(
        `${ctx.what}: ${ctx.uri} has no version ${ctx.versionId ?? '(unknown)'}; list its versions with \`prt download ${ctx.uri} --list-versions\``,
      );
    case 'no-such-bucket':
      throw new NoSuchObjectError(
        `${ctx.what}: the bucket of ${ctx.uri} does not exist at ${ctx.endpoint}; check the bucket name and AWS_ENDPOINT_URL_S3 / AWS_REGION`,
      );
    case 'no-such-key':
      throw new NoSuchObjectError(
        `${ctx.what}: ${ctx.uri} does not exist (it may have been deleted or never written); check the key, or find registered outputs with \`prt outputs <pipeline>\``,
      );
    case 'changed':
      throw new ObjectChangedError(
        `${ctx.what}: ${ctx.uri} was overwritten while it was being downloaded; run the download again to get the new version`,
      );
    case 'unreachable':
      throw new EndpointUnreachableError(
        `${ctx.what}: cannot reach the S3 endpoint ${ctx.endpoint} (${(e.code ?? e.message ?? name).toString().trim()}); check AWS_ENDPOINT_URL_S3, the network, proxy or VPN`,
      );
    case 'throttled':
      throw new TransientDependencyError(
        `${ctx.what}: S3 answered ${name || 'an error'} (HTTP ${status}) after the SDK's retries; try again later, or lower --concurrency`,
      );
    default:
      throw error;
  }
}
