/**
 * The bucket pipeline steps write their outputs to. Every object created under a watched prefix
 * starts a test run, so the bucket sends its events to EventBridge (where a rule can filter on
 * key prefixes) instead of S3 notifications (one destination per prefix/suffix pair, no fan-out).
 *
 * Versioned because the registry identifies an output by bucket + key + version id: an overwrite by
 * a re-run must not destroy the object an earlier registry entry, report or lineage edge points to.
 *
 * @example
 * const outputs = new OutputsBucket(this, 'Outputs', { removalMode: 'destroy' });
 * outputs.grantReadObjects(inspectFunction);
 */
import { Duration } from 'aws-cdk-lib';
import type { IGrantable, Grant } from 'aws-cdk-lib/aws-iam';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeOnCdkCustomResource, acknowledgeOnResource, cdkSingleton } from './nag-acknowledgments';
import type { RemovalMode } from './shared/environment-config';
import { NO_ACCESS_LOGS_REASON, secureBucketProps, type AccessLogsTarget } from './secure-bucket-props';

export interface OutputsBucketProps {
  readonly removalMode: RemovalMode;
  /** Server access logs destination; omitted in environments without an access-logs bucket. */
  readonly accessLogs?: AccessLogsTarget | undefined;
}

export class OutputsBucket extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: OutputsBucketProps) {
    super(scope, id);
    this.bucket = new Bucket(this, 'Bucket', {
      ...secureBucketProps({ removalMode: props.removalMode, accessLogs: props.accessLogs }),
      versioned: true,
      eventBridgeEnabled: true,
      // Large Spark/Glue outputs are written by multipart upload; parts of an abandoned upload are
      // billed but invisible to listings, so they are cleaned up after a week.
      lifecycleRules: [{ abortIncompleteMultipartUploadAfter: Duration.days(7) }],
    });
    if (!props.accessLogs) {
      acknowledgeOnResource(this.bucket, [{ id: 'AwsSolutions-S1', reason: NO_ACCESS_LOGS_REASON }]);
    }
    // eventBridgeEnabled makes CDK add its bucket-notifications custom resource, whose Lambda runs
    // with AWSLambdaBasicExecutionRole.
    acknowledgeOnCdkCustomResource(cdkSingleton(this, 'BucketNotificationsHandler'), [
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          "CDK's own bucket-notifications custom resource: its role and code are CDK's; it only writes its own logs",
      },
    ]);
  }

  /** Read access to every output object (and its versions) for the functions that test them. */
  grantReadObjects(grantee: IGrantable): Grant {
    return this.bucket.grantRead(grantee);
  }
}
