/**
 * The system's own files, one prefix each (ARTIFACT_PREFIXES): data contracts in, validation
 * reports, quarantined rows and converted outputs out. Kept apart from the outputs bucket so that
 * writing a report or a converted file never emits an "Object Created" event on a watched bucket
 * (a converted output would otherwise start a test run of itself).
 *
 * The repository's `contracts/` folder is copied under `contracts/` at deploy time. Pruning is off:
 * contracts pushed with `prt contract push` live only in the bucket and must survive a deploy.
 *
 * Grants are per prefix, so a function can read contracts without being able to read reports, and
 * write reports without being able to overwrite a contract.
 *
 * @example
 * const artifacts = new ArtifactsBucket(this, 'Artifacts', { removalMode: 'retain', contractsDirectory });
 * artifacts.grantReadContracts(fn);
 * artifacts.grantWriteReports(fn);
 */
import { BOOTSTRAP_QUALIFIER_CONTEXT, DefaultStackSynthesizer, Duration } from 'aws-cdk-lib';
import type { Grant, IGrantable } from 'aws-cdk-lib/aws-iam';
import { Bucket, type IBucket } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import type { RemovalMode } from './shared/environment-config';
import { ARTIFACT_PREFIXES } from './shared/function-environment';
import {
  acknowledgeOnCdkCustomResource,
  acknowledgeOnResource,
  grantFindings,
  nagArn,
  wildcardFinding,
} from './nag-acknowledgments';
import { NO_ACCESS_LOGS_REASON, secureBucketProps, type AccessLogsTarget } from './secure-bucket-props';

export interface ArtifactsBucketProps {
  readonly removalMode: RemovalMode;
  /** Absolute path of the folder whose files are seeded under `contracts/`. */
  readonly contractsDirectory: string;
  /** Server access logs destination; omitted in environments without an access-logs bucket. */
  readonly accessLogs?: AccessLogsTarget | undefined;
}

export class ArtifactsBucket extends Construct {
  readonly bucket: Bucket;
  readonly contractsDeployment: BucketDeployment;

  constructor(scope: Construct, id: string, props: ArtifactsBucketProps) {
    super(scope, id);
    this.bucket = new Bucket(this, 'Bucket', {
      ...secureBucketProps({ removalMode: props.removalMode, accessLogs: props.accessLogs }),
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
      ],
    });
    this.contractsDeployment = new BucketDeployment(this, 'SeedContracts', {
      sources: [Source.asset(props.contractsDirectory)],
      // Cast: under exactOptionalPropertyTypes, CDK's Bucket does not satisfy its own IBucket.
      destinationBucket: this.bucket as IBucket,
      destinationKeyPrefix: ARTIFACT_PREFIXES.contracts,
      prune: false,
    });

    if (!props.accessLogs) {
      acknowledgeOnResource(this.bucket, [{ id: 'AwsSolutions-S1', reason: NO_ACCESS_LOGS_REASON }]);
    }
    // BucketDeployment runs CDK's own Lambda (a singleton under the stack) with CDK's own role.
    const cdkReason = "CDK's own BucketDeployment custom resource, which copies contracts/ at deploy time";
    const qualifier =
      (this.node.tryGetContext(BOOTSTRAP_QUALIFIER_CONTEXT) as string | undefined) ??
      DefaultStackSynthesizer.DEFAULT_QUALIFIER;
    acknowledgeOnCdkCustomResource(this.contractsDeployment.handlerRole.node.scope!, [
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: `${cdkReason}: CDK attaches the basic execution role for its logs`,
      },
      {
        id: 'AwsSolutions-L1',
        reason: `${cdkReason}: its runtime is chosen by the aws-cdk-lib version, not by this project`,
      },
      // CDK grants its handler read on the staged asset and read/write/delete on the destination bucket.
      ...grantFindings
        .bucketRead(this.bucket)
        .filter((f) => f.id.includes('Action::'))
        .map((f) => ({ ...f, reason: `${cdkReason}: ${f.reason}` })),
      wildcardFinding(
        'Action::s3:DeleteObject*',
        `${cdkReason}: CDK grants delete for pruning (prune is off here)`,
      ),
      wildcardFinding('Action::s3:Abort*', `${cdkReason}: multipart uploads of large assets`),
      wildcardFinding(`Resource::${nagArn(this.bucket)}/*`, `${cdkReason}: the destination bucket`),
      wildcardFinding(
        `Resource::arn:<AWS::Partition>:s3:::cdk-${qualifier}-assets-<AWS::AccountId>-<AWS::Region>/*`,
        `${cdkReason}: the bootstrap assets bucket it copies from`,
      ),
    ]);
  }

  grantReadContracts(grantee: IGrantable): Grant {
    return this.bucket.grantRead(grantee, `${ARTIFACT_PREFIXES.contracts}*`);
  }

  /** Validation compares with the report of the previous version of the same output. */
  grantReadReports(grantee: IGrantable): Grant {
    return this.bucket.grantRead(grantee, `${ARTIFACT_PREFIXES.reports}*`);
  }

  /** Put only (no delete): a function can add a report but not erase an earlier one. */
  grantWriteReports(grantee: IGrantable): Grant {
    return this.bucket.grantPut(grantee, `${ARTIFACT_PREFIXES.reports}*`);
  }

  grantWriteQuarantine(grantee: IGrantable): Grant {
    return this.bucket.grantPut(grantee, `${ARTIFACT_PREFIXES.quarantine}*`);
  }

  /** The Distributed Map's ResultWriter: its manifest and result files, under map-runs/ only. */
  grantWriteMapRuns(grantee: IGrantable): Grant {
    return this.bucket.grantPut(grantee, `${ARTIFACT_PREFIXES.mapRuns}*`);
  }

  grantWriteConverted(grantee: IGrantable): Grant {
    return this.bucket.grantPut(grantee, `${ARTIFACT_PREFIXES.converted}*`);
  }

  /** A conversion whose equivalence proof fails deletes its own output: converted/ only. */
  grantDeleteConverted(grantee: IGrantable): Grant {
    return this.bucket.grantDelete(grantee, `${ARTIFACT_PREFIXES.converted}*`);
  }
}
