/**
 * Receives the S3 server access logs of the outputs and artifacts buckets.
 *
 * Created only for environments that retain their data (prod): there the audit trail matters and
 * the bucket is never deleted. In destroy environments log delivery is best-effort and lags by up to
 * hours, so a `cdk destroy` would race late deliveries into a bucket that auto-delete has just
 * emptied and fail on a non-empty bucket.
 */
import { Duration } from 'aws-cdk-lib';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY } from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import type { RemovalMode } from './config/environment-config';
import { acknowledgeOnResource } from './nag-acknowledgments';
import { secureBucketProps } from './secure-bucket-props';

export interface AccessLogsBucketProps {
  readonly removalMode: RemovalMode;
  /** Days a log object is kept; the environment's log retention. */
  readonly expirationDays: number;
}

export class AccessLogsBucket extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: AccessLogsBucketProps) {
    super(scope, id);
    // Without this flag CDK grants log delivery through the LogDeliveryWrite ACL, which needs ACLs
    // enabled (ObjectWriter ownership). With it, delivery is granted by a bucket policy statement for
    // logging.s3.amazonaws.com scoped to the source bucket and account, and ACLs stay disabled. Set
    // here, on this construct only, because cdk.json does not pin feature flags.
    this.node.setContext(S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true);
    // S3 delivers access logs only to SSE-S3 buckets; secureBucketProps already uses SSE-S3. CDK adds
    // the bucket policy that lets logging.s3.amazonaws.com write here when a source bucket names it.
    this.bucket = new Bucket(this, 'Bucket', {
      ...secureBucketProps({ removalMode: props.removalMode }),
      lifecycleRules: [{ expiration: Duration.days(props.expirationDays) }],
    });
    acknowledgeOnResource(this.bucket, [
      {
        id: 'AwsSolutions-S1',
        reason:
          'This is the server access log destination; logging its own access into itself would log every log delivery, without end.',
      },
    ]);
  }
}
