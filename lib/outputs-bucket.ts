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
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { Key } from 'aws-cdk-lib/aws-kms';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeOnCdkCustomResource, acknowledgeOnResource, cdkSingleton } from './nag-acknowledgments';
import type { RemovalMode } from './config/environment-config';
import { CANARY_PREFIX } from '../lambdas/runtime/function-environment';
import { NO_ACCESS_LOGS_REASON, secureBucketProps, type AccessLogsTarget } from './secure-bucket-props';

export interface OutputsBucketProps {
  readonly removalMode: RemovalMode;
  /** Server access logs destination; omitted in environments without an access-logs bucket. */
  readonly accessLogs?: AccessLogsTarget | undefined;
  /**
   * The environment's customer-managed key, where the environment sets `kms`. The pipelines that
   * write outputs then need kms:GenerateDataKey on it in their own roles.
   */
  readonly encryptionKey?: Key | undefined;
  /** Days a replaced version of an output is kept; absent, replaced versions stay. */
  readonly noncurrentVersionDays?: number | undefined;
}

export class OutputsBucket extends Construct {
  readonly bucket: Bucket;
  private readonly encryptionKey: Key | undefined;

  constructor(scope: Construct, id: string, props: OutputsBucketProps) {
    super(scope, id);
    this.encryptionKey = props.encryptionKey;
    this.bucket = new Bucket(this, 'Bucket', {
      ...secureBucketProps({
        removalMode: props.removalMode,
        accessLogs: props.accessLogs,
        encryptionKey: props.encryptionKey,
      }),
      versioned: true,
      eventBridgeEnabled: true,
      // Large Spark/Glue outputs are written by multipart upload; parts of an abandoned upload are
      // billed but invisible to listings, so they are cleaned up after a week.
      lifecycleRules: [
        { abortIncompleteMultipartUploadAfter: Duration.days(7) },
        // The canary removes what it writes; what a canary run cut short left behind goes after a day.
        {
          prefix: CANARY_PREFIX,
          expiration: Duration.days(1),
          noncurrentVersionExpiration: Duration.days(1),
        },
        ...(props.noncurrentVersionDays !== undefined
          ? [{ noncurrentVersionExpiration: Duration.days(props.noncurrentVersionDays) }]
          : []),
      ],
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

  /**
   * Reads of any output object and of any of its versions (the registry names an output by its
   * version id; HeadObject is authorized as GetObject/GetObjectVersion). Every object is a possible
   * test subject or rule reference, so the grant is bucket-wide, but reads only: no listing.
   */
  grantReadObjects(grantee: IGrantable): Grant {
    this.encryptionKey?.grant(grantee, 'kms:Decrypt');
    return Grant.addToPrincipal({
      grantee,
      actions: ['s3:GetObject', 's3:GetObjectVersion'],
      resourceArns: [this.bucket.arnForObjects('*')],
    });
  }

  /**
   * Reads (and HeadObject) of objects and their versions under the given prefixes only: the
   * prepare-inputs workflow reads registered outputs where they land, and nothing else.
   */
  grantReadUnder(grantee: IGrantable, prefixes: readonly string[]): Grant | undefined {
    if (prefixes.length === 0) return undefined;
    this.encryptionKey?.grant(grantee, 'kms:Decrypt');
    return Grant.addToPrincipal({
      grantee,
      actions: ['s3:GetObject', 's3:GetObjectVersion'],
      resourceArns: prefixes.map((p) => this.bucket.arnForObjects(`${p}*`)),
    });
  }

  /**
   * Listing under the given prefixes only (ListBucket with an `s3:prefix` condition): the folders
   * of partitioned outputs, whose parts are found by listing. No prefixes, no grant.
   */
  grantListUnder(grantee: IGrantable, prefixes: readonly string[]): Grant | undefined {
    if (prefixes.length === 0) return undefined;
    return Grant.addToPrincipal({
      grantee,
      actions: ['s3:ListBucket'],
      resourceArns: [this.bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': prefixes.map((p) => `${p}*`) } },
    });
  }

  /** Put (single or multipart, and aborting its own failed uploads) under one prefix; no reads, no deletes. */
  grantPutUnder(grantee: IGrantable, prefix: string): Grant {
    this.encryptionKey?.grant(grantee, 'kms:Decrypt', 'kms:GenerateDataKey');
    return Grant.addToPrincipal({
      grantee,
      actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
      resourceArns: [this.bucket.arnForObjects(`${prefix}*`)],
    });
  }

  /**
   * Write-audit-publish: copies (single or multipart, aborting its own failed uploads) under the
   * published prefix, and removing there the `_SUCCESS` marker an older version of a folder left,
   * so a reader never takes a folder being replaced for a complete one. No other prefix.
   */
  grantPublishUnder(grantee: IGrantable, prefix: string): Grant {
    this.encryptionKey?.grant(grantee, 'kms:Decrypt', 'kms:GenerateDataKey');
    return Grant.addToPrincipal({
      grantee,
      actions: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:DeleteObject'],
      resourceArns: [this.bucket.arnForObjects(`${prefix}*`)],
    });
  }
}
