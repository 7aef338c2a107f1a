/**
 * The security baseline every bucket of the stack shares: no public access, TLS only, encrypted at
 * rest, removal per environment. One function so a new bucket cannot quietly miss a setting.
 */
import {
  BlockPublicAccess,
  BucketEncryption,
  ObjectOwnership,
  type Bucket,
  type BucketProps,
  type IBucket,
} from 'aws-cdk-lib/aws-s3';
import type { Key } from 'aws-cdk-lib/aws-kms';
import type { RemovalMode } from './config/environment-config';
import { removalPolicyOf } from './removal-policy';

/** Where a bucket's server access logs go (only environments that retain data keep them; see AccessLogsBucket). */
export interface AccessLogsTarget {
  // The concrete class, not IBucket: under exactOptionalPropertyTypes, CDK's classes do not satisfy
  // their own interfaces (`isWebsite: boolean | undefined` vs `isWebsite?: boolean`).
  readonly bucket: Bucket;
  /** Key prefix inside the logs bucket, one per source bucket, ending with `/`. */
  readonly prefix: string;
}

/** Why a bucket of a destroy environment has no server access logs (cdk-nag AwsSolutions-S1). */
export const NO_ACCESS_LOGS_REASON =
  'Server access logs are kept only where the environment retains its data (prod); in destroy environments log delivery lags by hours and would race `cdk destroy` into a non-empty bucket (see AccessLogsBucket). CloudTrail data events remain available where an audit trail is needed.';

export interface SecureBucketOptions {
  readonly removalMode: RemovalMode;
  readonly accessLogs?: AccessLogsTarget | undefined;
  /** The environment's customer-managed key (DataKey), where the environment sets `kms`. */
  readonly encryptionKey?: Key | undefined;
}

export function secureBucketProps(options: SecureBucketOptions): BucketProps {
  const destroy = options.removalMode === 'destroy';
  return {
    blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
    // ACLs disabled: access is decided by IAM and the bucket policy alone.
    objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
    // SSE-S3 unless the environment asks for its own key (`kms`): then every reader and writer
    // needs a key grant, in exchange for key-level audit and revocation. The S3 Bucket Key cuts
    // the KMS requests (and their cost and throttling) from one per object to one per bucket key.
    ...(options.encryptionKey
      ? {
          encryption: BucketEncryption.KMS,
          encryptionKey: options.encryptionKey,
          bucketKeyEnabled: true,
        }
      : { encryption: BucketEncryption.S3_MANAGED }),
    enforceSSL: true,
    removalPolicy: removalPolicyOf(options.removalMode),
    // A destroyed environment must not leave a non-empty bucket behind (CloudFormation cannot delete
    // one); retained environments keep their objects.
    autoDeleteObjects: destroy,
    ...(options.accessLogs
      ? {
          serverAccessLogsBucket: options.accessLogs.bucket as IBucket,
          serverAccessLogsPrefix: options.accessLogs.prefix,
        }
      : {}),
  };
}
