/**
 * The system's own files, one prefix each (ARTIFACT_PREFIXES): data contracts in, validation
 * reports, quarantined rows and converted outputs out. Kept apart from the outputs bucket so that
 * writing a report or a converted file never emits an "Object Created" event on a watched bucket
 * (a converted output would otherwise start a test run of itself).
 *
 * The repository's `contracts/` folder is copied under `contracts/` at deploy time. Pruning is off:
 * contracts pushed with `prt contract push` live only in the bucket and must survive a deploy.
 *
 * Grants are per prefix and name each action (no `s3:GetObject*`-style groups), so a function can
 * read contracts without being able to read reports, write reports without being able to overwrite
 * a contract, and list only the prefix it lists (`s3:prefix` condition on ListBucket).
 *
 * The seeding job (CDK's BucketDeployment) runs with a role of this construct whose policy CDK
 * cannot extend: CDK would grant it read, write and delete on the whole bucket; it gets what
 * `aws s3 sync` without `--delete` does under contracts/ (list, put) and the read of its asset.
 * `retainOnDelete` stays on, so removing the deployment deletes no contract either.
 *
 * @example
 * const artifacts = new ArtifactsBucket(this, 'Artifacts', { removalMode: 'retain', contractsDirectory });
 * artifacts.grantReadContracts(fn);
 * artifacts.grantWriteReports(fn);
 */
import { Duration } from 'aws-cdk-lib';
import { Grant, PolicyStatement, Role, ServicePrincipal, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { Key } from 'aws-cdk-lib/aws-kms';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Bucket, type IBucket } from 'aws-cdk-lib/aws-s3';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { DEFAULT_RETENTION, type RemovalMode, type RetentionSettings } from './config/environment-config';
import { ARTIFACT_PREFIXES } from './config/artifact-prefixes';
import {
  acknowledgeGrants,
  acknowledgeOnCdkCustomResource,
  acknowledgeOnResource,
  cdkSingleton,
  grantFindings,
} from './nag-acknowledgments';
import { removalPolicyOf } from './removal-policy';
import { retentionDaysOf } from './retention-days';
import { NO_ACCESS_LOGS_REASON, secureBucketProps, type AccessLogsTarget } from './secure-bucket-props';

export interface ArtifactsBucketProps {
  readonly removalMode: RemovalMode;
  /** Absolute path of the folder whose files are seeded under `contracts/`. */
  readonly contractsDirectory: string;
  /** Server access logs destination; omitted in environments without an access-logs bucket. */
  readonly accessLogs?: AccessLogsTarget | undefined;
  /** Retention of the seeding job's log group (the environment's log retention). */
  readonly logRetentionDays: number;
  /** The environment's customer-managed key, where the environment sets `kms`. */
  readonly encryptionKey?: Key | undefined;
  /** Days quarantine objects and reports are kept (the environment's `retention`; DEFAULT_RETENTION). */
  readonly retention?: Pick<RetentionSettings, 'quarantineDays' | 'reportsDays'>;
}

/** Object reads by key, without a version id (GetObject; HeadObject is authorized as GetObject). */
const READ_LATEST = ['s3:GetObject'];
/** Object reads of a given version (the version id in the request makes it GetObjectVersion). */
const READ_VERSIONS = ['s3:GetObject', 's3:GetObjectVersion'];
/** PutObject covers single and multipart uploads; aborting a failed multipart upload is its own action. */
const WRITE = ['s3:PutObject', 's3:AbortMultipartUpload'];
/** SSE-KMS: reading needs Decrypt; writing needs a data key, and Decrypt for multipart uploads. */
const KEY_READ = ['kms:Decrypt'];
const KEY_WRITE = ['kms:Decrypt', 'kms:GenerateDataKey'];

/** Days a range's converted part lies under conversion-parts/ (the lifecycle rule's reason is there). */
export const CONVERSION_PARTS_DAYS = 3;

export class ArtifactsBucket extends Construct {
  readonly bucket: Bucket;
  readonly contractsDeployment: BucketDeployment;
  /** The seeding job's own role: list and put under contracts/, read its asset, write its logs. */
  readonly contractsDeploymentRole: Role;
  private readonly encryptionKey: Key | undefined;

  constructor(scope: Construct, id: string, props: ArtifactsBucketProps) {
    super(scope, id);
    this.encryptionKey = props.encryptionKey;
    const retention = props.retention ?? DEFAULT_RETENTION;
    this.bucket = new Bucket(this, 'Bucket', {
      ...secureBucketProps({
        removalMode: props.removalMode,
        accessLogs: props.accessLogs,
        encryptionKey: props.encryptionKey,
      }),
      // Versioned so an overwritten contract can be recovered and a report can cite the exact
      // contract version it was checked against.
      versioned: true,
      lifecycleRules: [
        { abortIncompleteMultipartUploadAfter: Duration.days(7) },
        // Map run results are for investigating a run; the report holds what matters.
        {
          prefix: ARTIFACT_PREFIXES.mapRuns,
          expiration: Duration.days(30),
          noncurrentVersionExpiration: Duration.days(1),
        },
        // A manifest is read once, by its map run; kept as long as the run's results.
        {
          prefix: ARTIFACT_PREFIXES.manifests,
          expiration: Duration.days(30),
          noncurrentVersionExpiration: Duration.days(1),
        },
        // A large object's conversion range by range keeps each range's part and envelope here
        // until its assembly joins them, within the execution (whose TimeoutSeconds is one day).
        // Three days outlive any execution that could still read them, with a day or two left to
        // look into a failed one; after that a failed or abandoned conversion leaves nothing.
        {
          prefix: ARTIFACT_PREFIXES.conversionParts,
          expiration: Duration.days(CONVERSION_PARTS_DAYS),
          noncurrentVersionExpiration: Duration.days(1),
        },
        // Failing rows may be personal data: kept only as long as the environment needs them.
        {
          prefix: ARTIFACT_PREFIXES.quarantine,
          expiration: Duration.days(retention.quarantineDays),
          noncurrentVersionExpiration: Duration.days(1),
        },
        {
          prefix: ARTIFACT_PREFIXES.reports,
          expiration: Duration.days(retention.reportsDays),
          noncurrentVersionExpiration: Duration.days(1),
        },
        // The results dataset is the history people query: kept; a file a retry overwrote is not.
        { prefix: ARTIFACT_PREFIXES.results, noncurrentVersionExpiration: Duration.days(1) },
        // Athena's result files are for the query that wrote them.
        {
          prefix: ARTIFACT_PREFIXES.athenaResults,
          expiration: Duration.days(30),
          noncurrentVersionExpiration: Duration.days(1),
        },
      ],
    });

    const contractsAsset = new Asset(this, 'ContractsAsset', { path: props.contractsDirectory });
    const seedingLogs = new LogGroup(this, 'SeedContractsLogs', {
      retention: retentionDaysOf(props.logRetentionDays),
      removalPolicy: removalPolicyOf(props.removalMode),
      ...(props.encryptionKey ? { encryptionKey: props.encryptionKey } : {}),
    });
    this.contractsDeploymentRole = new Role(this, 'SeedContractsRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'Copies the repository contracts under contracts/ at deploy time',
    });
    seedingLogs.grantWrite(this.contractsDeploymentRole);
    // The asset's own object, read-only (CDK's Source.asset would grant read on the whole
    // bootstrap assets bucket).
    this.contractsDeploymentRole.addToPrincipalPolicy(
      new PolicyStatement({
        actions: READ_LATEST,
        resources: [contractsAsset.bucket.arnForObjects(contractsAsset.s3ObjectKey)],
      }),
    );
    this.grantListPrefix(this.contractsDeploymentRole, ARTIFACT_PREFIXES.contracts);
    this.grantObjects(this.contractsDeploymentRole, ARTIFACT_PREFIXES.contracts, WRITE, KEY_WRITE);
    this.contractsDeployment = new BucketDeployment(this, 'SeedContracts', {
      sources: [Source.bucket(contractsAsset.bucket, contractsAsset.s3ObjectKey)],
      // Cast: under exactOptionalPropertyTypes, CDK's Bucket does not satisfy its own IBucket.
      destinationBucket: this.bucket as IBucket,
      destinationKeyPrefix: ARTIFACT_PREFIXES.contracts,
      // Pushed contracts (`prt contract push`) live only in the bucket: neither a deploy (prune)
      // nor removing this deployment (retainOnDelete) deletes them.
      prune: false,
      retainOnDelete: true,
      // Immutable to CDK: its grants (read/write/delete on the whole bucket, read on the whole
      // assets bucket) are dropped; the statements above are the role's whole policy.
      role: this.contractsDeploymentRole.withoutPolicyUpdates(),
      logGroup: seedingLogs,
    });

    if (!props.accessLogs) {
      acknowledgeOnResource(this.bucket, [{ id: 'AwsSolutions-S1', reason: NO_ACCESS_LOGS_REASON }]);
    }
    // BucketDeployment runs CDK's own Lambda (a singleton under the stack).
    const cdkReason = "CDK's own BucketDeployment custom resource, which copies contracts/ at deploy time";
    acknowledgeOnCdkCustomResource(cdkSingleton(this, 'Custom::CDKBucketDeployment'), [
      {
        id: 'AwsSolutions-L1',
        reason: `${cdkReason}: its runtime is chosen by the aws-cdk-lib version, not by this project`,
      },
    ]);
    acknowledgeGrants(
      this.contractsDeploymentRole,
      grantFindings.objectsUnder(this.bucket, ARTIFACT_PREFIXES.contracts, 'writes'),
    );
  }

  /** ListBucket limited by `s3:prefix` to keys under one prefix (ListObjectsV2 with that Prefix). */
  private grantListPrefix(grantee: IGrantable, prefix: string): Grant {
    return Grant.addToPrincipal({
      grantee,
      actions: ['s3:ListBucket'],
      resourceArns: [this.bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } },
    });
  }

  private grantObjects(
    grantee: IGrantable,
    prefix: string,
    actions: readonly string[],
    keyActions: readonly string[],
  ): Grant {
    if (keyActions.length > 0) this.encryptionKey?.grant(grantee, ...keyActions);
    return Grant.addToPrincipal({
      grantee,
      actions: [...actions],
      resourceArns: [this.bucket.arnForObjects(`${prefix}*`)],
    });
  }

  /** OpenLineage events written as objects under `prefix` (the `s3` transport): put only. */
  grantWriteLineageEvents(grantee: IGrantable, prefix: string): Grant {
    return this.grantObjects(grantee, prefix, WRITE, KEY_WRITE);
  }

  /** The contract catalog lists contracts/ and reads each contract by key. */
  grantReadContracts(grantee: IGrantable): Grant {
    this.grantListPrefix(grantee, ARTIFACT_PREFIXES.contracts);
    return this.grantObjects(grantee, ARTIFACT_PREFIXES.contracts, READ_LATEST, KEY_READ);
  }

  /** Validation compares with the report of the previous version of the same output (by key). */
  grantReadReports(grantee: IGrantable): Grant {
    return this.grantObjects(grantee, ARTIFACT_PREFIXES.reports, READ_LATEST, KEY_READ);
  }

  /** Put only (no delete): a function can add a report but not erase an earlier one. */
  grantWriteReports(grantee: IGrantable): Grant {
    return this.grantObjects(grantee, ARTIFACT_PREFIXES.reports, WRITE, KEY_WRITE);
  }

  /** Run reports (JSON and HTML) under reports/runs/: put only, nothing else under reports/. */
  grantWriteRunReports(grantee: IGrantable): Grant {
    return this.grantObjects(grantee, ARTIFACT_PREFIXES.runReports, WRITE, KEY_WRITE);
  }

  grantWriteQuarantine(grantee: IGrantable): Grant {
    return this.grantObjects(grantee, ARTIFACT_PREFIXES.quarantine, WRITE, KEY_WRITE);
  }

  /** The Distributed Map's ResultWriter: its manifest and result files, under map-runs/ only. */
  grantWriteMapRuns(grantee: IGrantable): Grant {
    return this.grantObjects(grantee, ARTIFACT_PREFIXES.mapRuns, WRITE, KEY_WRITE);
  }

  /** The partitioned branch's plan step writes the map's manifest, under manifests/ only. */
  grantWriteManifests(grantee: IGrantable): Grant {
    return this.grantObjects(grantee, ARTIFACT_PREFIXES.manifests, WRITE, KEY_WRITE);
  }

  /**
   * The validate function writes the results dataset's files, under results/ only. Put only: a
   * retried version overwrites its own files (the bucket keeps the old one as a noncurrent version).
   */
  grantWriteResults(grantee: IGrantable): Grant {
    return this.grantObjects(grantee, ARTIFACT_PREFIXES.results, WRITE, KEY_WRITE);
  }

  /** Athena reads the results dataset: lists and reads under results/ only. */
  grantReadResults(grantee: IGrantable): Grant {
    this.grantListPrefix(grantee, ARTIFACT_PREFIXES.results);
    return this.grantObjects(grantee, ARTIFACT_PREFIXES.results, READ_LATEST, KEY_READ);
  }

  /** Athena writes a query's result files under athena-results/ and reads them back. */
  grantQueryResults(grantee: IGrantable): Grant {
    this.grantListPrefix(grantee, ARTIFACT_PREFIXES.athenaResults);
    Grant.addToPrincipal({
      grantee,
      actions: ['s3:GetBucketLocation'],
      resourceArns: [this.bucket.bucketArn],
    });
    return this.grantObjects(grantee, ARTIFACT_PREFIXES.athenaResults, [...WRITE, ...READ_LATEST], KEY_WRITE);
  }

  /** The Distributed Map's ItemReader reads its manifest (GetObject by key, under manifests/ only). */
  grantReadManifests(grantee: IGrantable): Grant {
    return this.grantObjects(grantee, ARTIFACT_PREFIXES.manifests, READ_LATEST, KEY_READ);
  }

  /**
   * Conversion writes under converted/ and reads the version it wrote back for its equivalence
   * proof (by version id, hence GetObjectVersion).
   */
  grantWriteConverted(grantee: IGrantable): Grant {
    return this.grantObjects(grantee, ARTIFACT_PREFIXES.converted, [...WRITE, ...READ_VERSIONS], KEY_WRITE);
  }

  /**
   * A large object's conversion range by range: each range writes its part and envelope under
   * conversion-parts/ and reads the version it wrote back for its proof; the assembly reads the
   * envelopes and copies the parts into the converted object (UploadPartCopy reads its source as
   * GetObject, or GetObjectVersion with the part's version id). No delete: the lifecycle rule
   * expires them.
   */
  grantWriteConversionParts(grantee: IGrantable): Grant {
    return this.grantObjects(
      grantee,
      ARTIFACT_PREFIXES.conversionParts,
      [...WRITE, ...READ_VERSIONS],
      KEY_WRITE,
    );
  }

  /**
   * A conversion whose equivalence proof fails hides its own output behind a delete marker:
   * DeleteObject only, never DeleteObjectVersion, so no version of a converted output (nor the
   * failed one, kept for investigation) can be erased for good.
   */
  grantDeleteConverted(grantee: IGrantable): Grant {
    return this.grantObjects(grantee, ARTIFACT_PREFIXES.converted, ['s3:DeleteObject'], []);
  }
}
